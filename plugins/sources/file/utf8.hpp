// UTF-8 checks for text that goes into JSON. JSON must be UTF-8, but files often are not
// (Latin-1 exports are common in open data): bytes that do not form valid UTF-8 are read as
// Latin-1, so every value stays valid JSON and Latin-1 text comes out right.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::file_source {

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not one
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

bool is_valid_utf8(std::string_view text);

// `text` with every byte that is not part of a valid UTF-8 sequence replaced by the UTF-8
// encoding of the same Latin-1 code point.
std::string repair_utf8(std::string_view text);

}  // namespace sluice::file_source
