#include "sluice/sql/record_mapper.hpp"

#include <algorithm>

namespace sluice::sql {

RecordMapper::RecordMapper(const SinkSettings& settings) : settings_(settings) {
    for (const auto& f : settings.pk_fields) key_columns_.push_back(settings.column_for(f));
}

void RecordMapper::clear() {
    keys_.clear();
    fields_.clear();
    values_.clear();
}

void RecordMapper::add(std::string_view field, const JsonValue& value, bool key) {
    std::string_view column = field;
    if (!settings_.renames.empty())
        if (auto it = settings_.renames.find(field); it != settings_.renames.end()) column = it->second;
    values_.push_back({column, value, key});
}

MappedRecord RecordMapper::map(std::optional<std::string_view> key, std::optional<std::string_view> value) {
    MappedRecord out;
    out.first = static_cast<std::uint32_t>(values_.size());
    const bool tombstone = !value.has_value();
    if (tombstone && !settings_.delete_enabled)
        throw MappingError("its value is null (a tombstone) and delete.enabled is false");
    out.op = tombstone ? Operation::remove : Operation::write;

    std::vector<std::string_view> key_fields;  // field names taken from the key
    if (settings_.pk_mode == PkMode::record_key) {
        if (!key) throw MappingError("it has no key, and pk.mode is record_key");
        const std::string_view single = settings_.pk_fields.size() == 1 ? std::string_view(settings_.pk_fields[0]) : "";
        FieldArena::Range range;
        bool object_key = false;
        if (!parser_.parse_key(*key, single, keys_, range, object_key, error_)) throw MappingError("its key " + error_);
        if (!object_key && settings_.pk_fields.size() != 1)
            throw MappingError("its key is a plain value, not a JSON object: pk.fields must name the one key column");
        std::vector<Field> fields;
        for (std::uint32_t k = 0; k < range.count; ++k) fields.push_back(keys_.at(range.first + k));
        if (object_key && !settings_.pk_fields.empty()) {
            for (const auto& wanted : settings_.pk_fields) {
                auto it = std::find_if(fields.rbegin(), fields.rend(), [&](const Field& f) { return f.name == wanted; });
                if (it == fields.rend()) throw MappingError("its key has no field '" + wanted + "' (pk.fields)");
                if (it->value.kind == JsonKind::null) throw MappingError("its key field '" + wanted + "' is null");
                add(it->name, it->value, true);
                key_fields.push_back(it->name);
            }
        } else {
            if (fields.empty()) throw MappingError("its key is an empty JSON object");
            for (const Field& f : fields) {
                if (f.value.kind == JsonKind::null) throw MappingError("its key field '" + std::string(f.name) + "' is null");
                add(f.name, f.value, true);
                key_fields.push_back(f.name);
            }
        }
    }
    if (tombstone) {
        out.count = static_cast<std::uint32_t>(values_.size()) - out.first;
        return out;
    }

    FieldArena::Range range;
    if (!parser_.parse_object(*value, fields_, range, error_)) throw MappingError("its value " + error_);
    for (std::uint32_t k = 0; k < range.count; ++k) {
        const Field f = fields_.at(range.first + k);
        if (!settings_.keeps(f.name)) continue;
        if (std::find(key_fields.begin(), key_fields.end(), f.name) != key_fields.end()) continue;  // the key wins
        const bool is_key = settings_.pk_mode == PkMode::record_value &&
                            std::find(settings_.pk_fields.begin(), settings_.pk_fields.end(), f.name) != settings_.pk_fields.end();
        add(f.name, f.value, is_key);
    }
    if (settings_.pk_mode == PkMode::record_value) {
        for (const auto& wanted : settings_.pk_fields) {
            const std::string& column = settings_.column_for(wanted);
            bool found = false;
            for (std::size_t k = out.first; k < values_.size(); ++k)
                if (values_[k].column == column && values_[k].key) {
                    found = true;
                    if (values_[k].value.kind == JsonKind::null)
                        throw MappingError("its primary key field '" + wanted + "' is null");
                }
            if (!found) throw MappingError("its value has no primary key field '" + wanted + "' (pk.fields)");
        }
    }
    out.count = static_cast<std::uint32_t>(values_.size()) - out.first;
    return out;
}

}  // namespace sluice::sql
