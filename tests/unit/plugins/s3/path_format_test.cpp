#include "path_format.hpp"

#include <doctest/doctest.h>

using sluice::s3::PathFormat;

TEST_CASE("path.format: Hive-style hourly folders of the record time, in a time zone") {
    const auto utc = PathFormat::parse("topics/{topic}/year={yyyy}/month={MM}/day={dd}/hour={HH}", "UTC");
    CHECK(utc.render("rennes.traffic", 2, 1762276800000) == "topics/rennes.traffic/year=2025/month=11/day=04/hour=17");
    const auto paris = PathFormat::parse("/{topic}/{yyyy}-{MM}-{dd}/{HH}{mm}/p{partition}/", "Europe/Paris");
    CHECK(paris.render("t", 7, 1762276800000) == "t/2025-11-04/1820/p7");  // 17:20 UTC is 18:20 in November
    CHECK(paris.render("t", 7, 1751371200000) == "t/2025-07-01/1400/p7");  // UTC+2 in summer
    CHECK(paris.uses_time());
    CHECK(!PathFormat::parse("data/{topic}/{partition}", "UTC").uses_time());
}

TEST_CASE("path.format: the static prefix a listing starts from is a whole folder") {
    CHECK(PathFormat::parse("topics/{topic}/year={yyyy}/month={MM}", "UTC").static_prefix("t", 0) == "topics/t/");
    CHECK(PathFormat::parse("{topic}-{partition}/y{yyyy}", "UTC").static_prefix("t", 3) == "t-3/");
    CHECK(PathFormat::parse("{yyyy}/{topic}", "UTC").static_prefix("t", 0) == "");
    CHECK(PathFormat::parse("lake/{topic}", "UTC").static_prefix("t", 0) == "lake/t/");
}

TEST_CASE("path.format: errors name the placeholder or the zone") {
    CHECK_THROWS_WITH(PathFormat::parse("x/{year}", "UTC"),
                      doctest::Contains("unknown placeholder {year}; use {topic} {partition} {yyyy} {MM} {dd} {HH} {mm}"));
    CHECK_THROWS_WITH(PathFormat::parse("x/{topic", "UTC"), doctest::Contains("'{' without '}'"));
    CHECK_THROWS_WITH(PathFormat::parse("x/{topic}", "Mars/Olympus"), doctest::Contains("timezone"));
}

TEST_CASE("rotate.schedule.interval.ms boundaries are multiples of the interval in local time") {
    const auto utc = PathFormat::parse("{topic}", "UTC");
    CHECK(utc.next_boundary(1762276800000 + 1234, 3600000) == 1762279200000);  // 17:20:01 -> 18:00
    const auto paris = PathFormat::parse("{topic}", "Europe/Paris");
    // Daily objects close at local midnight: 23:00 UTC in November.
    CHECK(paris.next_boundary(1762276800000, 86400000) == 1762297200000);
}
