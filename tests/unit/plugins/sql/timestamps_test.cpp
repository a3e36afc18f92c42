#include <sluice/sql/timestamps.hpp>

#include <doctest/doctest.h>

using namespace sluice::sql;

TEST_CASE("ISO 8601 timestamps, to the microsecond, offsets applied") {
    auto t = parse_timestamp("2024-05-01T10:00:00.25+02:00");
    REQUIRE(t);
    CHECK(t->has_offset);
    CHECK(format_wall_time(t->micros) == "2024-05-01 08:00:00.250000");
    CHECK(format_wall_time(parse_timestamp("1969-12-31T23:59:59.999999Z")->micros) == "1969-12-31 23:59:59.999999");
    CHECK(!parse_timestamp("2024-05-01T10:00:00")->has_offset);
    CHECK(parse_timestamp("2024-05-01 10:00:00 -0130")->micros == parse_timestamp("2024-05-01T11:30:00Z")->micros);
    CHECK(!parse_timestamp("2024-05-01"));
    CHECK(!parse_timestamp("2024-02-30T10:00:00Z"));
    CHECK(!parse_timestamp("2024-05-01T24:00:00Z"));
    CHECK(!parse_timestamp("2024-05-01T10:00:00+"));
    CHECK(!parse_timestamp("2024-05-01T10:00:00Zjunk"));
    CHECK(format_iso_utc_ms(0) == "1970-01-01T00:00:00Z");
    CHECK(format_iso_utc_ms(-1) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("database timestamps become ISO 8601 with Z, the fraction digit for digit") {
    CHECK(iso_from_database("2024-05-01 10:00:00+00") == "2024-05-01T10:00:00Z");
    CHECK(iso_from_database("2024-05-01 10:00:00.120+00") == "2024-05-01T10:00:00.120Z");
    CHECK(iso_from_database("2024-05-01 10:00:00.123456") == "2024-05-01T10:00:00.123456Z");
    CHECK(iso_from_database("2024-05-01 12:00:00+02") == "2024-05-01T10:00:00Z");
    CHECK(iso_from_database("infinity") == "infinity");
    CHECK(wall_time_from_iso("2024-05-01T10:00:00.120Z") == "2024-05-01 10:00:00.120000");
    CHECK(epoch_ms_of("1970-01-01T00:00:01.5Z") == 1500);
}
