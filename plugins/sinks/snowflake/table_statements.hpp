// The table the sink writes and the exact statements it sends.
//
// Layout (one row per Kafka record):
//   _TOPIC VARCHAR, _PARTITION NUMBER(10,0), _OFFSET NUMBER(19,0)   where it came from
//   _TIMESTAMP TIMESTAMP_LTZ                                        Kafka timestamp (NULL if none)
//   RECORD_KEY VARCHAR                                              key as text (NULL if none)
//   RECORD_CONTENT VARIANT                                          value (NULL for a tombstone)
//
// Rows are written with one MERGE per batch keyed on (_TOPIC, _PARTITION, _OFFSET), so a
// batch written twice (a resubmission, a crash between write and Kafka commit, a zombie
// task) inserts each record once.
#pragma once

#include "sql_api.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::snowflake {

// DATABASE.SCHEMA.TABLE, each an unquoted identifier (Snowflake resolves those upper-case).
struct TableName {
    std::string database, schema, table;
    std::string qualified() const { return database + "." + schema + "." + table; }
};

// The identifier upper-cased, or throws std::runtime_error naming `what` when it is not an
// unquoted Snowflake identifier ([A-Za-z_][A-Za-z0-9_$]*, at most 255 characters).
std::string checked_identifier(std::string_view text, std::string_view what);

enum class ContentFormat {
    json,  // the value is JSON: stored as parsed (objects stay queryable as RECORD_CONTENT:field)
    text,  // the value is text: stored as a JSON string
};

// A record copied out of put(): the sink may hold it past the call.
struct Row {
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::int64_t timestamp_ms = -1;  // < 0: none
    std::optional<std::string> key;
    std::optional<std::string> value;

    std::size_t bytes() const { return (key ? key->size() : 0) + (value ? value->size() : 0) + topic.size() + 48; }
};

// Snowflake's largest VARIANT value.
constexpr std::size_t kMaxVariantBytes = 16 * 1024 * 1024;

// Why this record can never be stored (so it goes to the error policy), or nullopt.
std::optional<std::string> row_problem(const Row& row, ContentFormat format);

std::string merge_statement(const TableName& table, std::size_t rows);
std::vector<Binding> merge_bindings(std::span<const Row> rows, ContentFormat format);
constexpr std::size_t kBindingsPerRow = 6;

// Per partition of one topic, the highest offset stored: rows of (_PARTITION, MAX(_OFFSET)).
std::string resume_statement(const TableName& table);
std::vector<Binding> resume_bindings(std::string_view topic);

// Reads no row but fails when the table or one of the columns is missing (pre-flight).
std::string probe_statement(const TableName& table);
std::string create_statement(const TableName& table);

}  // namespace sluice::snowflake
