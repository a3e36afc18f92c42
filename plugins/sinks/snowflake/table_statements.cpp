#include "table_statements.hpp"

#include <sluice/sdk.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace sluice::snowflake {

std::string checked_identifier(std::string_view text, std::string_view what) {
    auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    bool ok = !text.empty() && text.size() <= 255 && letter(text[0]);
    for (char c : text) ok = ok && (letter(c) || digit(c) || c == '$');
    if (!ok)
        throw std::runtime_error(std::string(what) + " '" + std::string(text) +
                                 "' is not an unquoted Snowflake identifier (letters, digits, _ and $, "
                                 "starting with a letter or _)");
    std::string out(text);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

std::optional<std::string> row_problem(const Row& row, ContentFormat format) {
    if (!row.value) return std::nullopt;  // a tombstone: RECORD_CONTENT NULL
    if (row.value->size() > kMaxVariantBytes)
        return "value of " + std::to_string(row.value->size()) + " bytes is larger than Snowflake's VARIANT limit (" +
               std::to_string(kMaxVariantBytes) + " bytes)";
    if (format == ContentFormat::json && !nlohmann::json::accept(*row.value))
        return "value is not valid JSON (content.format json); use content.format: text to store it as a string";
    return std::nullopt;
}

namespace {
constexpr const char* kColumns = "_TOPIC, _PARTITION, _OFFSET, _TIMESTAMP, RECORD_KEY, RECORD_CONTENT";
}

std::string merge_statement(const TableName& table, std::size_t rows) {
    std::string s = "MERGE INTO " + table.qualified() +
                    " AS t USING (SELECT column1 AS _TOPIC, column2 AS _PARTITION, column3 AS _OFFSET, "
                    "TO_TIMESTAMP_LTZ(column4, 3) AS _TIMESTAMP, column5 AS RECORD_KEY, "
                    "PARSE_JSON(column6) AS RECORD_CONTENT FROM VALUES ";
    s.reserve(s.size() + rows * 21 + 400);
    for (std::size_t i = 0; i < rows; ++i) s += i == 0 ? "(?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?)";
    s += ") AS s ON t._TOPIC = s._TOPIC AND t._PARTITION = s._PARTITION AND t._OFFSET = s._OFFSET "
         "WHEN NOT MATCHED THEN INSERT (";
    s += kColumns;
    s += ") VALUES (s._TOPIC, s._PARTITION, s._OFFSET, s._TIMESTAMP, s.RECORD_KEY, s.RECORD_CONTENT)";
    return s;
}

std::vector<Binding> merge_bindings(std::span<const Row> rows, ContentFormat format) {
    std::vector<Binding> out;
    out.reserve(rows.size() * kBindingsPerRow);
    for (const Row& row : rows) {
        out.push_back({"TEXT", utf8::repair(row.topic)});
        out.push_back({"FIXED", std::to_string(row.partition)});
        out.push_back({"FIXED", std::to_string(row.offset)});
        out.push_back({"FIXED", row.timestamp_ms >= 0 ? std::optional(std::to_string(row.timestamp_ms)) : std::nullopt});
        out.push_back({"TEXT", row.key ? std::optional(utf8::repair(*row.key)) : std::nullopt});
        std::optional<std::string> content;
        if (row.value) content = format == ContentFormat::json ? *row.value : json::quote(*row.value);
        out.push_back({"TEXT", std::move(content)});
    }
    return out;
}

std::string resume_statement(const TableName& table) {
    return "SELECT _PARTITION, MAX(_OFFSET) FROM " + table.qualified() + " WHERE _TOPIC = ? GROUP BY _PARTITION";
}

std::vector<Binding> resume_bindings(std::string_view topic) { return {{"TEXT", std::string(topic)}}; }

std::string probe_statement(const TableName& table) {
    return std::string("SELECT ") + kColumns + " FROM " + table.qualified() + " LIMIT 0";
}

std::string create_statement(const TableName& table) {
    return "CREATE TABLE IF NOT EXISTS " + table.qualified() +
           " (_TOPIC VARCHAR, _PARTITION NUMBER(10,0), _OFFSET NUMBER(19,0), _TIMESTAMP TIMESTAMP_LTZ, "
           "RECORD_KEY VARCHAR, RECORD_CONTENT VARIANT) CLUSTER BY (_TOPIC, _PARTITION, _OFFSET)";
}

}  // namespace sluice::snowflake
