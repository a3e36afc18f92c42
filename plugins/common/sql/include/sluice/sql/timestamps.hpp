// Timestamps between JSON records and SQL columns, to the microsecond (both databases keep
// microseconds; ISO 8601 text from records may carry any fraction and any UTC offset).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::sql {

struct Instant {
    std::int64_t micros = 0;  // since 1970-01-01T00:00:00 UTC (or of the wall time, see below)
    bool has_offset = false;  // false: the text had no Z/offset; micros is the wall time read as UTC
};

// "YYYY-MM-DD(T| )hh:mm[:ss[.f...]][Z|+hh|+hh:mm|+hhmm]" (also '-' offsets, 'z'); fractions
// beyond microseconds are truncated. nullopt when the text is not that (or a field is out
// of range: month 13, hour 24, second 60).
std::optional<Instant> parse_timestamp(std::string_view text);

// "YYYY-MM-DD hh:mm:ss[.ffffff]" (the fraction only when not zero, trailing zeros kept to
// microseconds): what a timestamp / DATETIME column takes as UTC wall time.
std::string format_wall_time(std::int64_t micros);

// "YYYY-MM-DDThh:mm:ss[.fff...]Z" from epoch milliseconds (the fraction when not zero).
std::string format_iso_utc_ms(std::int64_t epoch_ms);

// A timestamp as a database prints it in a UTC session ("2024-05-01 10:00:00.5+00",
// "2024-05-01 10:00:00", "2024-05-01T10:00:00Z") -> ISO 8601 in UTC with "Z", the fraction
// kept digit for digit ("2024-05-01T10:00:00.5Z"). Text it cannot read ("infinity", a
// zero date) comes back unchanged.
std::string iso_from_database(std::string_view text);

// ISO 8601 (as iso_from_database writes it, or any offset) -> "YYYY-MM-DD hh:mm:ss[.f]" in
// UTC, the form MariaDB reads in a DATETIME literal. nullopt when unreadable.
std::optional<std::string> wall_time_from_iso(std::string_view iso);

// Epoch milliseconds of an ISO 8601 text (nullopt when unreadable).
std::optional<std::int64_t> epoch_ms_of(std::string_view iso);

}  // namespace sluice::sql
