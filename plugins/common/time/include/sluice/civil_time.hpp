// Proleptic Gregorian calendar arithmetic in UTC and the pieces of ISO 8601 text several
// plugins share, without <ctime>: plugins need dates outside what time_t/gmtime guarantee,
// and nothing here depends on the process-wide TZ.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::civil {

inline constexpr std::int64_t seconds_per_day = 86'400;

// floor(a / b) for any signs (b != 0).
std::int64_t floor_div(std::int64_t a, std::int64_t b);

bool is_leap_year(std::int64_t year);
unsigned days_in_month(std::int64_t year, unsigned month);  // month 1..12

struct CivilDate {
    std::int64_t year = 1970;
    unsigned month = 1;  // 1..12
    unsigned day = 1;    // 1..31
};

// Days since 1970-01-01 (negative before it) and back (Howard Hinnant's algorithms).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);
CivilDate civil_from_days(std::int64_t days);

// 0 = Monday .. 6 = Sunday.
unsigned weekday_from_days(std::int64_t days);

// An instant broken down in UTC (add the zone's offset first for a local time).
struct CivilTime {
    CivilDate date;
    int hour = 0, minute = 0, second = 0, millis = 0;
};
CivilTime civil_from_ms(std::int64_t epoch_ms);

// Exactly `count` ASCII digits at text[pos], or nullopt (also when the text is too short).
std::optional<unsigned> read_digits(std::string_view text, std::size_t pos, std::size_t count);

// The fields of "YYYY-MM-DD[<sep>hh:mm[:ss[(.|,)f...]]]" at the start of `text`, `sep` being
// one of `separators`. Fractions beyond milliseconds are truncated. Nothing is range-checked
// (callers differ on 24:00 and leap seconds); `end` is the index of the first unread
// character (an offset, or trailing text, is the caller's business). nullopt when the text
// does not start with a date, or a separator is not followed by hh:mm, or ':' by ss, or
// '.' by digits.
struct IsoFields {
    std::int64_t year = 0;
    unsigned month = 0, day = 0;
    int hour = 0, minute = 0, second = 0, millis = 0;
    std::size_t end = 0;
};
std::optional<IsoFields> read_iso_fields(std::string_view text, std::string_view separators);

// Exactly "YYYY-MM-DD", every field valid -> days since the epoch.
std::optional<std::int64_t> parse_date(std::string_view text);
// Exactly "YYYY-MM-DDThh:mm" or "YYYY-MM-DDThh:mm:ss" (no offset, hour <= 23, second <= 59):
// the seconds since the epoch of that wall time read as if it were UTC.
std::optional<std::int64_t> parse_wall_time(std::string_view text);
// Exactly "YYYY-MM-DDThh:mm:ssZ" -> seconds since the epoch.
std::optional<std::int64_t> parse_utc_seconds(std::string_view text);

// Appends `v` in decimal with at least `width` digits (zero-padded; '-' before the padding).
void append_padded(std::string& out, std::int64_t v, int width);
// days since the epoch -> "YYYY-MM-DD".
std::string format_date(std::int64_t days);
// Appends "YYYY-MM-DDThh:mm:ss" of seconds since the epoch (read as UTC).
void append_date_time(std::string& out, std::int64_t epoch_seconds);
// Appends "+hh:mm" (or "+hhmm" without `colon`) of an offset in seconds east of UTC.
void append_offset(std::string& out, int offset_seconds, bool colon);
// The instant as local time `offset_seconds` east of UTC with its offset:
// "2025-12-18T09:50:50+01:00", "Z" for offset 0, ".mmm" only when the milliseconds are not 0.
std::string format_iso8601(std::int64_t epoch_ms, int offset_seconds);

}  // namespace sluice::civil
