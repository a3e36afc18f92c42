#include "time_zone.hpp"

#include <algorithm>

namespace sluice::ods {
namespace {

bool valid_civil(std::int64_t y, unsigned mo, unsigned d, int h, int mi, int s) {
    return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= civil::days_in_month(y, mo) && h >= 0 && h <= 24 && mi >= 0 &&
           mi <= 59 && s >= 0 && s <= 60 && !(h == 24 && (mi != 0 || s != 0));
}

// "+hh:mm", "+hhmm", "+hh" (also "+hh:") at text[i] to the end -> seconds east of UTC.
std::optional<int> read_offset(std::string_view text, std::size_t i) {
    const int sign = text[i] == '-' ? -1 : 1;
    const auto oh = civil::read_digits(text, ++i, 2);
    if (!oh) return std::nullopt;
    i += 2;
    unsigned om = 0;
    if (i < text.size() && text[i] == ':') ++i;
    if (i < text.size()) {
        const auto m = civil::read_digits(text, i, 2);
        if (!m) return std::nullopt;
        om = *m;
        i += 2;
    }
    if (i != text.size() || *oh > 23 || om > 59) return std::nullopt;
    return sign * static_cast<int>(*oh * 3600 + om * 60);
}

}  // namespace

std::optional<std::int64_t> parse_timestamp(std::string_view text, const TimeZone& zone) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    civil::IsoFields f;
    const bool compact = text.size() == 14 && text.find_first_not_of("0123456789") == std::string_view::npos;
    if (compact) {  // YYYYMMDDhhmmss (legacy WFS "HEURE")
        f.year = *civil::read_digits(text, 0, 4), f.month = *civil::read_digits(text, 4, 2),
        f.day = *civil::read_digits(text, 6, 2);
        f.hour = static_cast<int>(*civil::read_digits(text, 8, 2)), f.minute = static_cast<int>(*civil::read_digits(text, 10, 2)),
        f.second = static_cast<int>(*civil::read_digits(text, 12, 2));
        f.end = 14;
    } else if (auto read = civil::read_iso_fields(text, "T ")) {
        f = *read;
    } else {
        return std::nullopt;
    }
    if (!valid_civil(f.year, f.month, f.day, f.hour, f.minute, f.second)) return std::nullopt;
    const std::int64_t wall = civil::days_from_civil(f.year, f.month, f.day) * civil::seconds_per_day + f.hour * 3600 +
                              f.minute * 60 + std::min(f.second, 59);
    std::int64_t utc_s = 0;
    if (f.end == text.size()) {
        utc_s = zone.local_to_utc(wall);
    } else if (text[f.end] == 'Z' && f.end + 1 == text.size()) {
        utc_s = wall;
    } else if (text[f.end] == '+' || text[f.end] == '-') {
        const auto offset = read_offset(text, f.end);
        if (!offset) return std::nullopt;
        utc_s = wall - *offset;
    } else {
        return std::nullopt;
    }
    return utc_s * 1000 + f.millis;
}

std::string format_utc(std::int64_t epoch_ms) { return civil::format_iso8601(epoch_ms, 0); }

}  // namespace sluice::ods
