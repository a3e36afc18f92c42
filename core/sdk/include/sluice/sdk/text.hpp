// Blank handling shared by the worker and plugins (headers, config texts, SQL fragments):
// ASCII space, tab, CR and LF only, whatever the locale.
#pragma once

#include <string_view>

namespace sluice::text {

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

}  // namespace sluice::text
