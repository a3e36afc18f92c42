// timestamp_converter and timestamp_router on the timestamps of the fixtures.
#include "transform_test_support.hpp"

using namespace transform_tests;
using sluice::testing::ChainInput;

TEST_CASE("timestamp_converter: every Bordeaux mdate to unix milliseconds") {
    for (const auto& rec : bordeaux_records()) {
        ChainInput in;
        in.value = rec;
        auto run = run_transform("timestamp_converter", {{"field", "mdate"}, {"target.type", "unix"}}, in);
        REQUIRE_MESSAGE(run.result.status == SLUICE_OK, run.result.message);
        auto v = parse(run.out.value);
        auto orig = nlohmann::json::parse(rec);
        REQUIRE(v.at("mdate").is_number_integer());
        // Back to ISO 8601 gives the same instant as the source text (written in UTC there).
        auto back = run_transform("timestamp_converter", {{"field", "mdate"}, {"target.type", "string"}}, value_in(*run.out.value));
        REQUIRE(back.result.status == SLUICE_OK);
        std::string iso = parse(back.out.value).at("mdate");
        std::string src = orig.at("mdate");
        CHECK(iso == src.substr(0, 19) + "Z");
        CHECK(src.substr(19) == "+00:00");
    }
}

TEST_CASE("timestamp_converter: formats, precisions, zones, whole value, bad paths") {
    run_table("timestamp_converter", {
        {"Rennes datetime to unix seconds", {{"field", "datetime"}, {"target.type", "unix"}, {"unix.precision", "seconds"}}, R"({"datetime":"2025-11-04T17:24:00+01:00"})", R"({"datetime":1762273440})", ""},
        {"unix micros to ISO in Paris time", {{"field", "t"}, {"target.type", "string"}, {"unix.precision", "microseconds"}, {"timezone", "Europe/Paris"}}, R"({"t":1762273440000000})", R"({"t":"2025-11-04T17:24:00+01:00"})", ""},
        {"legacy WFS HEURE, local time, to Timestamp", {{"field", "HEURE"}, {"target.type", "Timestamp"}, {"format", "yyyyMMddHHmmss"}, {"timezone", "Europe/Paris"}}, R"({"HEURE":"20171014031623"})", R"({"HEURE":1507943783000})", ""},
        {"to a formatted string", {{"field", "t_1h"}, {"target.type", "string"}, {"format", "yyyy-MM-dd"}}, R"({"t_1h":"2023-02-01T23:00:00+00:00"})", std::nullopt, "expected a timestamp in the format 'yyyy-MM-dd'"},
        {"Date and Time", {{"field", "t"}, {"target.type", "Date"}}, R"({"t":1766047850000})", R"({"t":20440})", ""},
        {"Time of day", {{"field", "t"}, {"target.type", "Time"}}, R"({"t":1766047850000})", R"({"t":31850000})", ""},
        {"nanoseconds out", {{"field", "t"}, {"target.type", "unix"}, {"unix.precision", "nanoseconds"}, {"format", ""}}, R"({"t":"2025-12-18T08:50:50Z"})", R"({"t":1766047850000000000})", ""},
        {"whole value", {{"target.type", "string"}, {"format", "yyyyMMdd"}}, "1766047850000", R"("20251218")", ""},
        {"null stays null", {{"field", "t"}, {"target.type", "unix"}}, R"({"t":null})", R"({"t":null})", ""},
        {"missing becomes null", {{"field", "t"}, {"target.type", "unix"}}, R"({"a":1})", R"({"a":1,"t":null})", ""},
        {"nested", {{"field", "fields.t_1h"}, {"target.type", "unix"}}, R"({"fields":{"t_1h":"2023-02-01T23:00:00+00:00"}})", R"({"fields":{"t_1h":1675292400000}})", ""},
        {"tombstone", {{"field", "t"}, {"target.type", "unix"}}, std::nullopt, std::nullopt, ""},
        {"not a date", {{"field", "t"}, {"target.type", "unix"}}, R"({"t":"18/12/2025"})", std::nullopt, "field 't' is \"18/12/2025\", expected a timestamp in ISO 8601"},
        {"wrong type", {{"field", "t"}, {"target.type", "unix"}}, R"({"t":true})", std::nullopt, "field 't' is a boolean, expected a string or a unix time"},
        {"fractional unix", {{"field", "t"}, {"target.type", "string"}}, R"({"t":1.5})", std::nullopt, "field 't' is 1.5, expected an integer unix time"},
    });
    sluice::testing::FakeHost host;
    sluice::testing::TransformUnderTest bad_zone("timestamp_converter", {{"target.type", "unix"}, {"timezone", "Europe/Bordeaux"}}, host);
    CHECK(bad_zone.created.status == SLUICE_FATAL);
    CHECK(bad_zone.created.message.find("unknown time zone 'Europe/Bordeaux'") != std::string::npos);
    sluice::testing::TransformUnderTest bad_format("timestamp_converter", {{"target.type", "string"}, {"format", "EEE"}}, host);
    CHECK(bad_format.created.status == SLUICE_FATAL);
}

TEST_CASE("timestamp_router: topic from the record timestamp") {
    ChainInput in;
    in.value = "x";  // never parsed
    in.topic = "traffic.bordeaux";
    in.timestamp_ms = 1766047850000;
    auto run = run_transform("timestamp_router", {}, in);
    REQUIRE(run.result.status == SLUICE_OK);
    CHECK(run.out.topic == "traffic.bordeaux-20251218");
    CHECK(*run.out.value == "x");
    run = run_transform("timestamp_router", {{"topic.format", "${topic}.${timestamp}"}, {"timestamp.format", "yyyy-MM-dd'T'HH"}, {"timezone", "Europe/Paris"}}, in);
    CHECK(run.out.topic == "traffic.bordeaux.2025-12-18T09");
    in.timestamp_ms = SLUICE_NO_TIMESTAMP;
    run = run_transform("timestamp_router", {}, in);
    CHECK(run.result.status == SLUICE_ERROR);
    CHECK(run.result.message == "timestamp_router: the record has no timestamp to route by");
}
