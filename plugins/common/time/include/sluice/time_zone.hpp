// Time zones from the system's TZ database (TZif files, RFC 8536). libstdc++ 12 has no
// std::chrono::locate_zone, and switching the process-wide TZ for localtime_r would race
// with other tasks, so the file is read here: its transition table, then the POSIX TZ rule
// in its footer for instants past the table.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::tz {

class TimeZoneError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A POSIX TZ rule such as "CET-1CEST,M3.5.0,M10.5.0/3" (the footer of a TZif v2+ file).
struct PosixRule {
    struct Boundary {
        enum class Kind { month_week_day, julian_no_leap, julian_zero } kind = Kind::month_week_day;
        int month = 0, week = 0, weekday = 0, day = 0;
        std::int64_t time_s = 7200;  // local time of day the change happens (default 02:00)
    };
    int std_offset_s = 0;  // seconds east of UTC
    std::optional<int> dst_offset_s;
    Boundary dst_start, dst_end;

    static PosixRule parse(std::string_view text);  // throws TimeZoneError naming the character
    int offset_at(std::int64_t utc_s) const;
};

// $TZDIR when set (as glibc reads it), else /usr/share/zoneinfo.
std::string zoneinfo_dir_from_environment();

class TimeZone {
public:
    static TimeZone utc();
    // Loads a zone by IANA name ("Europe/Paris") from `zoneinfo_dir`. "UTC", "Etc/UTC" and
    // "Z" need no file. Throws TimeZoneError naming the zone (and the file) for an unknown
    // name, a path-like name, or a file that is not TZif.
    static TimeZone load(const std::string& name, const std::string& zoneinfo_dir = "/usr/share/zoneinfo");
    // Reads a zone from the bytes of a TZif file.
    static TimeZone from_tzif(const std::string& name, std::string_view bytes);

    const std::string& name() const { return name_; }
    // Seconds east of UTC in force at a UTC instant.
    int offset_at(std::int64_t utc_s) const;
    // The UTC instant of a local wall-clock time (seconds since the epoch as if local were
    // UTC). Ambiguous times (the repeated hour when clocks go back) resolve to the first
    // occurrence; times in a gap (clocks go forward) are read with the offset before the
    // gap, i.e. moved forward by the gap's length, as java.time and Python's zoneinfo do.
    std::int64_t local_to_utc(std::int64_t local_s) const;

private:
    std::string name_;
    std::vector<std::int64_t> transitions_;  // UTC seconds, ascending
    std::vector<int> offsets_after_;         // offset in force from transitions_[i]
    int initial_offset_ = 0;                 // before the first transition (time type 0)
    std::optional<PosixRule> rule_;          // after the last transition
};

// An ISO 8601 date-time as epoch milliseconds: "2025-03-01T10:00:00Z", with an offset
// ("+01:00", "+0100", "+01"), or without one (then read in `zone`); 'T' or ' ' between date
// and time. nullopt for anything else or an invalid field.
std::optional<std::int64_t> parse_instant_ms(std::string_view text, const TimeZone& zone);

}  // namespace sluice::tz
