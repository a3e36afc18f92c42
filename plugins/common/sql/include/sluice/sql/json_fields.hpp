// The top level of record values (and keys) as a list of fields: name, JSON kind, text.
// Parsed with simdjson's On-Demand API; numbers keep their spelling (a numeric column gets
// exactly the digits written), nested objects and arrays stay raw JSON text (jsonb / JSON
// columns store them as they are). Many records share one FieldArena, so a batch costs a
// few allocations, not a few per record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::sql {

enum class JsonKind : std::uint8_t { null, boolean, number, string, object, array };

const char* json_kind_name(JsonKind kind);

// True when `text` is exactly one JSON number (RFC 8259 grammar: -?int frac? exp?).
bool is_json_number(std::string_view text);

// One value: strings unescaped, numbers as written, booleans "true"/"false", objects and
// arrays their raw JSON text, null empty.
struct JsonValue {
    JsonKind kind = JsonKind::null;
    std::string_view text;
};

struct Field {
    std::string_view name;
    JsonValue value;
};

// Fields of many records, stored together. A record's fields are a range [first, first + count).
// Bytes live in blocks that never move: views from at() stay valid until clear().
class FieldArena {
public:
    struct Range {
        std::uint32_t first = 0;
        std::uint32_t count = 0;
    };

    std::size_t size() const { return fields_.size(); }
    Field at(std::size_t i) const;
    void clear();

    // Used by the parser. `index`: the field's position in its object; a name equal to the
    // one last stored at that position is not copied again (records of a topic mostly
    // repeat their field names in the same order).
    void push(std::string_view name, JsonKind kind, std::string_view text, std::size_t index = SIZE_MAX);

private:
    struct Stored {
        const char* name;
        const char* text;
        std::uint32_t name_size, text_size;
        JsonKind kind;
    };
    const char* keep(std::string_view bytes);
    struct Block {
        std::unique_ptr<char[]> bytes;
        std::size_t size = 0;
    };
    std::vector<Block> blocks_;   // kept across clear() (up to a cap): no page faults per batch
    std::size_t current_ = 0;     // the block being filled
    std::size_t block_used_ = 0;  // bytes used in it
    std::vector<Stored> fields_;
    std::vector<std::string_view> names_at_;  // by field position: the name last kept there
};

class JsonParser {
public:
    JsonParser();
    ~JsonParser();
    JsonParser(const JsonParser&) = delete;
    JsonParser& operator=(const JsonParser&) = delete;

    // Appends the fields of a JSON object to `arena`. False (arena unchanged) with `error`
    // saying what is wrong ("is not a JSON object ...", to follow "its value") when `bytes` is not exactly one JSON object. Nested values are not
    // validated beyond their brackets and strings (the database validates json columns).
    bool parse_object(std::string_view bytes, FieldArena& arena, FieldArena::Range& range, std::string& error);

    // A record key: a JSON object (its fields), a JSON scalar (one field named `single_name`),
    // or bytes that are not JSON (one string field: a plain-text key such as S12).
    // `is_object` tells which.
    bool parse_key(std::string_view bytes, std::string_view single_name, FieldArena& arena, FieldArena::Range& range,
                   bool& is_object, std::string& error);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::sql
