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
    std::string table_format = "${topic}";
    InsertMode insert_mode = InsertMode::insert;
    PkMode pk_mode = PkMode::none;
    std::vector<std::string> pk_fields;
    bool delete_enabled = false;
    std::set<std::string, std::less<>> whitelist;                 // empty: every field
    std::map<std::string, std::string, std::less<>> renames;  // field -> column
    bool auto_create = false;
    bool auto_evolve = false;
    std::size_t batch_max_rows = 10000;
    std::chrono::milliseconds batch_max_age{1000};
    bool exactly_once = true;
    TableName offsets_table{"", "sluice_kafka_offsets"};

    static std::vector<ConfigKey> keys(Dialect dialect);
    static SinkSettings from(const Config& config, Dialect dialect);
    // The rules between keys (no I/O): every broken one, the first as a FatalError, or all
    // of them (with the connection URL's) for the worker's validate (ABI 1.2).
    std::vector<SettingsProblem> problems() const;
    void validate() const;
    static void validate(const Config& config, Dialect dialect, ConfigProblems& out);

    // The table a topic's records go to: table.name.format with ${topic} replaced by the
    // topic, every character other than letters, digits and _ turned into _.
    TableName table_for(std::string_view topic) const;
    bool table_depends_on_topic() const { return table_format.find("${topic}") != std::string::npos; }
    // The column a record field goes to (fields.rename), and whether the field is written.
    const std::string& column_for(const std::string& field) const;
    bool keeps(std::string_view field) const;
};

}  // namespace sluice::sql
