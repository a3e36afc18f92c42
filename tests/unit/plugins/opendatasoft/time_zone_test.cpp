// Time zones read from the TZ database and ISO 8601 timestamps, checked against glibc's
// own reading of the same zones (localtime_r with TZ set; this test is single-threaded).
#include "time_zone.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>

using namespace sluice::ods;

namespace {

std::int64_t utc(int y, unsigned mo, unsigned d, int h, int mi, int s = 0) {
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

// glibc's offset for a zone at a UTC instant.
long glibc_offset(const char* zone, std::int64_t t) {
    setenv("TZ", zone, 1);
    tzset();
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    return tm.tm_gmtoff;
}

}  // namespace

TEST_CASE("Europe/Paris offsets agree with glibc every hour from 2019 to 2026 and in 2040-2041 (POSIX rule past the table)") {
    const TimeZone paris = TimeZone::load("Europe/Paris");
    int mismatches = 0;
    for (std::int64_t t = utc(2019, 1, 1, 0, 0); t < utc(2027, 1, 1, 0, 0); t += 3600)
        mismatches += paris.offset_at(t) != glibc_offset("Europe/Paris", t);
    for (std::int64_t t = utc(2040, 1, 1, 0, 0); t < utc(2042, 1, 1, 0, 0); t += 1800)
        mismatches += paris.offset_at(t) != glibc_offset("Europe/Paris", t);
    CHECK(mismatches == 0);
    CHECK(paris.offset_at(utc(2025, 1, 15, 12, 0)) == 3600);
    CHECK(paris.offset_at(utc(2025, 7, 15, 12, 0)) == 7200);
}

TEST_CASE("Australia/Sydney (DST across the new year) and America/New_York agree with glibc") {
    for (const char* name : {"Australia/Sydney", "America/New_York"}) {
        const TimeZone z = TimeZone::load(name);
        int mismatches = 0;
        for (std::int64_t t = utc(2023, 1, 1, 0, 0); t < utc(2025, 1, 1, 0, 0); t += 3600)
            mismatches += z.offset_at(t) != glibc_offset(name, t);
        for (std::int64_t t = utc(2045, 1, 1, 0, 0); t < utc(2046, 1, 1, 0, 0); t += 3600)
            mismatches += z.offset_at(t) != glibc_offset(name, t);
        CHECK_MESSAGE(mismatches == 0, name);
    }
}

TEST_CASE("DST edges in Europe/Paris: the gap moves forward, the repeated hour takes its first occurrence") {
    const TimeZone paris = TimeZone::load("Europe/Paris");
    // 2025-03-30: 02:00 local jumps to 03:00 (01:00Z).
    CHECK(*parse_timestamp("2025-03-30T01:59:59", paris) == utc(2025, 3, 30, 0, 59, 59) * 1000);
    CHECK(*parse_timestamp("2025-03-30T02:30:00", paris) == utc(2025, 3, 30, 1, 30) * 1000);  // not a real time: 03:30 CEST
    CHECK(*parse_timestamp("2025-03-30T03:00:00", paris) == utc(2025, 3, 30, 1, 0) * 1000);
    // 2025-10-26: 03:00 local goes back to 02:00 (01:00Z); 02:30 happens twice.
    CHECK(*parse_timestamp("2025-10-26T02:30:00", paris) == utc(2025, 10, 26, 0, 30) * 1000);
    CHECK(*parse_timestamp("2025-10-26T03:00:00", paris) == utc(2025, 10, 26, 2, 0) * 1000);
    CHECK(*parse_timestamp("2025-10-26T01:59:00", paris) == utc(2025, 10, 25, 23, 59) * 1000);
    // An explicit offset wins over the zone.
    CHECK(*parse_timestamp("2025-10-26T02:30:00+01:00", paris) == utc(2025, 10, 26, 1, 30) * 1000);
}

TEST_CASE("timestamp spellings of the fixtures and their errors") {
    const TimeZone paris = TimeZone::load("Europe/Paris");
    const TimeZone z = TimeZone::utc();
    CHECK(*parse_timestamp("2025-12-18T08:50:50+00:00", z) == utc(2025, 12, 18, 8, 50, 50) * 1000);
    CHECK(*parse_timestamp("2025-11-04T17:24:00+01:00", z) == utc(2025, 11, 4, 16, 24) * 1000);
    CHECK(*parse_timestamp("2022-03-10T10:45:34.660+01:00", z) == utc(2022, 3, 10, 9, 45, 34) * 1000 + 660);
    CHECK(*parse_timestamp("2023-02-01T22:47:00Z", z) == utc(2023, 2, 1, 22, 47) * 1000);
    CHECK(*parse_timestamp("2023-02-01T22:47:00-0330", z) == utc(2023, 2, 2, 2, 17) * 1000);
    CHECK(*parse_timestamp("2023-02-01 22:47", z) == utc(2023, 2, 1, 22, 47) * 1000);
    CHECK(*parse_timestamp("2019-06-01", paris) == utc(2019, 5, 31, 22, 0) * 1000);
    // The 2017 WFS export's HEURE: local time, no zone.
    CHECK(*parse_timestamp("20171014031623", paris) == utc(2017, 10, 14, 1, 16, 23) * 1000);
    for (const char* bad : {"", "2025-13-01", "2025-02-29T00:00:00Z", "2025-12-18T25:00:00Z", "2025-12-18T08:50:50+0",
                            "18/12/2025", "2025-12-18T08:50:50 CET", "2025-12-18T08", "null"})
        CHECK_MESSAGE(!parse_timestamp(bad, z), bad);
    CHECK(format_utc(utc(2025, 12, 18, 8, 50, 50) * 1000) == "2025-12-18T08:50:50Z");
    CHECK(format_utc(utc(1969, 12, 31, 23, 59, 59) * 1000 + 5) == "1969-12-31T23:59:59.005Z");
}

TEST_CASE("unknown zones and broken files are refused with the name") {
    CHECK_THROWS_WITH_AS(TimeZone::load("Europe/Atlantis"), doctest::Contains("Europe/Atlantis"), TimeZoneError);
    CHECK_THROWS_AS(TimeZone::load("../etc/passwd"), TimeZoneError);
    CHECK_THROWS_WITH_AS(TimeZone::from_tzif("X", "not a tzif file at all, really not one........."),
                         doctest::Contains("not a TZif"), TimeZoneError);
    CHECK_THROWS_WITH_AS(PosixRule::parse("CET-1CEST,M13.5.0,M10.5.0/3"), doctest::Contains("Mm.w.d"), TimeZoneError);
    const PosixRule r = PosixRule::parse("<+0330>-3:30");
    CHECK(r.std_offset_s == 3 * 3600 + 1800);
    CHECK(!r.dst_offset_s);
}
