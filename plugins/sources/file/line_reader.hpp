// Splits buffered bytes into lines. A line ends with LF; a CR right before the LF belongs to
// the terminator (CRLF files). A line without its LF is not complete yet: the writer may
// still be appending to it.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace sluice::file_source {

struct Line {
    std::string_view text; // without the terminator
    std::size_t length;    // bytes taken from the input, terminator included
};

// The first complete line of `bytes`, or nullopt when `bytes` holds no LF.
std::optional<Line> first_line(std::string_view bytes);

// Number of LF bytes in `bytes`.
std::size_t count_newlines(std::string_view bytes);

}  // namespace sluice::file_source
