// The clickhouse sink's configuration: declared keys and their checked, typed form.
#pragma once

#include "connection.hpp"

#include <sluice/config_kit.hpp>
#include <sluice/sdk.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace sluice::clickhouse {

// ClickHouse writes an INSERT of up to max_insert_block_size rows (1 048 576 by default,
// and the only behaviour of old servers) as one block, i.e. one part: atomically. Larger
// batches would be several parts, so exactly-once caps a batch there.
constexpr std::int64_t kAtomicInsertRows = 1048576;

struct SinkOptions {
    ConnectionOptions connection;
    std::string database;
    std::string table;
    std::size_t max_rows = 0;
    std::size_t max_bytes = 0;
    std::chrono::milliseconds max_age{};
    bool create_table = false;
    std::vector<std::string> columns;
    bool exactly_once = false;
    bool coordinates = false;  // rows carry _topic, _partition, _offset
    Settings insert_settings;

    // Every key, the parse into SinkOptions and the cross-key rules (validate()).
    static const config_kit::Spec<SinkOptions>& spec();
    static std::vector<ConfigKey> keys() { return spec().keys(); }
    // Throws FatalError naming the key when a value is unusable.
    static SinkOptions from(const Config& config);
    // "`db`.`table` at http://host:port" for messages.
    std::string where() const;
};

}  // namespace sluice::clickhouse
