#include "sluice/civil_time.hpp"

#include <charconv>

namespace sluice::civil {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    const std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

bool is_leap_year(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
    static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap_year(y) ? 29 : days[m - 1];
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = floor_div(y, 400);
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

CivilDate civil_from_days(std::int64_t days) {
    days += 719468;
    const std::int64_t era = floor_div(days, 146097);
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    CivilDate date;
    date.day = doy - (153 * mp + 2) / 5 + 1;
    date.month = mp < 10 ? mp + 3 : mp - 9;
    date.year = static_cast<std::int64_t>(yoe) + era * 400 + (date.month <= 2 ? 1 : 0);
    return date;
}

unsigned weekday_from_days(std::int64_t days) {
    // 1970-01-01 was a Thursday (3 when Monday is 0).
    const std::int64_t shifted = (days + 3) % 7;
    return static_cast<unsigned>(shifted < 0 ? shifted + 7 : shifted);
}

CivilTime civil_from_ms(std::int64_t epoch_ms) {
    constexpr std::int64_t ms_per_day = seconds_per_day * 1000;
    const std::int64_t days = floor_div(epoch_ms, ms_per_day);
    const std::int64_t in_day = epoch_ms - days * ms_per_day;
    CivilTime t;
    t.date = civil_from_days(days);
    t.hour = static_cast<int>(in_day / 3'600'000);
    t.minute = static_cast<int>(in_day / 60'000 % 60);
    t.second = static_cast<int>(in_day / 1000 % 60);
    t.millis = static_cast<int>(in_day % 1000);
    return t;
}

std::optional<unsigned> read_digits(std::string_view text, std::size_t pos, std::size_t count) {
    if (pos > text.size() || count > text.size() - pos) return std::nullopt;
    unsigned value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(text[i] - '0');
    }
    return value;
}

std::optional<IsoFields> read_iso_fields(std::string_view text, std::string_view separators) {
    const auto y = read_digits(text, 0, 4), mo = read_digits(text, 5, 2), d = read_digits(text, 8, 2);
    if (!y || !mo || !d || text[4] != '-' || text[7] != '-') return std::nullopt;
    IsoFields f;
    f.year = *y, f.month = *mo, f.day = *d;
    std::size_t i = 10;
    if (i < text.size() && separators.find(text[i]) != std::string_view::npos) {
        const auto h = read_digits(text, i + 1, 2), mi = read_digits(text, i + 4, 2);
        if (!h || !mi || text[i + 3] != ':') return std::nullopt;
        f.hour = static_cast<int>(*h), f.minute = static_cast<int>(*mi);
        i += 6;
        if (i < text.size() && text[i] == ':') {
            const auto s = read_digits(text, i + 1, 2);
            if (!s) return std::nullopt;
            f.second = static_cast<int>(*s);
            i += 3;
            if (i < text.size() && (text[i] == '.' || text[i] == ',')) {
                const std::size_t start = ++i;
                int scale = 100;
                while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
                    f.millis += (text[i] - '0') * scale;
                    scale /= 10;
                    ++i;
                }
                if (i == start) return std::nullopt;
            }
        }
    }
    f.end = i;
    return f;
}

std::optional<std::int64_t> parse_date(std::string_view text) {
    if (text.size() != 10) return std::nullopt;
    const auto f = read_iso_fields(text, "");
    if (!f || f->month < 1 || f->month > 12 || f->day < 1 || f->day > days_in_month(f->year, f->month)) return std::nullopt;
    return days_from_civil(f->year, f->month, f->day);
}

std::optional<std::int64_t> parse_wall_time(std::string_view text) {
    if (text.size() != 16 && !(text.size() == 19 && text[16] == ':')) return std::nullopt;
    const auto day = parse_date(text.substr(0, 10));
    if (!day || text[10] != 'T' || text[13] != ':') return std::nullopt;
    const auto h = read_digits(text, 11, 2), mi = read_digits(text, 14, 2);
    const auto s = text.size() == 19 ? read_digits(text, 17, 2) : std::optional<unsigned>(0);
    if (!h || !mi || !s || *h > 23 || *mi > 59 || *s > 59) return std::nullopt;
    return *day * seconds_per_day + std::int64_t{*h} * 3600 + std::int64_t{*mi} * 60 + *s;
}

std::optional<std::int64_t> parse_utc_seconds(std::string_view text) {
    if (text.size() != 20 || text.back() != 'Z') return std::nullopt;
    return parse_wall_time(text.substr(0, 19));
}

void append_padded(std::string& out, std::int64_t v, int width) {
    char buf[24];
    const bool negative = v < 0;
    const auto r = std::to_chars(buf, buf + sizeof buf, negative ? -v : v);
    if (negative) out.push_back('-');
    for (auto k = static_cast<int>(r.ptr - buf); k < width; ++k) out.push_back('0');
    out.append(buf, r.ptr);
}

namespace {

void append_date(std::string& out, const CivilDate& d) {
    append_padded(out, d.year, 4);
    out.push_back('-');
    append_padded(out, d.month, 2);
    out.push_back('-');
    append_padded(out, d.day, 2);
}

void append_date_time(std::string& out, const CivilTime& t) {
    append_date(out, t.date);
    out.push_back('T');
    append_padded(out, t.hour, 2);
    out.push_back(':');
    append_padded(out, t.minute, 2);
    out.push_back(':');
    append_padded(out, t.second, 2);
}

}  // namespace

std::string format_date(std::int64_t days) {
    std::string out;
    append_date(out, civil_from_days(days));
    return out;
}

void append_date_time(std::string& out, std::int64_t epoch_seconds) { append_date_time(out, civil_from_ms(epoch_seconds * 1000)); }

void append_offset(std::string& out, int offset_seconds, bool colon) {
    out.push_back(offset_seconds < 0 ? '-' : '+');
    const int magnitude = offset_seconds < 0 ? -offset_seconds : offset_seconds;
    append_padded(out, magnitude / 3600, 2);
    if (colon) out.push_back(':');
    append_padded(out, magnitude / 60 % 60, 2);
}

std::string format_iso8601(std::int64_t epoch_ms, int offset_seconds) {
    const CivilTime t = civil_from_ms(epoch_ms + std::int64_t{offset_seconds} * 1000);
    std::string out;
    out.reserve(29);
    append_date_time(out, t);
    if (t.millis != 0) {
        out.push_back('.');
        append_padded(out, t.millis, 3);
    }
    if (offset_seconds == 0) out.push_back('Z');
    else append_offset(out, offset_seconds, true);
    return out;
}

}  // namespace sluice::civil
