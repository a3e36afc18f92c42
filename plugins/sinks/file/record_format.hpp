// How one record becomes one line of the output file. Every format except raw guarantees
// exactly one line per record, each a valid JSON document.
#pragma once

#include <sluice/sdk.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace sluice::file_sink {

enum class Format {
    value,    // the value as JSON
    envelope, // {"topic","partition","offset","timestamp","key","value"}
    raw,      // the value's bytes as they are, then LF
};

Format parse_format(std::string_view name);

// Appends `text` as a JSON string, reading invalid UTF-8 bytes as Latin-1.
void append_json_string(std::string& out, std::string_view text);

// Appends bytes as a JSON document: null for null; valid JSON as it is, minus surrounding
// whitespace and with line breaks between tokens turned into spaces (so the record stays on
// one line); anything else as a JSON string.
void append_json_document(std::string& out, std::optional<std::string_view> bytes);

// Appends the record's line, terminator included.
void append_record_line(std::string& out, Format format, const SinkRecord& record);

}  // namespace sluice::file_sink
