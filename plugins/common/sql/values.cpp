#include "sluice/sql/values.hpp"
#include <sluice/sdk/text.hpp>

#include "sluice/sql/timestamps.hpp"

#include <sluice/civil_time.hpp>
#include <sluice/sdk.hpp>

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace sluice::sql {

using text::trim;

namespace {

std::string shown(std::string_view text) {
    if (text.size() <= 60) return std::string(text);
    return std::string(text.substr(0, 57)) + "...";
}

[[noreturn]] void refuse(const JsonValue& v, const Column& c, std::string_view expected) {
    const std::string what = v.kind == JsonKind::string ? json::quote(shown(v.text))
                             : v.kind == JsonKind::object || v.kind == JsonKind::array
                                 ? std::string("a JSON ") + json_kind_name(v.kind)
                                 : std::string(v.text);
    throw ConversionError(what + " is not " + std::string(expected) + " (column " + c.name + " " + c.type + ")");
}


// "42", "-7", "60.0", "60.000": an integer (fraction of zeros only). Empty when not.
std::string_view integer_part(std::string_view t) {
    std::size_t i = 0;
    if (i < t.size() && (t[i] == '-' || t[i] == '+')) ++i;
    const std::size_t digits_from = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == digits_from) return {};
    const std::size_t end = i;
    if (i < t.size() && t[i] == '.') {
        ++i;
        while (i < t.size() && t[i] == '0') ++i;
    }
    if (i != t.size()) return {};
    return t.substr(t[0] == '+' ? 1 : 0, end - (t[0] == '+' ? 1 : 0));
}

void convert_integer(const JsonValue& v, const Column& c, std::string& out) {
    if (v.kind != JsonKind::number && v.kind != JsonKind::string) refuse(v, c, "an integer");
    const std::string_view digits = integer_part(trim(v.text));
    if (digits.empty()) refuse(v, c, "an integer");
    if (digits.front() == '-') {
        std::int64_t n = 0;
        auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (ec != std::errc() || p != digits.data() + digits.size() || n < c.min)
            refuse(v, c, "an integer in the column's range");
        out += std::to_string(n);
    } else {
        std::uint64_t n = 0;
        auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (ec != std::errc() || p != digits.data() + digits.size() || n > c.max)
            refuse(v, c, "an integer in the column's range");
        out += std::to_string(n);
    }
}

bool is_special_float(std::string_view t) { return t == "NaN" || t == "Infinity" || t == "-Infinity"; }

void convert_number(const JsonValue& v, const Column& c, std::string& out, bool floating) {
    std::string_view t = v.kind == JsonKind::string ? trim(v.text) : v.text;
    if ((v.kind == JsonKind::number || v.kind == JsonKind::string) && (is_json_number(t) || (floating && is_special_float(t)))) {
        out += t;
        return;
    }
    refuse(v, c, "a number");
}

void convert_boolean(const JsonValue& v, const Column& c, std::string& out) {
    const std::string_view t = v.kind == JsonKind::string ? trim(v.text) : v.text;
    if (v.kind == JsonKind::boolean || v.kind == JsonKind::string || v.kind == JsonKind::number) {
        if (t == "true" || t == "1") {
            out += "true";
            return;
        }
        if (t == "false" || t == "0") {
            out += "false";
            return;
        }
    }
    refuse(v, c, "a boolean (true, false, 1, 0)");
}

// Epoch milliseconds from a JSON number (Kafka Connect's Timestamp is epoch ms).
std::int64_t epoch_ms(const JsonValue& v, const Column& c) {
    const std::string_view digits = integer_part(v.text);
    std::int64_t ms = 0;
    if (digits.empty()) refuse(v, c, "a timestamp (ISO 8601 text or epoch milliseconds)");
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ms);
    if (ec != std::errc() || p != digits.data() + digits.size()) refuse(v, c, "a timestamp in range");
    return ms;
}

void convert_timestamp(const JsonValue& v, const Column& c, std::string& out, bool with_zone) {
    if (v.kind == JsonKind::number) {
        const std::int64_t ms = epoch_ms(v, c);
        out += with_zone ? format_iso_utc_ms(ms) : format_wall_time(ms * 1000);
        return;
    }
    if (v.kind != JsonKind::string) refuse(v, c, "a timestamp (ISO 8601 text or epoch milliseconds)");
    const std::string_view t = trim(v.text);
    if (with_zone) {
        out += t;  // PostgreSQL reads any ISO 8601 form, offsets included, into an instant
        return;
    }
    // A zone-less column holds UTC wall time: an offset in the text is applied, not dropped
    // (PostgreSQL would silently ignore it, MariaDB refuse it).
    if (auto instant = parse_timestamp(t)) {
        out += format_wall_time(instant->micros);
        return;
    }
    out += t;  // another form ("2024-05-01", "now"): the database decides
}

void convert_text(const JsonValue& v, std::string& out) { out += v.text; }

void convert_json(const JsonValue& v, std::string& out) {
    if (v.kind == JsonKind::string) json::append_quoted(out, v.text);
    else out += v.text;
}

}  // namespace

bool convert_value(const JsonValue& v, const Column& c, std::string& out) {
    if (v.kind == JsonKind::null) return false;
    switch (c.kind) {
    case ColumnKind::integer: convert_integer(v, c, out); break;
    case ColumnKind::decimal: convert_number(v, c, out, false); break;
    case ColumnKind::floating: convert_number(v, c, out, true); break;
    case ColumnKind::boolean: convert_boolean(v, c, out); break;
    case ColumnKind::json: convert_json(v, out); break;
    case ColumnKind::timestamp_tz: convert_timestamp(v, c, out, true); break;
    case ColumnKind::timestamp: convert_timestamp(v, c, out, false); break;
    case ColumnKind::binary: {
        if (v.kind != JsonKind::string) refuse(v, c, "base64 text");
        auto bytes = base64_decode(trim(v.text));
        if (!bytes) refuse(v, c, "base64 text");
        out += *bytes;
        break;
    }
    case ColumnKind::text:
    case ColumnKind::date:
    case ColumnKind::time:
    case ColumnKind::uuid:
    case ColumnKind::other: convert_text(v, out); break;
    }
    return true;
}

const char* inferred_name(Inferred t) {
    switch (t) {
    case Inferred::none: return "none";
    case Inferred::boolean: return "boolean";
    case Inferred::integer: return "integer";
    case Inferred::bignum: return "big integer";
    case Inferred::floating: return "floating";
    case Inferred::text: return "text";
    case Inferred::json: return "json";
    case Inferred::timestamp_tz: return "timestamp with zone";
    case Inferred::timestamp: return "timestamp";
    case Inferred::date: return "date";
    }
    return "?";
}

Inferred infer_type(const JsonValue& v) {
    switch (v.kind) {
    case JsonKind::null: return Inferred::none;
    case JsonKind::boolean: return Inferred::boolean;
    case JsonKind::object:
    case JsonKind::array: return Inferred::json;
    case JsonKind::number: {
        if (v.text.find_first_of(".eE") != std::string_view::npos) return Inferred::floating;
        std::int64_t n = 0;
        auto [p, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), n);
        return ec == std::errc() && p == v.text.data() + v.text.size() ? Inferred::integer : Inferred::bignum;
    }
    case JsonKind::string: {
        if (v.text.size() == 10 && civil::parse_date(v.text)) return Inferred::date;
        if (v.text.size() >= 16 && v.text.size() <= 40) {
            if (auto instant = parse_timestamp(v.text)) return instant->has_offset ? Inferred::timestamp_tz : Inferred::timestamp;
        }
        return Inferred::text;
    }
    }
    return Inferred::text;
}

Inferred unify(Inferred a, Inferred b) {
    if (a == Inferred::none) return b;
    if (b == Inferred::none || a == b) return a;
    auto numeric = [](Inferred t) { return t == Inferred::integer || t == Inferred::bignum || t == Inferred::floating; };
    if (numeric(a) && numeric(b)) {
        if (a == Inferred::floating || b == Inferred::floating) return Inferred::floating;
        return Inferred::bignum;
    }
    auto timestamp = [](Inferred t) { return t == Inferred::timestamp || t == Inferred::timestamp_tz; };
    if (timestamp(a) && timestamp(b)) return Inferred::timestamp_tz;
    if (a == Inferred::json || b == Inferred::json) return Inferred::json;
    return Inferred::text;
}

namespace {

int significant_digits(std::string_view t) {
    int n = 0;
    bool leading = true;
    for (char ch : t) {
        if (ch == 'e' || ch == 'E') break;
        if (ch < '0' || ch > '9') continue;
        if (leading && ch == '0') continue;
        leading = false;
        ++n;
    }
    return n;
}

}  // namespace

void append_json_value(std::string& out, const std::optional<std::string_view>& cell, ColumnKind kind) {
    if (!cell) {
        out += "null";
        return;
    }
    const std::string_view t = *cell;
    switch (kind) {
    case ColumnKind::integer:
        if (is_json_number(t)) {
            out += t;
            return;
        }
        break;
    case ColumnKind::decimal:
        // A double keeps 15 significant digits exactly; beyond, a string keeps them all.
        if (is_json_number(t) && significant_digits(t) <= 15) {
            out += t;
            return;
        }
        break;
    case ColumnKind::floating:
        if (is_json_number(t)) {
            out += t;
            return;
        }
        break;  // NaN, Infinity, -Infinity: JSON has no number for them
    case ColumnKind::boolean:
        if (t == "true" || t == "t" || t == "1") {
            out += "true";
            return;
        }
        if (t == "false" || t == "f" || t == "0") {
            out += "false";
            return;
        }
        break;
    case ColumnKind::json: out += t; return;
    case ColumnKind::timestamp_tz:
    case ColumnKind::timestamp: json::append_quoted(out, iso_from_database(t)); return;
    case ColumnKind::binary: json::append_quoted(out, base64_encode(t)); return;
    default: break;
    }
    json::append_quoted(out, t);
}

std::string base64_encode(std::string_view bytes) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                                static_cast<unsigned char>(bytes[i + 2]);
        out.push_back(alphabet[v >> 18]);
        out.push_back(alphabet[(v >> 12) & 63]);
        out.push_back(alphabet[(v >> 6) & 63]);
        out.push_back(alphabet[v & 63]);
    }
    if (const std::size_t rest = bytes.size() - i; rest > 0) {
        std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out.push_back(alphabet[v >> 18]);
        out.push_back(alphabet[(v >> 12) & 63]);
        out.push_back(rest == 2 ? alphabet[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

std::string hex_encode(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    auto value = [](char ch) -> int {
        if (ch >= 'A' && ch <= 'Z') return ch - 'A';
        if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
        if (ch >= '0' && ch <= '9') return ch - '0' + 52;
        if (ch == '+' || ch == '-') return 62;  // '-' and '_': the URL-safe alphabet
        if (ch == '/' || ch == '_') return 63;
        return -1;
    };
    while (!text.empty() && text.back() == '=') text.remove_suffix(1);
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (char ch : text) {
        const int v = value(ch);
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    return out;
}

}  // namespace sluice::sql
