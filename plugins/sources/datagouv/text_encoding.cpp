#include "text_encoding.hpp"

#include <sluice/sdk.hpp>

#include <cstdint>

namespace sluice::datagouv {
namespace {

// Windows-1252 0x80-0x9F; 0 marks the five unassigned bytes, read as their Latin-1 C1 control.
constexpr std::uint16_t cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void append_code_point(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

void append_single_byte(std::string& out, unsigned char byte, Encoding encoding) {
    std::uint32_t cp = byte;
    if (encoding == Encoding::windows1252 && byte >= 0x80 && byte <= 0x9F && cp1252_high[byte - 0x80] != 0)
        cp = cp1252_high[byte - 0x80];
    append_code_point(out, cp);
}

}  // namespace

std::optional<Encoding> encoding_named(std::string_view name) {
    if (name == "utf-8" || name == "utf8") return Encoding::utf8;
    if (name == "latin-1" || name == "latin1" || name == "iso-8859-1") return Encoding::latin1;
    if (name == "windows-1252" || name == "cp1252") return Encoding::windows1252;
    return std::nullopt;
}

std::string_view encoding_name(Encoding encoding) {
    switch (encoding) {
    case Encoding::utf8: return "utf-8";
    case Encoding::latin1: return "latin-1";
    case Encoding::windows1252: return "windows-1252";
    }
    return "?";
}

void append_utf8(std::string& out, std::string_view text, Encoding encoding) {
    for (std::size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x80) {
            out.push_back(static_cast<char>(byte));
            ++i;
            continue;
        }
        if (encoding == Encoding::utf8) {
            std::size_t n = utf8::sequence_length(text, i);
            if (n > 0) {
                out.append(text.substr(i, n));
                i += n;
                continue;
            }
            append_single_byte(out, byte, Encoding::windows1252);
        } else {
            append_single_byte(out, byte, encoding);
        }
        ++i;
    }
}

std::string to_utf8(std::string_view text, Encoding encoding) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    append_utf8(out, text, encoding);
    return out;
}

}  // namespace sluice::datagouv
