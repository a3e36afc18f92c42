#include "civil_time.hpp"

#include <doctest/doctest.h>

using namespace sluice::datagen;

TEST_CASE("civil dates convert to day numbers and back") {
    CHECK(days_from_civil(1970, 1, 1) == 0);
    CHECK(days_from_civil(2026, 1, 1) == 20454);
    CHECK(days_from_civil(2000, 3, 1) == 11017);
    CHECK(days_from_civil(1969, 12, 31) == -1);
    for (std::int64_t day = -1000; day < 3'000'000; day += 97) {
        const CivilDate date = civil_from_days(day);
        REQUIRE(days_from_civil(date.year, date.month, date.day) == day);
    }
    const CivilDate leap = civil_from_days(days_from_civil(2028, 2, 29));
    CHECK(leap.year == 2028);
    CHECK(leap.month == 2);
    CHECK(leap.day == 29);
    CHECK(civil_from_days(days_from_civil(2028, 2, 29) + 1).month == 3);
}

TEST_CASE("weekdays count from Monday") {
    CHECK(weekday_from_days(0) == 3);                            // 1970-01-01, a Thursday
    CHECK(weekday_from_days(days_from_civil(2026, 1, 1)) == 3);  // Thursday
    CHECK(weekday_from_days(days_from_civil(2026, 1, 3)) == 5);  // Saturday
    CHECK(weekday_from_days(days_from_civil(2026, 1, 4)) == 6);  // Sunday
    CHECK(weekday_from_days(days_from_civil(2026, 1, 5)) == 0);  // Monday
    CHECK(weekday_from_days(-1) == 2);                           // 1969-12-31, a Wednesday
}

TEST_CASE("day_of_ms floors") {
    CHECK(day_of_ms(0) == 0);
    CHECK(day_of_ms(ms_per_day - 1) == 0);
    CHECK(day_of_ms(ms_per_day) == 1);
    CHECK(day_of_ms(-1) == -1);
    CHECK(day_of_ms(-ms_per_day) == -1);
    CHECK(day_of_ms(-ms_per_day - 1) == -2);
}

TEST_CASE("parse_utc_seconds accepts exactly YYYY-MM-DDTHH:MM:SSZ") {
    CHECK(parse_utc_seconds("1970-01-01T00:00:00Z") == 0);
    CHECK(parse_utc_seconds("2026-01-01T00:00:00Z") == 1'767'225'600'000);
    CHECK(parse_utc_seconds("2026-11-22T08:00:00Z") == 1'795'334'400'000);
    CHECK(parse_utc_seconds("2028-02-29T23:59:59Z") == days_from_civil(2028, 2, 29) * ms_per_day + 86'399'000);
    CHECK(parse_utc_seconds("9999-12-31T23:59:59Z").has_value());
    CHECK(parse_utc_seconds("2000-02-29T00:00:00Z").has_value()); // divisible by 400: leap

    const char* rejected[] = {
        "",
        "2026-01-01",
        "2026-01-01T00:00:00",         // no zone
        "2026-01-01T00:00:00+00:00",   // offsets are not accepted, only Z
        "2026-01-01T00:00:00z",
        "2026-01-01 00:00:00Z",
        "2026-01-01T00:00:00.000Z",    // no fractions
        "2026-1-01T00:00:00Z",
        "2026-01-01T00:00:00ZZ",
        " 2026-01-01T00:00:00Z",
        "2026-00-01T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-01-00T00:00:00Z",
        "2026-01-32T00:00:00Z",
        "2026-02-29T00:00:00Z",        // 2026 is not a leap year
        "1900-02-29T00:00:00Z",        // divisible by 100 only: not leap (and before 1970)
        "2026-04-31T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T00:60:00Z",
        "2026-01-01T00:00:60Z",        // no leap seconds
        "1969-12-31T23:59:59Z",        // before the epoch
        "2026-01-01T0a:00:00Z",
        "+2026-01-01T00:00:00Z",
        "yesterday",
    };
    for (const char* text : rejected) {
        CAPTURE(text);
        CHECK_FALSE(parse_utc_seconds(text).has_value());
    }
}
