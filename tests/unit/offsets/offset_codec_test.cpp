#include "offsets/offset_codec.hpp"

#include <doctest/doctest.h>

using namespace sluice::offsets;

TEST_CASE("keys are Kafka Connect's [connector, partition] in compact JSON") {
    CHECK(encode_key("demo.file-source", R"({"filename":"/data/in.txt"})") ==
          R"(["demo.file-source",{"filename":"/data/in.txt"}])");
    CHECK(encode_key("quote\"d", "{}") == R"(["quote\"d",{}])");
}

TEST_CASE("partitions compare in canonical form") {
    CHECK(canonical_object(R"( { "b" : 1, "a" : "x" } )") == R"({"a":"x","b":1})");
    CHECK(canonical_object(R"({"a":{"z":1,"y":2}})") == R"({"a":{"y":2,"z":1}})");
    CHECK_FALSE(canonical_object("[1]"));
    CHECK_FALSE(canonical_object("\"text\""));
    CHECK_FALSE(canonical_object("{broken"));
    CHECK_FALSE(canonical_object(""));
}

TEST_CASE("keys written by Kafka Connect decode") {
    auto k = decode_key(R"(["local-file-source",{"filename":"/tmp/test.txt"}])");
    REQUIRE(k);
    CHECK(k->connector == "local-file-source");
    CHECK(k->partition == R"({"filename":"/tmp/test.txt"})");
    CHECK_FALSE(decode_key(R"(["only-name"])"));
    CHECK_FALSE(decode_key(R"([1,{}])"));
    CHECK_FALSE(decode_key(R"(["x",[]])"));
    CHECK_FALSE(decode_key("not json"));
}
