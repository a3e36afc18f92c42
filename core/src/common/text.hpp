// Small string helpers shared by configuration, CLI and messages.
#pragma once

#include <sluice/sdk/text.hpp>  // text::trim, text::is_space: one rule for the worker and plugins

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::text {

std::string join(const std::vector<std::string>& items, std::string_view separator);
std::vector<std::string> split(std::string_view text, char separator);
bool starts_with(std::string_view text, std::string_view prefix);

// Levenshtein distance, for "did you mean" hints.
size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` if it is close enough to be a plausible typo.
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

// Writes a value for humans: quoted when it has spaces or is empty, cut when very long;
// control characters and bytes that are not UTF-8 written as \xNN, so a message that shows
// a value is always printable, valid UTF-8.
std::string shown(std::string_view value, size_t max = 60);

// The first byte of `text` that is not part of valid UTF-8, or nullopt.
std::optional<size_t> invalid_utf8_at(std::string_view text);

// Where the first byte a text file may not hold is: invalid UTF-8, or a control character
// other than tab, line feed and carriage return (NUL included). `what` says which.
struct TextProblem {
    size_t offset = 0;
    std::string what;
};
std::optional<TextProblem> text_file_problem(std::string_view text);

// 1-based line and column (in bytes) of a byte offset.
std::pair<size_t, size_t> line_column(std::string_view text, size_t offset);

}  // namespace sluice::text
