// Instants as milliseconds since the Unix epoch (java.util.Date's resolution, which is what
// Kafka Connect's TimestampConverter works in), time zones (UTC, fixed offsets, IANA names
// read from the system's TZif files), ISO 8601 and a subset of java.text.SimpleDateFormat
// patterns. Calendar arithmetic and the TZif reader are the shared sluice_civil_time library.
#pragma once

#include <sluice/civil_time.hpp>
#include <sluice/time_zone.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::transforms {

using civil::floor_div;

class TimeZone {
public:
    TimeZone() = default;  // UTC
    // "UTC", "Z", "+01:00", "-0530", or an IANA name ("Europe/Paris") looked up in $TZDIR or
    // /usr/share/zoneinfo. Throws std::runtime_error naming the zone when it is unknown.
    static TimeZone parse(std::string_view spec);

    // Offset from UTC in seconds at an instant (UTC seconds).
    int offset_at(std::int64_t utc_seconds) const;
    // Offset for a local wall time (seconds since the epoch as if local were UTC). In a gap
    // or an overlap the offset in force before the change is used (java.util.Calendar's
    // lenient behaviour for the overlap; a gap time moves forward).
    int offset_for_local(std::int64_t local_seconds) const;
    bool is_utc() const { return rules_ == nullptr && fixed_ == 0; }
    const std::string& name() const { return name_; }

private:
    std::string name_ = "UTC";
    int fixed_ = 0;
    std::shared_ptr<const tz::TimeZone> rules_;  // IANA rules, shared by the copies
};

// A compiled SimpleDateFormat pattern. Supported letters: y (yyyy, yy), M (M, MM), d (d, dd),
// H, h, a, m, s, S (fraction: SSS = milliseconds), X/XX/XXX and Z (zone offset, 'Z' for UTC
// with X), E is not supported; text in single quotes is literal, '' is a quote. Anything
// else is refused when compiling.
class DatePattern {
public:
    static DatePattern compile(std::string_view pattern);  // throws std::runtime_error
    std::string format(std::int64_t epoch_ms, const TimeZone& zone) const;
    // The instant, or nullopt when the text does not match the pattern in full. Without an
    // offset field in the pattern the wall time is read in `zone`.
    std::optional<std::int64_t> parse(std::string_view text, const TimeZone& zone) const;
    const std::string& text() const { return pattern_; }

private:
    struct Token {
        char letter = 0;  // 0: literal
        int width = 0;
        std::string literal;
    };
    std::string pattern_;
    std::vector<Token> tokens_;
    bool has_offset_ = false;
};

// ISO 8601: YYYY-MM-DD[(T| )hh:mm[:ss[.f...]]][Z|±hh[:mm]|±hhmm]. Without an offset the wall
// time is read in `zone`. Fractions beyond milliseconds are truncated.
std::optional<std::int64_t> parse_iso8601(std::string_view text, const TimeZone& zone);
// 2025-12-18T08:50:50Z in UTC, 2025-12-18T09:50:50+01:00 elsewhere; ".123" only when the
// milliseconds are not zero.
std::string format_iso8601(std::int64_t epoch_ms, const TimeZone& zone);

}  // namespace sluice::transforms
