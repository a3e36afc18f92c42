// Before the first insert: does the server answer, what can it do, is the table there
// with the columns the sink needs (created when asked to)?
#pragma once

#include "connection.hpp"
#include "options.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace sluice::clickhouse {

// What the server supports, read from system.settings (never guessed from the version).
struct ServerInfo {
    std::string version;
    bool deduplication_token = false;  // insert_deduplication_token (22.x and later)
    bool parallel_parsing = false;     // input_format_parallel_parsing (20.x and later)
    // Rows ClickHouse writes as one block (one part) when parsing an insert's data.
    std::size_t max_insert_block_size = 1048576;
    // The table's PARTITION BY expression ("" without one); unset when the server does not
    // say (then the table is treated as partitioned).
    std::optional<std::string> partition_key;
    std::string engine;
    // Every insert of at most max_insert_block_size rows becomes exactly one part: a
    // *MergeTree table with no PARTITION BY (or tuple()). Rows of several Kafka partitions
    // may then share an insert without losing its atomicity.
    bool one_part_per_insert() const;
};

// Throws ServerFailure (unreachable, authentication, ...) or FatalError (table missing
// without create_table, coordinates columns missing) with a message naming the table.
// With `create` false a missing table that create_table would create is accepted (the
// pre-flight check must not change anything).
ServerInfo prepare_table(Connection& connection, const SinkOptions& options, bool create);

}  // namespace sluice::clickhouse
