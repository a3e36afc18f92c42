// One record as a line of a JSON-lines object: its value checked to be one JSON document
// (simdjson), raw newlines (whitespace between tokens of pretty-printed JSON: JSON strings
// cannot hold them) turned into spaces, and its time read from a top-level field when asked.
#pragma once

#include <sluice/time_zone.hpp>

#include <sluice/padded_json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::s3 {

class LineReader {
public:
    // Returns the line to write (a view of `value` or of an internal buffer, valid until the
    // next call), or nullopt with `problem` set when the value is not one JSON document.
    // With a non-empty `time_field`, `time_ms` receives that top-level field's time (epoch
    // milliseconds, or ISO 8601 text read in `zone` when it has no offset); a missing or
    // unreadable field is a problem too.
    std::optional<std::string_view> line(std::string_view value, const std::string& time_field, const tz::TimeZone& zone,
                                         std::int64_t& time_ms, std::string& problem);

private:
    simdjson::dom::parser parser_;
    std::string padded_;
    std::string flattened_;
};

}  // namespace sluice::s3
