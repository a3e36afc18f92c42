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
    SourceMode mode{};
    std::vector<TableName> tables;  // table.whitelist
    std::string query;
    std::string incrementing_column;
    std::string timestamp_column;
    std::chrono::milliseconds delay{};
    std::chrono::milliseconds poll_interval{};
    std::size_t batch_max_rows = 0;
    std::vector<std::string> key_fields;
    std::string topic_prefix;

    // Every key, the parse into SourceSettings and the rules between keys (no I/O), for one
    // dialect: from() throws the first broken rule, validate() reports each at its key.
    static const config_kit::Spec<SourceSettings>& spec(Dialect dialect);
    static std::vector<ConfigKey> keys(Dialect dialect) { return spec(dialect).keys(); }
    static SourceSettings from(const Config& config, Dialect dialect) { return spec(dialect).parse(config); }
    static void validate(const Config& config, Dialect dialect, ConfigProblems& out) { spec(dialect).validate(config, out); }

    bool uses_timestamp() const { return mode == SourceMode::timestamp || mode == SourceMode::timestamp_incrementing; }
    bool uses_incrementing() const { return mode == SourceMode::incrementing || mode == SourceMode::timestamp_incrementing; }
};

}  // namespace sluice::sql
