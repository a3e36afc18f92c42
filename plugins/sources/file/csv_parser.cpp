#include "csv_parser.hpp"

#include <cstring>

namespace sluice::file_source {

std::string& CsvParser::next_field() {
    if (count_ == fields_.size()) fields_.emplace_back();
    std::string& field = fields_[count_++];
    field.clear();
    return field;
}

std::optional<CsvRowExtent> CsvParser::parse(std::string_view bytes) {
    count_ = 0;
    std::size_t newlines = 0;
    std::size_t i = 0;
    const std::size_t n = bytes.size();
    while (true) {
        std::string& field = next_field();
        if (i < n && bytes[i] == '"') {
            ++i;
            while (true) {
                const void* found = i < n ? std::memchr(bytes.data() + i, '"', n - i) : nullptr;
                if (found == nullptr) return std::nullopt;
                const std::size_t quote = static_cast<std::size_t>(static_cast<const char*>(found) - bytes.data());
                const std::string_view chunk = bytes.substr(i, quote - i);
                field.append(chunk);
                for (char c : chunk) newlines += c == '\n';
                // A quote at the very end may be the first half of a doubled quote.
                if (quote + 1 >= n) return std::nullopt;
                if (bytes[quote + 1] == '"') {
                    field.push_back('"');
                    i = quote + 2;
                    continue;
                }
                i = quote + 1;
                break;
            }
        }
        // Unquoted field, or what follows a closing quote, up to a delimiter or the LF.
        const std::size_t unquoted_start = i;
        while (i < n && bytes[i] != delimiter_ && bytes[i] != '\n') ++i;
        if (i >= n) return std::nullopt;
        std::size_t unquoted_end = i;
        if (bytes[i] == '\n' && unquoted_end > unquoted_start && bytes[unquoted_end - 1] == '\r') --unquoted_end;
        field.append(bytes.substr(unquoted_start, unquoted_end - unquoted_start));
        if (bytes[i] == delimiter_) {
            ++i;
            continue;
        }
        ++newlines;
        const std::size_t length = i + 1;
        const bool blank = length == 1 || (length == 2 && bytes[0] == '\r');
        return CsvRowExtent{length, newlines, blank};
    }
}

}  // namespace sluice::file_source
