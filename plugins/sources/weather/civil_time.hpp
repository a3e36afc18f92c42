// Calendar arithmetic and ISO 8601 text for the weather source: Open-Meteo speaks local wall
// times without an offset ("2026-06-18T00:00") or Unix seconds, dates as "YYYY-MM-DD", and
// records carry both the UTC instant and the local time with its offset. The arithmetic and
// the strict readers are the shared sluice_civil_time library; this header names what the
// plugin uses.
#pragma once

#include <sluice/civil_time.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::weather {

// Days since 1970-01-01 (negative before it), proleptic Gregorian calendar, and back.
using civil::CivilDate;
using civil::civil_from_days;
using civil::days_from_civil;

// floor(seconds / 86400), also for negative seconds.
std::int64_t day_of_seconds(std::int64_t epoch_seconds);

// "YYYY-MM-DD" -> days since the epoch; nullopt unless every field is valid.
using civil::parse_date;
// days since the epoch -> "YYYY-MM-DD".
using civil::format_date;

// A wall-clock time "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" (no offset) read as if it
// were UTC: seconds since the epoch of that wall time. Subtract the zone's offset for the
// instant. nullopt unless every field is valid.
using civil::parse_wall_time;

// "YYYY-MM-DDTHH:MM:SSZ" -> seconds since the epoch (what format_utc writes).
std::optional<std::int64_t> parse_utc(std::string_view text);
// "YYYY-MM-DDTHH:MM:SS.mmmZ" -> milliseconds since the epoch (what format_utc_ms writes).
std::optional<std::int64_t> parse_utc_ms(std::string_view text);

// Seconds since the epoch -> "2026-06-17T21:00:00Z".
std::string format_utc(std::int64_t epoch_seconds);
// Milliseconds since the epoch -> "2026-06-17T21:00:00.123Z".
std::string format_utc_ms(std::int64_t epoch_ms);
// The local wall time of an instant in a zone `offset_seconds` east of UTC, with that offset:
// "2026-06-18T00:00:00+03:00" (offset 0 gives "+00:00").
std::string format_local(std::int64_t epoch_seconds, std::int64_t offset_seconds);

}  // namespace sluice::weather
