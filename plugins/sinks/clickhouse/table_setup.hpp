// Before the first insert: does the server answer, what can it do, is the table there
// with the columns the sink needs (created when asked to)?
#pragma once

#include "connection.hpp"
#include "options.hpp"

#include <string>

namespace sluice::clickhouse {

// What the server supports, read from system.settings (never guessed from the version).
struct ServerInfo {
    std::string version;
    bool deduplication_token = false;  // insert_deduplication_token (22.x and later)
    bool parallel_parsing = false;     // input_format_parallel_parsing (20.x and later)
};

// Throws ServerFailure (unreachable, authentication, ...) or FatalError (table missing
// without create_table, coordinates columns missing) with a message naming the table.
// With `create` false a missing table that create_table would create is accepted (the
// pre-flight check must not change anything).
ServerInfo prepare_table(Connection& connection, const SinkOptions& options, bool create);

}  // namespace sluice::clickhouse
