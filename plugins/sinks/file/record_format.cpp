#include "record_format.hpp"

#include "json_validator.hpp"

#include <charconv>
#include <cstdint>

namespace sluice::file_sink {
namespace {

std::string_view trim_json_whitespace(std::string_view text) {
    constexpr std::string_view whitespace = " \t\r\n";
    const std::size_t first = text.find_first_not_of(whitespace);
    if (first == std::string_view::npos) return {};
    return text.substr(first, text.find_last_not_of(whitespace) - first + 1);
}

void append_integer(std::string& out, std::int64_t value) {
    char digits[24];
    const auto result = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, result.ptr);
}

}  // namespace

Format parse_format(std::string_view name) {
    if (name == "envelope") return Format::envelope;
    if (name == "raw") return Format::raw;
    if (name == "value") return Format::value;
    throw FatalError("format must be value, envelope or raw, got '" + std::string(name) + "'");
}

void append_json_string(std::string& out, std::string_view text) { json::append_quoted(out, text); }

void append_json_document(std::string& out, std::optional<std::string_view> bytes) {
    if (!bytes) {
        out += "null";
        return;
    }
    if (!is_valid_json(*bytes)) {
        append_json_string(out, *bytes);
        return;
    }
    const std::string_view document = trim_json_whitespace(*bytes);
    const std::size_t start = out.size();
    out.append(document);
    // In valid JSON a CR or LF can only be whitespace between tokens (inside strings they
    // must be escaped), so replacing them keeps the document's meaning.
    for (std::size_t i = start; i < out.size(); ++i)
        if (out[i] == '\n' || out[i] == '\r') out[i] = ' ';
}

void append_record_line(std::string& out, Format format, const SinkRecord& record) {
    switch (format) {
    case Format::raw:
        if (auto value = record.value()) out.append(*value);
        break;
    case Format::value:
        append_json_document(out, record.value());
        break;
    case Format::envelope:
        out += "{\"topic\":";
        append_json_string(out, record.topic());
        out += ",\"partition\":";
        append_integer(out, record.partition());
        out += ",\"offset\":";
        append_integer(out, record.offset());
        out += ",\"timestamp\":";
        if (record.timestamp_ms() == SLUICE_NO_TIMESTAMP) out += "null";
        else append_integer(out, record.timestamp_ms());
        out += ",\"key\":";
        append_json_document(out, record.key());
        out += ",\"value\":";
        append_json_document(out, record.value());
        out += '}';
        break;
    }
    out += '\n';
}

}  // namespace sluice::file_sink
