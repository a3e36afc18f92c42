// JSON resources: a top-level array of records (data.gouv.fr resources harvested from
// Opendatasoft are its "download" exports: [{"datasetid", "recordid", "fields": {...},
// "geometry", "record_timestamp"}, ...]). The array is split element by element while reading,
// so memory is bounded by the largest element, not by the file.
#pragma once

#include "byte_stream.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sluice::datagouv {

struct JsonElement {
    std::string text;     // the element's JSON text, at most max_element_bytes
    std::string problem;  // empty when the element is complete (its JSON is checked later)
};

class JsonArrayReader {
public:
    JsonArrayReader(ByteStream& in, std::size_t max_element_bytes);
    // The next element; false after the closing bracket, or at a structural problem that ends
    // the array (then problem() says what).
    bool next(JsonElement& element);
    // Set when the file is not a JSON array or the array is cut short.
    const std::string& problem() const { return problem_; }
    // The problem was already returned as the last element's (a truncated last element).
    bool problem_in_element() const { return problem_in_element_; }

private:
    void skip_space();
    ByteStream& in_;
    std::size_t max_element_bytes_;
    std::size_t index_ = 0;
    bool done_ = false;
    std::string problem_;
    bool problem_in_element_ = false;
};

// Counts the elements (the first pass); problems are left to the second pass.
std::size_t count_json_elements(ByteStream& in, std::size_t max_element_bytes);

// An element as the record value: an Opendatasoft record {"fields": {...}, ...} is flattened
// to its fields plus its other members (recordid, record_timestamp, geometry, ...) where they
// do not collide with a field; anything else is kept as is. Invalid JSON (or invalid UTF-8,
// repaired first) gives nullopt and `error`.
std::optional<std::string> json_record_value(const std::string& element, std::string& error);

// The key fields of a record value ({"ident":"Z05BE",...}), names matched case-insensitively.
std::string json_record_key(const std::string& value, const std::vector<std::string>& key_fields);

}  // namespace sluice::datagouv
