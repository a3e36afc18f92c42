// Small string helpers shared by configuration, CLI and messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::text {

std::string join(const std::vector<std::string>& items, std::string_view separator);
std::vector<std::string> split(std::string_view text, char separator);
std::string_view trim(std::string_view text);
bool starts_with(std::string_view text, std::string_view prefix);

// Levenshtein distance, for "did you mean" hints.
size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` if it is close enough to be a plausible typo.
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

// Writes a value for humans: quoted when it has spaces or is empty, cut when very long.
std::string shown(std::string_view value, size_t max = 60);

}  // namespace sluice::text
