// Time zones read from the TZ database, checked against glibc's own reading of the same
// zones and rules (localtime_r with TZ set; this test is single-threaded).
#include <sluice/civil_time.hpp>
#include <sluice/time_zone.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iterator>

using namespace sluice::tz;
using sluice::civil::days_from_civil;

namespace {

std::int64_t utc(int y, unsigned mo, unsigned d, int h, int mi, int s = 0) {
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

// glibc's offset for a zone (a name or a POSIX TZ string) at a UTC instant.
long glibc_offset(const char* zone, std::int64_t t) {
    setenv("TZ", zone, 1);
    tzset();
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    return tm.tm_gmtoff;
}

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
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

TEST_CASE("local_to_utc around every DST edge: a repeated time takes its first occurrence, a gap time the offset before") {
    // For every quarter hour, glibc gives the wall time of a UTC instant; reading that wall
    // time back must give the first instant that shows it. Wall times that glibc never
    // shows (the gaps) must be read with the offset in force before the change.
    for (const char* name : {"Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata"}) {
        CAPTURE(name);
        const TimeZone z = TimeZone::load(name);
        int wrong_first = 0, wrong_gap = 0, gaps = 0, overlaps = 0;
        const std::int64_t step = 900;
        long prev_offset = glibc_offset(name, utc(2024, 1, 1, 0, 0) - step);
        for (std::int64_t t = utc(2024, 1, 1, 0, 0); t < utc(2026, 1, 1, 0, 0); t += step) {
            const long offset = glibc_offset(name, t);
            const std::int64_t wall = t + offset;
            // The first instant showing `wall`: an earlier one exists only after the clocks went back.
            std::int64_t first = t;
            if (offset < prev_offset && glibc_offset(name, wall - prev_offset) == prev_offset) first = wall - prev_offset;
            for (std::int64_t back = t - step; back > t - 2 * 3600; back -= step)
                if (back + glibc_offset(name, back) == wall) first = back, ++overlaps;
            wrong_first += z.local_to_utc(wall) != first;
            if (offset > prev_offset) {  // clocks went forward at t: wall times [t+prev, t+offset) never happen
                ++gaps;
                for (std::int64_t missing = t + prev_offset; missing < wall; missing += 60)
                    wrong_gap += z.local_to_utc(missing) != missing - prev_offset;
            }
            prev_offset = offset;
        }
        CHECK(wrong_first == 0);
        CHECK(wrong_gap == 0);
        if (std::string(name) != "Asia/Kolkata") {
            CHECK(gaps == 2);
            CHECK(overlaps > 0);
        }
    }
}

TEST_CASE("POSIX rules in all three date forms agree with glibc reading the same TZ string") {
    for (const char* rule : {"CET-1CEST,M3.5.0,M10.5.0/3", "EST5EDT", "AAA3BBB,J60/2,J300/2", "XXX-10YYY-11,59/3,299/-1",
                             "<+0330>-3:30", "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", "NZST-12NZDT,M9.5.0,M4.1.0/3"}) {
        CAPTURE(rule);
        const PosixRule parsed = PosixRule::parse(rule);
        int mismatches = 0;
        for (std::int64_t t = utc(2031, 12, 20, 0, 0); t < utc(2034, 1, 10, 0, 0); t += 1800)
            mismatches += parsed.offset_at(t) != glibc_offset(rule, t);
        CHECK(mismatches == 0);
    }
}

TEST_CASE("unknown zones and broken files are refused with the name") {
    CHECK_THROWS_WITH_AS(TimeZone::load("Europe/Atlantis"), doctest::Contains("Europe/Atlantis"), TimeZoneError);
    CHECK_THROWS_AS(TimeZone::load("../etc/passwd"), TimeZoneError);
    CHECK_THROWS_AS(TimeZone::load("/etc/passwd"), TimeZoneError);
    CHECK_THROWS_WITH_AS(TimeZone::from_tzif("X", "not a tzif file at all, really not one........."),
                         doctest::Contains("not a TZif"), TimeZoneError);
    CHECK_THROWS_WITH_AS(PosixRule::parse("CET-1CEST,M13.5.0,M10.5.0/3"), doctest::Contains("Mm.w.d"), TimeZoneError);
    CHECK_THROWS_WITH_AS(PosixRule::parse("CET-1CEST,M3.5.0"), doctest::Contains("expected ','"), TimeZoneError);
    CHECK_THROWS_WITH_AS(PosixRule::parse("<+03"), doctest::Contains("'<' without '>'"), TimeZoneError);
    const PosixRule r = PosixRule::parse("<+0330>-3:30");
    CHECK(r.std_offset_s == 3 * 3600 + 1800);
    CHECK(!r.dst_offset_s);
    // A real zone file cut short anywhere is refused, never read half.
    const std::string paris = file_bytes("/usr/share/zoneinfo/Europe/Paris");
    REQUIRE(paris.size() > 100);
    for (std::size_t cut : {std::size_t{44}, std::size_t{60}, paris.size() / 2, paris.size() - 60})
        CHECK_THROWS_WITH_AS(TimeZone::from_tzif("Europe/Paris", std::string_view(paris).substr(0, cut)),
                             doctest::Contains("Europe/Paris"), TimeZoneError);
    CHECK(TimeZone::from_tzif("Europe/Paris", paris).offset_at(utc(2025, 7, 1, 0, 0)) == 7200);
}

TEST_CASE("UTC needs no file, and zones load from another directory ($TZDIR)") {
    CHECK(TimeZone::load("UTC", "/nonexistent").offset_at(utc(2025, 7, 1, 0, 0)) == 0);
    CHECK(TimeZone::load("Etc/UTC", "/nonexistent").local_to_utc(1234) == 1234);
    CHECK_THROWS_WITH_AS(TimeZone::load("Europe/Paris", "/nonexistent"), doctest::Contains("/nonexistent/Europe/Paris"),
                         TimeZoneError);
    setenv("TZDIR", "/usr/share/zoneinfo/right/..", 1);
    CHECK(zoneinfo_dir_from_environment() == "/usr/share/zoneinfo/right/..");
    unsetenv("TZDIR");
    CHECK(zoneinfo_dir_from_environment() == "/usr/share/zoneinfo");
    CHECK(TimeZone::load("Asia/Kolkata", zoneinfo_dir_from_environment()).offset_at(0) == 19800);
}
