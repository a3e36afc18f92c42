// An incremental RFC 4180 row parser. It is handed the bytes buffered so far and either
// finds one complete row at their start or reports that more bytes are needed, so a row
// may span reads and, inside quotes, lines.
//
// Accepted: LF or CRLF row terminators, quoted fields with doubled quotes, delimiters, CR
// and LF inside quotes. Lenient where RFC 4180 is silent or strict: a quote inside an
// unquoted field is kept as a literal character, and characters between a closing quote
// and the next delimiter are appended to the field (`"ab"c` reads as `abc`).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::file_source {

struct CsvRowExtent {
    std::size_t length;   // bytes taken from the input, terminator included
    std::size_t newlines; // LF bytes in those bytes (the terminator and any inside quotes)
    bool blank;           // the row is an empty line ("" or CR before the LF)
};

class CsvParser {
public:
    explicit CsvParser(char delimiter) : delimiter_(delimiter) {}

    // Parses the row at the start of `bytes`. nullopt: the row is not complete yet.
    std::optional<CsvRowExtent> parse(std::string_view bytes);

    // Fields of the row the last successful parse() found.
    std::span<const std::string> fields() const { return {fields_.data(), count_}; }

private:
    std::string& next_field();

    char delimiter_;
    std::vector<std::string> fields_; // storage reused across rows
    std::size_t count_ = 0;
};

// The UTF-8 byte order mark some tools write at the start of a CSV file.
inline constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

}  // namespace sluice::file_source
