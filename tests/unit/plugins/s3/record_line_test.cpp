#include "record_line.hpp"

#include <doctest/doctest.h>

using sluice::s3::LineReader;

TEST_CASE("a record's line: JSON as it is, pretty JSON on one line, anything else a problem") {
    LineReader reader;
    const auto utc = sluice::tz::TimeZone::utc();
    std::int64_t t = 0;
    std::string problem;
    CHECK(*reader.line(R"({"a":1})", "", utc, t, problem) == R"({"a":1})");
    CHECK(*reader.line("{\n  \"a\": \"x y\",\r\n  \"b\": [1, 2]\n}", "", utc, t, problem) == "{   \"a\": \"x y\",    \"b\": [1, 2] }");
    CHECK(*reader.line("[1,\r2]", "", utc, t, problem) == "[1, 2]");  // a lone CR too
    CHECK(!reader.line("{\"a\":", "", utc, t, problem));
    CHECK(problem.find("its value is not JSON") == 0);
    // A longer document, then a shorter one: the reused buffer's tail must not matter.
    CHECK(reader.line(R"({"long":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})", "", utc, t, problem));
    CHECK(reader.line("[1]", "", utc, t, problem));
    CHECK(reader.line("7", "", utc, t, problem));
}

TEST_CASE("timestamp.field: epoch milliseconds, ISO 8601 with or without offset") {
    LineReader reader;
    const auto paris = sluice::tz::TimeZone::load("Europe/Paris");
    std::int64_t t = 0;
    std::string problem;
    REQUIRE(reader.line(R"({"ts":1762276800000})", "ts", paris, t, problem));
    CHECK(t == 1762276800000);
    REQUIRE(reader.line(R"({"ts":"2025-11-04T17:20:00Z"})", "ts", paris, t, problem));
    CHECK(t == 1762276800000);
    REQUIRE(reader.line(R"({"ts":"2025-11-04T18:20:00+01:00"})", "ts", paris, t, problem));
    CHECK(t == 1762276800000);
    REQUIRE(reader.line(R"({"ts":"2025-11-04 18:20:00"})", "ts", paris, t, problem));  // local time
    CHECK(t == 1762276800000);
    CHECK(!reader.line(R"({"other":1})", "ts", paris, t, problem));
    CHECK(problem == "its value has no field 'ts' (timestamp.field)");
    CHECK(!reader.line(R"({"ts":"yesterday"})", "ts", paris, t, problem));
    CHECK(problem.find("neither epoch milliseconds nor an ISO 8601") != std::string::npos);
}
