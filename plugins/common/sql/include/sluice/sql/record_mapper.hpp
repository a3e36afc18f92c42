// A sink record -> the (column, JSON value) pairs of its row, following pk.mode, pk.fields,
// fields.whitelist, fields.rename and delete.enabled. What cannot be mapped (a value that is
// not a JSON object, a missing key field) is an errant record: MappingError says why.
#pragma once

#include "sluice/sql/json_fields.hpp"
#include "sluice/sql/sink_settings.hpp"

#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::sql {

struct ColumnValue {
    std::string_view column;  // valid as long as the mapper's batch (or the settings)
    JsonValue value;
    bool key = false;         // part of the record's primary key
};

enum class Operation : std::uint8_t { write, remove };

struct MappedRecord {
    Operation op = Operation::write;
    std::uint32_t first = 0, count = 0;  // into RecordMapper::values()
};

class MappingError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class RecordMapper {
public:
    explicit RecordMapper(const SinkSettings& settings);

    // Maps one record; throws MappingError. The values stay valid until clear().
    MappedRecord map(std::optional<std::string_view> key, std::optional<std::string_view> value);
    std::span<const ColumnValue> values(const MappedRecord& r) const { return {values_.data() + r.first, r.count}; }
    void clear();

    // The primary key columns pk.fields name (empty for pk.mode none, or record_key without
    // pk.fields: then the key's own fields are).
    const std::vector<std::string>& configured_key_columns() const { return key_columns_; }

private:
    void add(std::string_view field, const JsonValue& value, bool key);

    const SinkSettings& settings_;
    JsonParser parser_;
    FieldArena keys_, fields_;
    std::vector<ColumnValue> values_;
    std::vector<std::string> key_columns_;
    std::string error_;
};

}  // namespace sluice::sql
