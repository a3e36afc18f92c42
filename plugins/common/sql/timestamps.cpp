#include "sluice/sql/timestamps.hpp"

#include <sluice/civil_time.hpp>

namespace sluice::sql {

namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;

// Reads a fraction after '.' or ','; returns its microseconds and the index after it.
std::size_t read_fraction(std::string_view t, std::size_t i, std::int64_t& micros, std::string* digits = nullptr) {
    micros = 0;
    if (i >= t.size() || (t[i] != '.' && t[i] != ',')) return i;
    std::size_t j = i + 1, n = 0;
    while (j < t.size() && t[j] >= '0' && t[j] <= '9') {
        if (n < 6) micros = micros * 10 + (t[j] - '0');
        if (digits != nullptr) digits->push_back(t[j]);
        ++n;
        ++j;
    }
    if (n == 0) return std::string_view::npos;
    for (std::size_t k = n; k < 6; ++k) micros *= 10;
    return j;
}

struct Parts {
    std::int64_t wall_micros = 0;
    std::size_t end = 0;  // index after the seconds (and fraction)
    std::string fraction_digits;
};

// "YYYY-MM-DD(T| )hh:mm[:ss[.f]]" at the start of t.
std::optional<Parts> read_wall(std::string_view t, const char* separators) {
    auto f = civil::read_iso_fields(t, separators);
    if (!f || f->end <= 10) return std::nullopt;  // a date alone is not a timestamp
    if (f->month < 1 || f->month > 12 || f->day < 1 || f->day > civil::days_in_month(f->year, f->month) || f->hour > 23 ||
        f->minute > 59 || f->second > 59)
        return std::nullopt;
    Parts p;
    // read_iso_fields keeps milliseconds only: read the fraction again, to the microsecond.
    std::size_t i = 16;  // after "YYYY-MM-DDThh:mm"
    if (i < t.size() && t[i] == ':') i += 3;
    std::int64_t micros = 0;
    std::size_t after = read_fraction(t, i, micros, &p.fraction_digits);
    if (after == std::string_view::npos) return std::nullopt;
    p.end = after;
    const std::int64_t days = civil::days_from_civil(f->year, f->month, f->day);
    p.wall_micros = ((days * 24 + f->hour) * 60 + f->minute) * 60 * kMicrosPerSecond + f->second * kMicrosPerSecond + micros;
    return p;
}

// "Z", "+hh", "+hh:mm", "+hhmm" (or '-') at t[i..]; the offset in seconds east of UTC.
std::optional<int> read_offset(std::string_view t, std::size_t i, std::size_t& end) {
    if (i < t.size() && (t[i] == 'Z' || t[i] == 'z')) {
        end = i + 1;
        return 0;
    }
    if (i >= t.size() || (t[i] != '+' && t[i] != '-')) return std::nullopt;
    const int sign = t[i] == '-' ? -1 : 1;
    auto hh = civil::read_digits(t, i + 1, 2);
    if (!hh || *hh > 23) return std::nullopt;
    std::size_t j = i + 3;
    unsigned mm = 0;
    if (j < t.size() && t[j] == ':') {
        auto m = civil::read_digits(t, j + 1, 2);
        if (!m) return std::nullopt;
        mm = *m;
        j += 3;
    } else if (auto m = civil::read_digits(t, j, 2)) {
        mm = *m;
        j += 2;
    }
    if (mm > 59) return std::nullopt;
    end = j;
    return sign * static_cast<int>(*hh * 3600 + mm * 60);
}

void append_fraction(std::string& out, std::int64_t micros_of_second) {
    if (micros_of_second == 0) return;
    out.push_back('.');
    civil::append_padded(out, micros_of_second, 6);
}

}  // namespace

std::optional<Instant> parse_timestamp(std::string_view text) {
    auto wall = read_wall(text, "T t");
    if (!wall) return std::nullopt;
    Instant instant;
    instant.micros = wall->wall_micros;
    if (wall->end == text.size()) return instant;
    std::size_t i = wall->end;
    if (i < text.size() && text[i] == ' ') ++i;  // "2024-05-01 10:00:00 +02:00"
    std::size_t end = 0;
    auto offset = read_offset(text, i, end);
    if (!offset || end != text.size()) return std::nullopt;
    instant.micros -= static_cast<std::int64_t>(*offset) * kMicrosPerSecond;
    instant.has_offset = true;
    return instant;
}

std::string format_wall_time(std::int64_t micros) {
    const std::int64_t seconds = civil::floor_div(micros, kMicrosPerSecond);
    std::string out;
    out.reserve(26);
    civil::append_date_time(out, seconds);
    out[10] = ' ';
    append_fraction(out, micros - seconds * kMicrosPerSecond);
    return out;
}

std::string format_iso_utc_ms(std::int64_t epoch_ms) {
    const std::int64_t seconds = civil::floor_div(epoch_ms, 1000);
    std::string out;
    civil::append_date_time(out, seconds);
    const std::int64_t ms = epoch_ms - seconds * 1000;
    if (ms != 0) {
        out.push_back('.');
        civil::append_padded(out, ms, 3);
    }
    out.push_back('Z');
    return out;
}

std::string iso_from_database(std::string_view text) {
    auto wall = read_wall(text, "T ");
    if (!wall) return std::string(text);
    std::int64_t micros = wall->wall_micros;
    if (wall->end < text.size()) {
        std::size_t end = 0;
        auto offset = read_offset(text, wall->end, end);
        if (!offset || end != text.size()) return std::string(text);
        micros -= static_cast<std::int64_t>(*offset) * kMicrosPerSecond;
        if (*offset != 0) {
            // Another zone than the session's UTC: rewrite as UTC with six fraction digits.
            const std::int64_t seconds = civil::floor_div(micros, kMicrosPerSecond);
            std::string out;
            civil::append_date_time(out, seconds);
            append_fraction(out, micros - seconds * kMicrosPerSecond);
            out.push_back('Z');
            return out;
        }
    }
    // UTC already: keep the fraction digit for digit (a cursor compares it back exactly).
    std::string out(text.substr(0, 19));
    out[10] = 'T';
    if (!wall->fraction_digits.empty()) out += "." + wall->fraction_digits;
    out.push_back('Z');
    return out;
}

std::optional<std::string> wall_time_from_iso(std::string_view iso) {
    auto instant = parse_timestamp(iso);
    if (!instant) return std::nullopt;
    return format_wall_time(instant->micros);
}

std::optional<std::int64_t> epoch_ms_of(std::string_view iso) {
    auto instant = parse_timestamp(iso);
    if (!instant) return std::nullopt;
    return civil::floor_div(instant->micros, 1000);
}

}  // namespace sluice::sql
