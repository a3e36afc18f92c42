// Calendar arithmetic and ISO 8601 pieces of sluice_civil_time, checked against glibc's
// gmtime_r where it is the independent reference, and over a range far wider than time_t's
// usual use.
#include <sluice/civil_time.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <ctime>

using namespace sluice::civil;

TEST_CASE("days and civil dates round-trip over ±1.5 million years, one day after another") {
    CHECK(days_from_civil(1970, 1, 1) == 0);
    CHECK(days_from_civil(1969, 12, 31) == -1);
    CHECK(days_from_civil(2000, 3, 1) == 11017);
    CHECK(days_from_civil(2026, 1, 1) == 20454);
    for (std::int64_t day = -550'000'000; day < 550'000'000; day += 9973) {
        const CivilDate d = civil_from_days(day);
        REQUIRE(days_from_civil(d.year, d.month, d.day) == day);
        REQUIRE(d.month >= 1);
        REQUIRE(d.month <= 12);
        REQUIRE(d.day >= 1);
        REQUIRE(d.day <= days_in_month(d.year, d.month));
    }
    // Every day of 800 years around the epoch (two Gregorian cycles): the next day is the
    // next date of the calendar.
    CivilDate prev = civil_from_days(-146097);
    CHECK(prev.year == 1570);
    for (std::int64_t day = -146096; day <= 146097; ++day) {
        const CivilDate d = civil_from_days(day);
        const bool next_day = d.year == prev.year && d.month == prev.month && d.day == prev.day + 1;
        const bool next_month = d.year == prev.year && d.month == prev.month + 1 && d.day == 1 &&
                                prev.day == days_in_month(prev.year, prev.month);
        const bool next_year = d.year == prev.year + 1 && d.month == 1 && d.day == 1 && prev.month == 12 && prev.day == 31;
        REQUIRE((next_day || next_month || next_year));
        prev = d;
    }
    CHECK(is_leap_year(2000));
    CHECK(!is_leap_year(1900));
    CHECK(is_leap_year(-4));
    CHECK(days_in_month(2028, 2) == 29);
}

TEST_CASE("dates, weekdays and instants agree with gmtime_r from year 1 to 9999") {
    for (std::int64_t s = days_from_civil(1, 1, 1) * seconds_per_day; s < days_from_civil(10000, 1, 1) * seconds_per_day;
         s += 86400 * 97 + 3607) {
        const std::time_t t = static_cast<std::time_t>(s);
        std::tm tm{};
        REQUIRE(gmtime_r(&t, &tm) != nullptr);
        const CivilTime c = civil_from_ms(s * 1000 + 250);
        REQUIRE(c.date.year == tm.tm_year + 1900);
        REQUIRE(c.date.month == static_cast<unsigned>(tm.tm_mon + 1));
        REQUIRE(c.date.day == static_cast<unsigned>(tm.tm_mday));
        REQUIRE(c.hour == tm.tm_hour);
        REQUIRE(c.minute == tm.tm_min);
        REQUIRE(c.second == tm.tm_sec);
        REQUIRE(c.millis == 250);
        REQUIRE(weekday_from_days(floor_div(s, seconds_per_day)) == static_cast<unsigned>((tm.tm_wday + 6) % 7));
        char buf[40];  // (strftime's %Y does not pad years before 1000)
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                      tm.tm_hour, tm.tm_min, tm.tm_sec);
        std::string text;
        append_date_time(text, s);
        REQUIRE(text == buf);
        REQUIRE(parse_wall_time(text) == s);
        REQUIRE(parse_utc_seconds(text + "Z") == s);
        REQUIRE(parse_date(text.substr(0, 10)) == floor_div(s, seconds_per_day));
    }
}

TEST_CASE("floor division and ISO 8601 formatting with offsets") {
    CHECK(floor_div(-1, 1000) == -1);
    CHECK(floor_div(-1000, 1000) == -1);
    CHECK(floor_div(-1001, 1000) == -2);
    CHECK(floor_div(999, 1000) == 0);
    CHECK(floor_div(5, -2) == -3);
    CHECK(format_iso8601(1766047850000, 0) == "2025-12-18T08:50:50Z");
    CHECK(format_iso8601(1766047850000, 3600) == "2025-12-18T09:50:50+01:00");
    CHECK(format_iso8601(1766047850042, -19800) == "2025-12-18T03:20:50.042-05:30");
    CHECK(format_iso8601(-995, 0) == "1969-12-31T23:59:59.005Z");
    CHECK(format_date(-1) == "1969-12-31");
    CHECK(format_date(days_from_civil(12345, 6, 7)) == "12345-06-07");
    std::string out;
    append_offset(out, -(9 * 3600 + 30 * 60), false);
    CHECK(out == "-0930");
    out.clear();
    append_padded(out, -7, 4);
    CHECK(out == "-0007");
}

TEST_CASE("ISO 8601 fields: what is read, where reading stops, and what is refused") {
    auto f = read_iso_fields("2022-03-10T10:45:34.6609+01:00", "T ");
    REQUIRE(f);
    CHECK(f->year == 2022);
    CHECK(f->month == 3);
    CHECK(f->day == 10);
    CHECK(f->hour == 10);
    CHECK(f->minute == 45);
    CHECK(f->second == 34);
    CHECK(f->millis == 660);  // truncated, not rounded
    CHECK(f->end == 24);
    f = read_iso_fields("2023-02-01 22:47", "T ");
    REQUIRE(f);
    CHECK(f->end == 16);
    CHECK(f->second == 0);
    f = read_iso_fields("2023-02-01t22:47", "T ");  // 't' is not one of the separators: date only
    REQUIRE(f);
    CHECK(f->end == 10);
    CHECK(read_iso_fields("2023-02-01t22:47", "Tt ")->end == 16);
    // Ranges are the caller's business (24:00, leap seconds), so they come back as written.
    CHECK(read_iso_fields("2025-13-45T24:61:60", "T")->hour == 24);
    for (const char* bad : {"", "2025", "2025-12", "2025/12/18", "2025-12-1", "2025-12-18T08", "2025-12-18T08:5",
                            "2025-12-18T08:50:5", "2025-12-18T08:50:50.", "2025-12-18T08:50:50,Z", "x025-12-18"}) {
        CAPTURE(bad);
        CHECK_FALSE(read_iso_fields(bad, "T "));
    }
    for (const char* bad : {"2025-02-29", "2025-13-01", "2025-00-10", "2025-04-31", "2025-1-01", "2025-01-01 "})
        CHECK_MESSAGE(!parse_date(bad), bad);
    for (const char* bad : {"2026-06-18T24:00", "2026-06-18 00:00", "2026-06-18T00:00Z", "2026-06-18T00:60",
                            "2026-06-18T00:00:60", "2026-06-18T00:00.00"})
        CHECK_MESSAGE(!parse_wall_time(bad), bad);
    for (const char* bad : {"2026-06-18T00:00:00", "2026-06-18T00:00:00z", "2026-06-18T00:00Z", "2026-06-18T00:00:00+00:00"})
        CHECK_MESSAGE(!parse_utc_seconds(bad), bad);
    CHECK_FALSE(read_digits("12", 1, 2));
    CHECK_FALSE(read_digits("12", 3, 1));
    CHECK(read_digits("x123", 1, 3) == 123u);
}
