#include "civil_time.hpp"

#include <charconv>
#include <cstdio>

namespace sluice::weather {

namespace {

constexpr std::int64_t seconds_per_day = 86400;

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
    static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

// Reads exactly `width` decimal digits at text[pos].
std::optional<unsigned> digits(std::string_view text, std::size_t pos, std::size_t width) {
    if (pos + width > text.size()) return std::nullopt;
    unsigned value = 0;
    for (std::size_t i = pos; i < pos + width; ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(text[i] - '0');
    }
    return value;
}

// "YYYY-MM-DD" at the start of `text` (the rest is the caller's business).
std::optional<std::int64_t> date_prefix(std::string_view text) {
    if (text.size() < 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    auto y = digits(text, 0, 4), m = digits(text, 5, 2), d = digits(text, 8, 2);
    if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m)) return std::nullopt;
    return days_from_civil(*y, *m, *d);
}

// "THH:MM" or "THH:MM:SS" starting at text[10], to the end of `text`.
std::optional<std::int64_t> clock_suffix(std::string_view text) {
    if (text.size() != 16 && text.size() != 19) return std::nullopt;
    if (text[10] != 'T' || text[13] != ':') return std::nullopt;
    auto h = digits(text, 11, 2), mi = digits(text, 14, 2);
    std::optional<unsigned> s = 0u;
    if (text.size() == 19) s = text[16] == ':' ? digits(text, 17, 2) : std::nullopt;
    if (!h || !mi || !s || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
    return std::int64_t{*h} * 3600 + std::int64_t{*mi} * 60 + *s;
}

std::string two(unsigned v) {
    char buf[3] = {static_cast<char>('0' + v / 10 % 10), static_cast<char>('0' + v % 10), 0};
    return buf;
}

std::string date_and_clock(std::int64_t epoch_seconds) {
    const std::int64_t day = day_of_seconds(epoch_seconds);
    const std::int64_t rest = epoch_seconds - day * seconds_per_day;
    const auto hh = static_cast<unsigned>(rest / 3600), mm = static_cast<unsigned>(rest / 60 % 60),
               ss = static_cast<unsigned>(rest % 60);
    return format_date(day) + "T" + two(hh) + ":" + two(mm) + ":" + two(ss);
}

}  // namespace

// Howard Hinnant's days_from_civil / civil_from_days.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

CivilDate civil_from_days(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

std::int64_t day_of_seconds(std::int64_t s) {
    return s >= 0 ? s / seconds_per_day : -((-s + seconds_per_day - 1) / seconds_per_day);
}

std::optional<std::int64_t> parse_date(std::string_view text) {
    if (text.size() != 10) return std::nullopt;
    return date_prefix(text);
}

std::string format_date(std::int64_t days) {
    const CivilDate c = civil_from_days(days);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(c.year), c.month, c.day);
    return buf;
}

std::optional<std::int64_t> parse_wall_time(std::string_view text) {
    auto day = date_prefix(text);
    if (!day) return std::nullopt;
    auto clock = clock_suffix(text);
    if (!clock) return std::nullopt;
    return *day * seconds_per_day + *clock;
}

std::optional<std::int64_t> parse_utc(std::string_view text) {
    if (text.size() != 20 || text.back() != 'Z') return std::nullopt;
    return parse_wall_time(text.substr(0, 19));
}

std::optional<std::int64_t> parse_utc_ms(std::string_view text) {
    if (text.size() != 24 || text[19] != '.' || text.back() != 'Z') return std::nullopt;
    auto seconds = parse_wall_time(text.substr(0, 19));
    auto ms = digits(text, 20, 3);
    if (!seconds || !ms) return std::nullopt;
    return *seconds * 1000 + *ms;
}

std::string format_utc(std::int64_t epoch_seconds) { return date_and_clock(epoch_seconds) + "Z"; }

std::string format_utc_ms(std::int64_t epoch_ms) {
    const std::int64_t ms = ((epoch_ms % 1000) + 1000) % 1000;
    const std::int64_t seconds = (epoch_ms - ms) / 1000;
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03lld", static_cast<long long>(ms));
    return date_and_clock(seconds) + frac + "Z";
}

std::string format_local(std::int64_t epoch_seconds, std::int64_t offset_seconds) {
    const std::int64_t magnitude = offset_seconds < 0 ? -offset_seconds : offset_seconds;
    std::string out = date_and_clock(epoch_seconds + offset_seconds);
    out += offset_seconds < 0 ? '-' : '+';
    out += two(static_cast<unsigned>(magnitude / 3600)) + ":" + two(static_cast<unsigned>(magnitude / 60 % 60));
    return out;
}

}  // namespace sluice::weather
