// The postgres and mysql sources' configuration (Confluent JDBC source's names): one
// declaration list, one parse into a struct, one no-I/O check of the rules between keys.
#pragma once

#include "sluice/sql/connection_settings.hpp"
#include "sluice/sql/schema.hpp"

#include <sluice/sdk.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace sluice::sql {

enum class SourceMode { bulk, incrementing, timestamp, timestamp_incrementing };

const char* mode_name(SourceMode mode);

struct SourceSettings {
    ConnectionSettings connection;
    SourceMode mode = SourceMode::bulk;
    std::vector<TableName> tables;  // table.whitelist
    std::string query;
    std::string incrementing_column;
    std::string timestamp_column;
    std::chrono::milliseconds delay{0};
    std::chrono::milliseconds poll_interval{5000};
    std::size_t batch_max_rows = 1000;
    std::vector<std::string> key_fields;
    std::string topic_prefix;

    static std::vector<ConfigKey> keys(Dialect dialect);
    static SourceSettings from(const Config& config, Dialect dialect);
    // The rules between keys (no I/O): every broken one, the first as a FatalError, or all
    // of them (with the connection URL's) for the worker's validate (ABI 1.2).
    std::vector<SettingsProblem> problems() const;
    void validate() const;
    static void validate(const Config& config, Dialect dialect, ConfigProblems& out);

    bool uses_timestamp() const { return mode == SourceMode::timestamp || mode == SourceMode::timestamp_incrementing; }
    bool uses_incrementing() const { return mode == SourceMode::incrementing || mode == SourceMode::timestamp_incrementing; }
};

}  // namespace sluice::sql
