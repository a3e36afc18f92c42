// Calendar arithmetic for the proleptic Gregorian calendar in UTC, without <ctime>: the
// generator needs dates far outside what time_t/gmtime guarantee and must stay cheap.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::datagen {

inline constexpr std::int64_t ms_per_day = 86'400'000;

struct CivilDate {
    std::int64_t year = 1970;
    unsigned month = 1; // 1..12
    unsigned day = 1;   // 1..31
};

// Days since 1970-01-01 (negative before it).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);
CivilDate civil_from_days(std::int64_t days);

// 0 = Monday .. 6 = Sunday.
unsigned weekday_from_days(std::int64_t days);

// floor(ms / ms_per_day), also for negative ms.
std::int64_t day_of_ms(std::int64_t epoch_ms);

// Parses exactly "YYYY-MM-DDTHH:MM:SSZ" (UTC, years 1970..9999, every field checked).
// Returns milliseconds since the Unix epoch, or nullopt for anything else.
std::optional<std::int64_t> parse_utc_seconds(std::string_view text);

}  // namespace sluice::datagen
