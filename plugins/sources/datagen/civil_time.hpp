// Calendar arithmetic for the proleptic Gregorian calendar in UTC, without <ctime>: the
// generator needs dates far outside what time_t/gmtime guarantee and must stay cheap. The
// arithmetic is the shared sluice_civil_time library; this header names what the generator uses.
#pragma once

#include <sluice/civil_time.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::datagen {

inline constexpr std::int64_t ms_per_day = 86'400'000;

// Days since 1970-01-01 (negative before it), and back.
using civil::CivilDate;
using civil::civil_from_days;
using civil::days_from_civil;

// 0 = Monday .. 6 = Sunday.
using civil::weekday_from_days;

// floor(ms / ms_per_day), also for negative ms.
std::int64_t day_of_ms(std::int64_t epoch_ms);

// Parses exactly "YYYY-MM-DDTHH:MM:SSZ" (UTC, years 1970..9999, every field checked).
// Returns milliseconds since the Unix epoch, or nullopt for anything else.
std::optional<std::int64_t> parse_utc_seconds(std::string_view text);

}  // namespace sluice::datagen
