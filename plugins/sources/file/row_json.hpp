// Turns CSV fields into the JSON a record carries: an object keyed by the header's names,
// or an array when there is no header. Every value is a JSON string.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace sluice::file_source {

// Appends `text` as a JSON string, reading invalid UTF-8 bytes as Latin-1.
void append_json_string(std::string& out, std::string_view text);

// {"name":"value",...}; `names` and `values` have the same size.
void row_as_object(std::string& out, std::span<const std::string> names, std::span<const std::string> values);

// ["value",...]
void row_as_array(std::string& out, std::span<const std::string> values);

}  // namespace sluice::file_source
