#include "row_json.hpp"

#include <sluice/sdk.hpp>

#include <cctype>

namespace sluice::datagouv {

bool same_name_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::string csv_value_json(const CsvProfile& profile, const std::vector<std::string>& fields, std::size_t c) {
    const std::string& value = fields[c];
    if (value.empty()) return "null";
    if (c < profile.numeric.size() && profile.numeric[c]) {
        if (auto number = as_json_number(value)) return *number;
    }
    std::string out;
    json::append_quoted(out, to_utf8(value, profile.encoding));
    return out;
}

std::string csv_row_json(const CsvProfile& profile, const std::vector<std::string>& fields) {
    std::string out = "{";
    for (std::size_t c = 0; c < fields.size() && c < profile.columns.size(); ++c) {
        if (c > 0) out.push_back(',');
        json::append_quoted(out, profile.columns[c]);
        out.push_back(':');
        out += csv_value_json(profile, fields, c);
    }
    out.push_back('}');
    return out;
}

std::vector<std::optional<std::size_t>> key_columns(const CsvProfile& profile, const std::vector<std::string>& key_fields) {
    std::vector<std::optional<std::size_t>> out;
    for (const auto& k : key_fields) {
        std::optional<std::size_t> found;
        for (std::size_t c = 0; c < profile.columns.size() && !found; ++c)
            if (profile.columns[c] == k) found = c;
        for (std::size_t c = 0; c < profile.columns.size() && !found; ++c)
            if (same_name_ignoring_case(profile.columns[c], k)) found = c;
        out.push_back(found);
    }
    return out;
}

std::string csv_key_json(const CsvProfile& profile, const std::vector<std::string>& fields,
                         const std::vector<std::string>& key_fields,
                         const std::vector<std::optional<std::size_t>>& columns) {
    std::string out = "{";
    for (std::size_t i = 0; i < key_fields.size(); ++i) {
        if (i > 0) out.push_back(',');
        json::append_quoted(out, key_fields[i]);
        out.push_back(':');
        out += columns[i] && *columns[i] < fields.size() ? csv_value_json(profile, fields, *columns[i]) : "null";
    }
    out.push_back('}');
    return out;
}

}  // namespace sluice::datagouv
