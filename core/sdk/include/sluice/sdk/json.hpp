// sluice/sdk/json.hpp: the small JSON a plugin needs (offsets and partitions are small flat
// objects), and the one decoder of JSON string escapes that the SDK and the worker's JSON
// readers share.
#pragma once

#include <sluice/sdk/utf8.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace sluice {
namespace json {

// ---- decoding string escapes -------------------------------------------------------------
//
// One rule everywhere a JSON string is read: every escape of RFC 8259 decodes to UTF-8, a
// \uXXXX high surrogate followed by a \uXXXX low surrogate decodes to the one code point they
// form, and a LONE SURROGATE (a high one not followed by a low one, or a low one on its own)
// is REFUSED with an error naming it. Why refuse rather than write U+FFFD: UTF-8 cannot carry
// a surrogate, and replacing it changes the data without a trace; two different keys
// ("\ud800" and "\udbff") would become the same key and one of the two values would be lost
// silently. Refusing hands the record to the connector's error policy whole, and it is what
// nlohmann_json, which the worker uses for its REST and configuration JSON, does too (I-JSON,
// RFC 7493 section 2.1, forbids lone surrogates; RFC 8259 section 8.2 calls them
// unpredictable).

namespace detail {
inline bool hex4(std::string_view text, std::size_t at, std::uint32_t& value) {
    if (at + 4 > text.size()) return false;
    value = 0;
    for (std::size_t k = at; k < at + 4; ++k) {
        const char c = text[k];
        std::uint32_t digit;
        if (c >= '0' && c <= '9') digit = static_cast<std::uint32_t>(c - '0');
        else if (c >= 'a' && c <= 'f') digit = static_cast<std::uint32_t>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') digit = static_cast<std::uint32_t>(c - 'A' + 10);
        else return false;
        value = value * 16 + digit;
    }
    return true;
}
}  // namespace detail

// Decodes the escape sequence that starts at text[i] (a backslash) and moves i past it.
// Appends the decoded UTF-8 to *out unless out is null (to check an escape only). Returns
// nullptr when the escape is valid, else what is wrong with it ("lone high surrogate \ud800",
// "expected 4 hex digits after \u", ...); i is then left at the backslash.
inline const char* decode_escape(std::string_view text, std::size_t& i, std::string* out) {
    if (i + 1 >= text.size()) return "truncated escape at the end of the string";
    char plain = 0;
    switch (text[i + 1]) {
    case '"': plain = '"'; break;
    case '\\': plain = '\\'; break;
    case '/': plain = '/'; break;
    case 'b': plain = '\b'; break;
    case 'f': plain = '\f'; break;
    case 'n': plain = '\n'; break;
    case 'r': plain = '\r'; break;
    case 't': plain = '\t'; break;
    case 'u': break;
    default: return "invalid escape (expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)";
    }
    if (plain != 0) {
        if (out != nullptr) out->push_back(plain);
        i += 2;
        return nullptr;
    }
    std::uint32_t cp = 0;
    if (!detail::hex4(text, i + 2, cp)) return "expected 4 hex digits after \\u";
    std::size_t next = i + 6;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return "lone low surrogate (\\uDC00-\\uDFFF without a high surrogate before it)";
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        std::uint32_t low = 0;
        if (next + 1 >= text.size() || text[next] != '\\' || text[next + 1] != 'u' || !detail::hex4(text, next + 2, low) ||
            low < 0xDC00 || low > 0xDFFF)
            return "lone high surrogate (\\uD800-\\uDBFF not followed by a low surrogate \\uDC00-\\uDFFF)";
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        next += 6;
    }
    if (out != nullptr) utf8::append_code_point(*out, cp);
    i = next;
    return nullptr;
}

// Decodes the body of a JSON string literal (the bytes between its quotes) into `out`
// (cleared first); bytes other than escapes are copied as they are. On a bad escape returns
// false and, when `error` is not null, sets it to what is wrong and at which byte of `body`.
inline bool unescape(std::string_view body, std::string& out, std::string* error = nullptr) {
    out.clear();
    out.reserve(body.size());
    for (std::size_t i = 0; i < body.size();) {
        const std::size_t escape = body.find('\\', i);
        out.append(body.substr(i, escape == std::string_view::npos ? std::string_view::npos : escape - i));
        if (escape == std::string_view::npos) break;
        i = escape;
        if (const char* what = decode_escape(body, i, &out)) {
            if (error != nullptr) *error = std::string(what) + " at byte " + std::to_string(i);
            return false;
        }
    }
    return true;
}

// ---- writing -------------------------------------------------------------------------------

// Appends `text` as a JSON string. Always valid JSON: control characters are escaped and
// bytes that are not valid UTF-8 are read as Latin-1 (see utf8::append_repaired).
inline void append_quoted(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            std::size_t n = utf8::sequence_length(text, i);
            utf8::append_repaired(out, text.substr(i, n == 0 ? 1 : n));
            i += n == 0 ? 1 : n;
            continue;
        }
        ++i;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 0xf]);
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
    }
    out.push_back('"');
}

inline std::string quote(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    append_quoted(out, text);
    return out;
}

// Builds a flat JSON object: Object().add("filename", path).add("position", 42).str()
class Object {
public:
    Object& add(std::string_view key, std::string_view value) {
        next_key(key);
        append_quoted(text_, value);
        return *this;
    }
    Object& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
    Object& add(std::string_view key, const std::string& value) { return add(key, std::string_view(value)); }
    template <class Int>
        requires(std::is_integral_v<Int> && !std::is_same_v<Int, bool>)
    Object& add(std::string_view key, Int value) {
        next_key(key);
        char buf[24];
        auto res = std::to_chars(buf, buf + sizeof buf, value);
        text_.append(buf, res.ptr);
        return *this;
    }
    Object& add(std::string_view key, bool value) {
        next_key(key);
        text_ += value ? "true" : "false";
        return *this;
    }
    // Adds an already serialised JSON value.
    Object& add_raw(std::string_view key, std::string_view json_value) {
        next_key(key);
        text_ += json_value;
        return *this;
    }
    std::string str() const { return text_ + "}"; }

private:
    void next_key(std::string_view key) {
        if (text_.size() > 1) text_.push_back(',');
        append_quoted(text_, key);
        text_.push_back(':');
    }
    std::string text_ = "{";
};

// The integer in a value read by parse_flat ("42"), or nullopt when it is not one.
inline std::optional<std::int64_t> to_int(std::string_view text) {
    std::int64_t value = 0;
    auto res = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || res.ec != std::errc() || res.ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

// Reads a flat JSON object into key -> value. Strings are unescaped; numbers, booleans and
// null keep their text; nested objects and arrays keep their raw JSON text. Returns nullopt
// when the text is not a JSON object.
inline std::optional<std::map<std::string, std::string>> parse_flat(std::string_view text) {
    std::size_t i = 0;
    auto ws = [&] {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    };
    auto read_string = [&](std::string& out) -> bool {
        if (i >= text.size() || text[i] != '"') return false;
        ++i;
        while (i < text.size()) {
            char c = text[i];
            if (c == '"') {
                ++i;
                return true;
            }
            if (c != '\\') {
                out.push_back(c);
                ++i;
            } else if (decode_escape(text, i, &out) != nullptr) {
                return false;
            }
        }
        return false;
    };
    // Skips one nested value (object/array), honouring strings.
    auto skip_nested = [&]() -> bool {
        int depth = 0;
        while (i < text.size()) {
            char c = text[i];
            if (c == '"') {
                std::string ignored;
                if (!read_string(ignored)) return false;
                continue;
            }
            ++i;
            if (c == '{' || c == '[') ++depth;
            else if (c == '}' || c == ']') {
                if (--depth == 0) return true;
            }
        }
        return false;
    };
    std::map<std::string, std::string> result;
    ws();
    if (i >= text.size() || text[i] != '{') return std::nullopt;
    ++i;
    ws();
    if (i < text.size() && text[i] == '}') {
        ++i;
        ws();
        return i == text.size() ? std::optional(result) : std::nullopt;
    }
    while (true) {
        ws();
        std::string key;
        if (!read_string(key)) return std::nullopt;
        ws();
        if (i >= text.size() || text[i] != ':') return std::nullopt;
        ++i;
        ws();
        if (i >= text.size()) return std::nullopt;
        std::string value;
        if (text[i] == '"') {
            if (!read_string(value)) return std::nullopt;
        } else if (text[i] == '{' || text[i] == '[') {
            std::size_t start = i;
            if (!skip_nested()) return std::nullopt;
            value.assign(text.substr(start, i - start));
        } else {
            std::size_t start = i;
            while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ' ' && text[i] != '\n' &&
                   text[i] != '\t' && text[i] != '\r')
                ++i;
            value.assign(text.substr(start, i - start));
            if (value.empty()) return std::nullopt;
        }
        result[std::move(key)] = std::move(value);
        ws();
        if (i >= text.size()) return std::nullopt;
        if (text[i] == ',') { ++i; continue; }
        if (text[i] == '}') { ++i; break; }
        return std::nullopt;
    }
    ws();
    if (i != text.size()) return std::nullopt;
    return result;
}

}  // namespace json
}  // namespace sluice
