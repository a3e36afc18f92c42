#include "civil_time.hpp"

#include <doctest/doctest.h>

#include <ctime>

using namespace sluice::weather;

TEST_CASE("civil time: wall times, dates and ISO text agree with the C library") {
    // timegm is the independent reference for every hour of two years around a leap day.
    for (std::int64_t s = 1672531200; s < 1735689600; s += 3600 * 7) {
        const std::time_t t = static_cast<std::time_t>(s);
        std::tm tm{};
        gmtime_r(&t, &tm);
        char buf[32];
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
        REQUIRE(format_utc(s) == buf);
        REQUIRE(parse_utc(buf) == s);
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M", &tm);
        REQUIRE(parse_wall_time(buf) == s);
        std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
        REQUIRE(format_date(day_of_seconds(s)) == buf);
        REQUIRE(parse_date(buf) == day_of_seconds(s));
    }
}

TEST_CASE("civil time: local times carry their offset") {
    const auto cairo_midnight = *parse_wall_time("2026-06-18T00:00") - 10800;
    CHECK(format_utc(cairo_midnight) == "2026-06-17T21:00:00Z");
    CHECK(format_local(cairo_midnight, 10800) == "2026-06-18T00:00:00+03:00");
    CHECK(format_local(cairo_midnight, -12600) == "2026-06-17T17:30:00-03:30");
    CHECK(format_local(cairo_midnight, 0) == "2026-06-17T21:00:00+00:00");
    CHECK(format_utc_ms(1685094601123) == "2023-05-26T09:50:01.123Z");
    CHECK(parse_utc_ms("2023-05-26T09:50:01.123Z") == 1685094601123);
    CHECK(day_of_seconds(-1) == -1);
    CHECK(format_utc(-1) == "1969-12-31T23:59:59Z");
}

TEST_CASE("civil time: malformed text is refused, not guessed") {
    CHECK_FALSE(parse_date("2025-02-29"));
    CHECK(parse_date("2024-02-29"));
    CHECK_FALSE(parse_date("2025-13-01"));
    CHECK_FALSE(parse_date("2025-1-01"));
    CHECK_FALSE(parse_wall_time("2026-06-18T24:00"));
    CHECK_FALSE(parse_wall_time("2026-06-18 00:00"));
    CHECK_FALSE(parse_wall_time("2026-06-18T00:00Z"));
    CHECK(parse_wall_time("2026-06-18T00:00:30") == *parse_wall_time("2026-06-18T00:00") + 30);
    CHECK_FALSE(parse_utc("2026-06-18T00:00:00"));
    CHECK_FALSE(parse_utc_ms("2026-06-18T00:00:00.12Z"));
}
