#include "resource_offset.hpp"

#include <sluice/sdk.hpp>

namespace sluice::datagouv {

std::string ResourceVersion::describe() const {
    std::string text = "last_modified " + (last_modified.empty() ? std::string("(none)") : last_modified);
    text += ", checksum " + (checksum.empty() ? std::string("(none)") : checksum);
    return text;
}

std::string partition_json(std::string_view dataset, std::string_view resource) {
    return json::Object().add("dataset", dataset).add("resource", resource).str();
}

std::string offset_json(const ResourceOffset& offset) {
    return json::Object()
        .add("last_modified", offset.version.last_modified)
        .add("checksum", offset.version.checksum)
        .add("row", static_cast<std::int64_t>(offset.row))
        .add("rows", static_cast<std::int64_t>(offset.rows))
        .str();
}

std::optional<ResourceOffset> parse_offset(std::string_view text) {
    auto fields = json::parse_flat(text);
    if (!fields) return std::nullopt;
    auto get = [&](const char* name) -> const std::string* {
        auto it = fields->find(name);
        return it == fields->end() ? nullptr : &it->second;
    };
    const std::string* row = get("row");
    const std::string* rows = get("rows");
    if (row == nullptr || rows == nullptr) return std::nullopt;
    auto row_value = json::to_int(*row);
    auto rows_value = json::to_int(*rows);
    if (!row_value || !rows_value || *row_value < 0 || *rows_value < 0) return std::nullopt;
    ResourceOffset offset;
    if (const auto* v = get("last_modified")) offset.version.last_modified = *v;
    if (const auto* v = get("checksum")) offset.version.checksum = *v;
    offset.row = static_cast<std::size_t>(*row_value);
    offset.rows = static_cast<std::size_t>(*rows_value);
    return offset;
}

}  // namespace sluice::datagouv
