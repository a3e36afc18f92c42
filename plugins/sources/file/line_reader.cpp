#include "line_reader.hpp"

#include <algorithm>
#include <cstring>

namespace sluice::file_source {

std::optional<Line> first_line(std::string_view bytes) {
    if (bytes.empty()) return std::nullopt;
    const void* found = std::memchr(bytes.data(), '\n', bytes.size());
    if (found == nullptr) return std::nullopt;
    const std::size_t newline = static_cast<std::size_t>(static_cast<const char*>(found) - bytes.data());
    std::size_t text_end = newline;
    if (text_end > 0 && bytes[text_end - 1] == '\r') --text_end;
    return Line{bytes.substr(0, text_end), newline + 1};
}

std::size_t count_newlines(std::string_view bytes) {
    return static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), '\n'));
}

}  // namespace sluice::file_source
