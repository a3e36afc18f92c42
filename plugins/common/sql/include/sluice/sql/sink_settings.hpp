// The postgres and mysql sinks' configuration: one declaration list, one parse into a
// struct, one no-I/O check of the rules between keys (Confluent JDBC sink's names).
#pragma once

#include "sluice/sql/connection_settings.hpp"
#include "sluice/sql/schema.hpp"

#include <sluice/sdk.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace sluice::sql {

enum class InsertMode { insert, upsert };
enum class PkMode { none, record_key, record_value };

struct SinkSettings {
    ConnectionSettings connection;
    std::string table_format;
    InsertMode insert_mode{};
    PkMode pk_mode{};
    std::vector<std::string> pk_fields;
    bool delete_enabled = false;
    std::set<std::string, std::less<>> whitelist;                 // empty: every field
    std::map<std::string, std::string, std::less<>> renames;  // field -> column
    bool auto_create = false;
    bool auto_evolve = false;
    std::size_t batch_max_rows = 0;
    std::size_t batch_max_bytes = 0;
    std::chrono::milliseconds batch_max_age{};
    bool exactly_once = false;
    TableName offsets_table;

    // Every key, the parse into SinkSettings and the rules between keys (no I/O), for one
    // dialect: from() throws the first broken rule, validate() reports each at its key.
    static const config_kit::Spec<SinkSettings>& spec(Dialect dialect);
    static std::vector<ConfigKey> keys(Dialect dialect) { return spec(dialect).keys(); }
    static SinkSettings from(const Config& config, Dialect dialect) { return spec(dialect).parse(config); }
    static void validate(const Config& config, Dialect dialect, ConfigProblems& out) { spec(dialect).validate(config, out); }

    // The table a topic's records go to: table.name.format with ${topic} replaced by the
    // topic, every character other than letters, digits and _ turned into _.
    TableName table_for(std::string_view topic) const;
    bool table_depends_on_topic() const { return table_format.find("${topic}") != std::string::npos; }
    // The column a record field goes to (fields.rename), and whether the field is written.
    const std::string& column_for(const std::string& field) const;
    bool keeps(std::string_view field) const;
};

}  // namespace sluice::sql
