// Character sets of downloaded files. CSV structure (delimiters, quotes, line ends) is ASCII in
// every supported encoding, so files are split into fields first and each field is converted
// to UTF-8 afterwards.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice::datagouv {

enum class Encoding {
    utf8,
    latin1,       // ISO-8859-1: every byte is the code point of the same value
    windows1252,  // Latin-1 with printable characters (€, œ, ’, …) at 0x80-0x9F
};

// "utf-8", "latin-1" (also "iso-8859-1"), "windows-1252" (also "cp1252"); nullopt otherwise.
std::optional<Encoding> encoding_named(std::string_view name);
std::string_view encoding_name(Encoding encoding);

// `text` in `encoding` as UTF-8. In utf8 mode, bytes that are not valid UTF-8 are read as
// Windows-1252, so the output is always valid UTF-8.
std::string to_utf8(std::string_view text, Encoding encoding);
void append_utf8(std::string& out, std::string_view text, Encoding encoding);

}  // namespace sluice::datagouv
