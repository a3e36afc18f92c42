#include "sluice/sql/database.hpp"
#include "sluice/sql/errors.hpp"
#include "sluice/sql/schema.hpp"

#include <algorithm>

namespace sluice::sql {

const char* error_class_name(ErrorClass c) {
    switch (c) {
    case ErrorClass::retriable: return "retriable";
    case ErrorClass::record: return "record";
    case ErrorClass::fatal: return "fatal";
    }
    return "?";
}

const char* kind_name(ColumnKind kind) {
    switch (kind) {
    case ColumnKind::integer: return "integer";
    case ColumnKind::decimal: return "decimal";
    case ColumnKind::floating: return "floating";
    case ColumnKind::boolean: return "boolean";
    case ColumnKind::text: return "text";
    case ColumnKind::json: return "json";
    case ColumnKind::timestamp_tz: return "timestamp_tz";
    case ColumnKind::timestamp: return "timestamp";
    case ColumnKind::date: return "date";
    case ColumnKind::time: return "time";
    case ColumnKind::binary: return "binary";
    case ColumnKind::uuid: return "uuid";
    case ColumnKind::other: return "other";
    }
    return "?";
}

TableName TableName::parse(std::string_view text) {
    TableName out;
    std::string current;
    char quote = 0;
    bool split = false;
    for (char ch : text) {
        if (quote != 0) {
            if (ch == quote) quote = 0;
            else current.push_back(ch);
            continue;
        }
        if (ch == '"' || ch == '`') {
            quote = ch;
            continue;
        }
        if (ch == '.' && !split) {
            out.schema = std::move(current);
            current.clear();
            split = true;
            continue;
        }
        current.push_back(ch);
    }
    out.name = std::move(current);
    return out;
}

const Column* TableInfo::find(std::string_view column) const {
    for (const auto& c : columns)
        if (c.name == column) return &c;
    return nullptr;
}

bool TableInfo::has_unique_key(const std::vector<std::string>& wanted) const {
    std::vector<std::string> sorted_wanted = wanted;
    std::sort(sorted_wanted.begin(), sorted_wanted.end());
    for (auto key : unique_keys) {
        std::sort(key.begin(), key.end());
        if (key == sorted_wanted) return true;
    }
    return false;
}

std::vector<std::string> key_names(const std::vector<const Column*>& columns, const std::vector<std::size_t>& key) {
    std::vector<std::string> out;
    for (std::size_t k : key) out.push_back(columns[k]->name);
    return out;
}

std::vector<std::string> other_names(const std::vector<const Column*>& columns, const std::vector<std::size_t>& key) {
    std::vector<std::string> out;
    for (std::size_t c = 0; c < columns.size(); ++c)
        if (std::find(key.begin(), key.end(), c) == key.end()) out.push_back(columns[c]->name);
    return out;
}

}  // namespace sluice::sql
