#include "json_rows.hpp"

#include <doctest/doctest.h>

using namespace sluice::clickhouse;

TEST_CASE("single objects are recognised without parsing their members") {
    CHECK(is_single_object("{}"));
    CHECK(is_single_object(" {\"a\":1} \n"));
    CHECK(is_single_object("{\"a\":{\"b\":[1,{\"c\":\"}\"}]},\"d\":\"\\\"}\"}"));
    CHECK(is_single_object("{\n  \"pretty\": true\n}"));
    CHECK_FALSE(is_single_object(""));
    CHECK_FALSE(is_single_object("   "));
    CHECK_FALSE(is_single_object("[1,2]"));
    CHECK_FALSE(is_single_object("\"text\""));
    CHECK_FALSE(is_single_object("42"));
    CHECK_FALSE(is_single_object("null"));
    CHECK_FALSE(is_single_object("{\"a\":1}{\"b\":2}"));   // would be two rows
    CHECK_FALSE(is_single_object("{\"a\":1} {\"b\":2}"));
    CHECK_FALSE(is_single_object("{\"a\":\"}"));            // unterminated string
    CHECK_FALSE(is_single_object("{\"a\":[1}"));            // unbalanced
    CHECK_FALSE(is_single_object("{\"a\":1"));
    CHECK_FALSE(is_single_object("{\"a\":1}}"));
    CHECK_FALSE(is_single_object("plain text }"));
}

TEST_CASE("rows are appended as they are, or with the coordinates spliced in first") {
    std::string body;
    append_row(body, " {\"a\":1}", "", 7);
    CHECK(body == "{\"a\":1}\n");

    body.clear();
    const std::string prefix = coordinates_prefix("traffic.raw", 3);
    CHECK(prefix == "\"_topic\":\"traffic.raw\",\"_partition\":3,\"_offset\":");
    append_row(body, "{\"a\":1}", prefix, 42);
    append_row(body, "{ }", prefix, 43);
    append_row(body, "{\n \"b\": [1, 2]\n}", prefix, 9223372036854775807LL);
    CHECK(body ==
          "{\"_topic\":\"traffic.raw\",\"_partition\":3,\"_offset\":42,\"a\":1}\n"
          "{\"_topic\":\"traffic.raw\",\"_partition\":3,\"_offset\":43 }\n"
          "{\"_topic\":\"traffic.raw\",\"_partition\":3,\"_offset\":9223372036854775807,\n \"b\": [1, 2]\n}\n");
}

TEST_CASE("a topic name is quoted as JSON") {
    CHECK(coordinates_prefix("a\"b\\c", 0) == "\"_topic\":\"a\\\"b\\\\c\",\"_partition\":0,\"_offset\":");
}
