// key.format: the Redis key of a record, e.g. "flight:{flight.iata}" or "{key}". {key} is
// the record key (a JSON string key without its quotes); {topic}, {partition}, {offset}
// the record's coordinates; any other {a.b.c} a field of the record value, dotted for
// nested objects (strings as they are, numbers and booleans as JSON text).
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::redis {

class KeyFormat {
public:
    // Throws std::runtime_error for an unclosed brace or an empty placeholder.
    static KeyFormat parse(std::string_view format);

    // True when a placeholder reads the value (so the value must be parsed).
    bool needs_value() const { return needs_value_; }

    struct Record {
        std::optional<std::string_view> key;
        std::string_view topic;
        std::int32_t partition = 0;
        std::int64_t offset = 0;
        const simdjson::dom::element* value = nullptr;  // the parsed value, when needs_value()
    };
    // Appends the key to `out`; false with `problem` set when a placeholder has no value
    // (no record key, a missing field, a field that is an object, array or null).
    bool render(const Record& r, std::string& out, std::string& problem) const;

private:
    enum class Kind { text, key, topic, partition, offset, field };
    struct Piece {
        Kind kind;
        std::string text;                // text, or the field as written
        std::vector<std::string> path;   // field: its dotted parts
    };
    std::vector<Piece> pieces_;
    bool needs_value_ = false;
};

// A scalar JSON value as key or hash text: strings unquoted, numbers and booleans as JSON.
// nullopt for null, objects and arrays.
std::optional<std::string> scalar_text(simdjson::dom::element e);

}  // namespace sluice::redis
