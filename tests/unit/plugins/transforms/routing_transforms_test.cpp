// filter, regex_router, insert_header, header_from, drop_headers.
#include "transform_test_support.hpp"

using namespace transform_tests;
using sluice::testing::ChainInput;

TEST_CASE("filter: drops every record it is applied to (the predicate is the worker's)") {
    ChainInput in;
    in.value = bordeaux_records().front();
    auto run = run_transform("filter", {}, in);
    CHECK(run.result.status == SLUICE_OK);
    CHECK_FALSE(run.out.kept);
}

TEST_CASE("regex_router: whole-topic match with capture groups") {
    struct Case {
        const char* regex;
        const char* replacement;
        const char* topic;
        const char* routed;
    } cases[] = {
        {"traffic\\.(.*)", "raw-$1", "traffic.bordeaux", "raw-bordeaux"},
        {"traffic", "x", "traffic.bordeaux", "traffic.bordeaux"},  // no full match: unchanged
        {"(\\w+)\\.(\\w+)", "$2.$1", "traffic.rennes", "rennes.traffic"},
        {".*", "all", "", "all"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.regex);
        ChainInput in = value_in(std::string("not json at all"));
        in.topic = c.topic;
        for (int i = 0; i < 2; ++i) {  // the second time from the cache
            auto run = run_transform("regex_router", {{"regex", c.regex}, {"replacement", c.replacement}}, in);
            REQUIRE(run.result.status == SLUICE_OK);
            CHECK(run.out.topic == c.routed);
            CHECK(*run.out.value == "not json at all");
        }
    }
    sluice::testing::FakeHost host;
    sluice::testing::TransformUnderTest bad("regex_router", {{"regex", "(unclosed"}, {"replacement", "x"}}, host);
    CHECK(bad.created.status == SLUICE_FATAL);
    CHECK(bad.created.message.find("regex_router: invalid regex '(unclosed'") == 0);
}

TEST_CASE("insert_header and drop_headers") {
    ChainInput in = value_in(std::string(R"({"a":1})"));
    in.headers = {{"source", "opendatasoft"}, {"trace", std::nullopt}, {"source", "again"}};
    auto run = run_transform("insert_header", {{"header", "city"}, {"value.literal", "Bordeaux"}}, in);
    REQUIRE(run.result.status == SLUICE_OK);
    REQUIRE(run.out.headers.size() == 4);
    CHECK(run.out.headers[3] == std::pair<std::string, std::optional<std::string>>{"city", "Bordeaux"});
    CHECK_FALSE(run.out.headers[1].second.has_value());  // a null header value stays null
    run = run_transform("drop_headers", {{"headers", "source,absent"}}, in);
    REQUIRE(run.result.status == SLUICE_OK);
    REQUIRE(run.out.headers.size() == 1);
    CHECK(run.out.headers[0].first == "trace");
}

TEST_CASE("header_from: copy and move, strings unquoted, other values as JSON, missing as null") {
    ChainInput in = value_in(std::string(R"({"gid":1081,"ident":"MB333.P1","geo":{"lat":44.8},"n":null})"));
    in.headers = {{"h0", "kept"}};
    auto run = run_transform("header_from", {{"fields", "gid,ident,geo,n,absent,geo.lat"}, {"headers", "g,i,geo,n,a,lat"}, {"operation", "copy"}}, in);
    REQUIRE(run.result.status == SLUICE_OK);
    CHECK(run.out.header("h0") == "kept");
    CHECK(run.out.header("g") == "1081");
    CHECK(run.out.header("i") == "MB333.P1");
    CHECK(run.out.header("geo") == R"({"lat":44.8})");
    CHECK(run.out.header("lat") == "44.8");
    CHECK_FALSE(run.out.header("n").has_value());
    CHECK_FALSE(run.out.header("a").has_value());
    CHECK(*run.out.value == *in.value);
    run = run_transform("header_from", {{"fields", "ident,geo.lat"}, {"headers", "i,lat"}, {"operation", "move"}}, in);
    REQUIRE(run.result.status == SLUICE_OK);
    CHECK(*run.out.value == R"({"gid":1081,"geo":{},"n":null})");
    CHECK(run.out.header("lat") == "44.8");

    ChainInput tomb;
    run = run_transform("header_from", {{"fields", "a"}, {"headers", "a"}, {"operation", "copy"}}, tomb);
    CHECK(run.result.status == SLUICE_OK);
    CHECK(run.out.headers.empty());
    ChainInput arr;
    arr.value = "[1]";
    run = run_transform("header_from", {{"fields", "a"}, {"headers", "a"}, {"operation", "copy"}}, arr);
    CHECK(run.result.status == SLUICE_ERROR);

    sluice::testing::FakeHost host;
    sluice::testing::TransformUnderTest bad("header_from", {{"fields", "a,b"}, {"headers", "a"}, {"operation", "copy"}}, host);
    CHECK(bad.created.status == SLUICE_FATAL);
    CHECK(bad.created.message.find("same length (2 fields, 1 headers)") != std::string::npos);
}
