// Values between JSON and SQL columns, the same for every database: what text a column
// gets for a JSON value (sink), what column type a JSON value suggests (auto.create,
// auto.evolve), and what JSON a column value becomes (source). The databases then only
// encode this canonical text (COPY escaping, SQL literals) and map their types to kinds.
//
// Canonical cell text by kind: integer "42"; decimal/floating the number as written;
// boolean "true"/"false"; timestamp "YYYY-MM-DD hh:mm:ss[.ffffff]" (UTC wall time);
// timestamp_tz ISO 8601; binary the raw bytes; everything else the text itself.
#pragma once

#include "sluice/sql/json_fields.hpp"
#include "sluice/sql/schema.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sluice::sql {

// Appends the canonical text of `value` for `column` to `out`. Returns false for SQL NULL
// (nothing appended). Throws ConversionError when the value does not fit the column.
bool convert_value(const JsonValue& value, const Column& column, std::string& out);

class ConversionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What a JSON value suggests for a new column (auto.create, auto.evolve).
enum class Inferred { none, boolean, integer, bignum, floating, text, json, timestamp_tz, timestamp, date };

const char* inferred_name(Inferred t);
Inferred infer_type(const JsonValue& value);  // null -> none
// The type holding both (integer + floating = floating; mixed strings = text; anything
// with an object/array = json).
Inferred unify(Inferred a, Inferred b);

// A column value (canonical text from the database; nullopt = NULL) appended to `out` as
// JSON: integers as numbers, decimals as numbers when 15 significant digits or fewer keep
// them exact (else a string), floating numbers as numbers (NaN, Infinity as strings),
// booleans, json embedded, timestamps ISO 8601 with "Z", binary base64, the rest strings.
void append_json_value(std::string& out, const std::optional<std::string_view>& cell, ColumnKind kind);

// Base64 (RFC 4648, with padding). The only implementation at hand would be OpenSSL's,
// not worth a link for twenty lines.
std::string base64_encode(std::string_view bytes);
// Lower-case hexadecimal (bytea's and MariaDB's X'..' literal form).
std::string hex_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace sluice::sql
