// The exactly-once protocol's table: (connector, topic, partition) -> next_offset, the
// Kafka offset the partition resumes at, written in the transaction of the rows it
// covers. NULL until the partition's first batch commits.
#pragma once

#include "sluice/sql/database.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::sql::offsets {

// Each partition gets its row before its first batch (outside any transaction), so that
// every batch can lock it.
void ensure_rows(Database& db, const TableName& table, const std::string& connector, const std::vector<PartitionKey>& partitions);

// With `lock`, inside a transaction: the rows stay locked (FOR UPDATE) until it ends, so
// two writers of one partition (a zombie task) take turns and the second sees the first's
// offsets.
std::map<PartitionKey, std::optional<std::int64_t>> read(Database& db, const TableName& table, const std::string& connector,
                                                         const std::vector<PartitionKey>& partitions, bool lock);

// The statement storing the next offsets (the batch runs it with its COMMIT).
std::string write_statement(Database& db, const TableName& table, const std::string& connector,
                            const std::map<PartitionKey, std::int64_t>& next_offsets);

}  // namespace sluice::sql::offsets
