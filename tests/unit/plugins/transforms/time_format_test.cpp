// Time arithmetic behind timestamp_converter and timestamp_router: ISO 8601, SimpleDateFormat
// patterns, fixed offsets and IANA zones (read from the system's TZif files) across DST.
#include "time_format.hpp"

#include <doctest/doctest.h>

using namespace sluice::transforms;

TEST_CASE("time: ISO 8601 instants as the fixtures write them") {
    TimeZone utc;
    TimeZone paris = TimeZone::parse("Europe/Paris");
    struct Case {
        const char* text;
        const TimeZone* zone;
        std::int64_t ms;
    } cases[] = {
        {"2025-12-18T08:50:50+00:00", &utc, 1766047850000},     // Bordeaux mdate
        {"2025-11-04T17:24:00+01:00", &utc, 1762273440000},     // Rennes datetime
        {"2023-02-01T23:00:00+00:00", &utc, 1675292400000},     // Paris t_1h
        {"2022-03-10T10:40:00+01:00", &paris, 1646905200000},   // explicit offset wins over the zone
        {"2025-12-18T09:50:50", &paris, 1766047850000},         // CET wall time
        {"2025-07-01T12:00:00", &paris, 1751364000000},         // CEST wall time
        {"2025-07-01", &utc, 1751328000000},
        {"2025-12-18T08:50:50.123Z", &utc, 1766047850123},
        {"2025-12-18 08:50:50Z", &utc, 1766047850000},
        {"1969-12-31T23:59:59Z", &utc, -1000},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        auto t = parse_iso8601(c.text, *c.zone);
        REQUIRE(t);
        CHECK(*t == c.ms);
    }
    for (const char* bad : {"2025-13-01", "2025-02-30T00:00:00Z", "2025-12-18T25:00:00Z", "2025-12-18T08:50:50+0", "yesterday",
                            "2025-12-18T08:50:50 garbage", ""}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_iso8601(bad, utc));
    }
}

TEST_CASE("time: Europe/Paris offsets across both DST changes of 2025") {
    TimeZone paris = TimeZone::parse("Europe/Paris");
    CHECK(paris.offset_at(1743296400 - 1) == 3600);  // 2025-03-30T01:00:00Z: CET -> CEST
    CHECK(paris.offset_at(1743296400) == 7200);
    CHECK(paris.offset_at(1761440400 - 1) == 7200);  // 2025-10-26T01:00:00Z: CEST -> CET
    CHECK(paris.offset_at(1761440400) == 3600);
    CHECK(paris.offset_at(2524608000) == 3600);      // 2050-01-01: from the POSIX footer rule
    CHECK(paris.offset_at(2539296000) == 7200);      // 2050-06-20
    CHECK(format_iso8601(1751364000000, paris) == "2025-07-01T12:00:00+02:00");
    CHECK(format_iso8601(1766047850000, paris) == "2025-12-18T09:50:50+01:00");
    CHECK(format_iso8601(1766047850000, TimeZone()) == "2025-12-18T08:50:50Z");
    CHECK(format_iso8601(1766047850042, TimeZone::parse("-05:30")) == "2025-12-18T03:20:50.042-05:30");
    // A wall time in the autumn overlap reads as the first (summer) instant.
    CHECK(*parse_iso8601("2025-10-26T02:30:00", paris) == 1761438600000);
}

TEST_CASE("time: unknown zones are refused by name") {
    CHECK_THROWS_WITH_AS(TimeZone::parse("Mars/Olympus_Mons"), doctest::Contains("unknown time zone 'Mars/Olympus_Mons'"),
                         std::runtime_error);
    CHECK_THROWS_AS(TimeZone::parse("../etc/passwd"), std::runtime_error);
}

TEST_CASE("time: SimpleDateFormat patterns format and parse") {
    TimeZone utc;
    struct Case {
        const char* pattern;
        std::int64_t ms;
        const char* text;
    } cases[] = {
        {"yyyyMMdd", 1766016000000, "20251218"},
        {"yyyyMMddHHmmss", 1508037383000, "20171015031623"},   // legacy WFS HEURE column shape
        {"yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 1766047850123, "2025-12-18T08:50:50.123Z"},
        {"dd/MM/yyyy HH:mm", 1766047800000, "18/12/2025 08:50"},
        {"yyyy-MM-dd hh:mm a", 1766047800000, "2025-12-18 08:50 AM"},
        {"'day' D", 0, nullptr},
    };
    for (const auto& c : cases) {
        CAPTURE(c.pattern);
        if (c.text == nullptr) {
            CHECK_THROWS_WITH_AS(DatePattern::compile(c.pattern), doctest::Contains("unsupported letter 'D'"), std::runtime_error);
            continue;
        }
        DatePattern p = DatePattern::compile(c.pattern);
        CHECK(p.format(c.ms, utc) == c.text);
        auto back = p.parse(c.text, utc);
        REQUIRE(back);
        CHECK(*back == c.ms);
    }
    DatePattern p = DatePattern::compile("yyyyMMddHHmmss");
    CHECK(*p.parse("20171014031623", TimeZone::parse("Europe/Paris")) == 1507943783000);  // local time, CEST
    CHECK_FALSE(p.parse("201710140316", utc));
    CHECK_FALSE(p.parse("2017-10-14", utc));
    CHECK_THROWS_AS(DatePattern::compile("yyyy'T"), std::runtime_error);
}
