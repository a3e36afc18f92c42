#include "json_validator.hpp"
#include "record_format.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>

using namespace sluice::file_sink;

namespace {

std::string document(std::optional<std::string_view> bytes) {
    std::string out;
    append_json_document(out, bytes);
    return out;
}

sluice_record make_record(std::optional<std::string_view> key, std::optional<std::string_view> value,
                          std::string_view topic, int32_t partition, int64_t offset, int64_t timestamp) {
    sluice_record r{};
    r.struct_size = sizeof r;
    r.key = key ? sluice_bytes{key->data(), key->size()} : sluice_bytes{nullptr, 0};
    r.value = value ? sluice_bytes{value->data(), value->size()} : sluice_bytes{nullptr, 0};
    r.topic = {topic.data(), topic.size()};
    r.partition = partition;
    r.offset = offset;
    r.timestamp_ms = timestamp;
    return r;
}

}  // namespace

TEST_CASE("json document: valid JSON is kept, anything else becomes a string") {
    CHECK(document(R"({"a":[1,2]})") == R"({"a":[1,2]})");
    CHECK(document("42") == "42");
    CHECK(document("\"already a string\"") == "\"already a string\"");
    CHECK(document("hello world") == "\"hello world\"");
    CHECK(document("{broken") == "\"{broken\"");
    CHECK(document("") == "\"\"");
    CHECK(document(std::nullopt) == "null");
    CHECK(document("null") == "null");
}

TEST_CASE("json document: a record always stays on one line") {
    // Pretty-printed JSON: newlines between tokens become spaces, outer whitespace goes.
    CHECK(document("\n{\r\n  \"a\": 1,\n  \"b\": \"x\"\n}\n") == "{    \"a\": 1,   \"b\": \"x\" }");
    // Invalid JSON with raw newlines is encoded as a string: the newlines become \n.
    CHECK(document("line one\nline two\r\n") == R"("line one\nline two\r\n")");
    CHECK(document("{\"a\":\"raw\nnewline\"}") == R"("{\"a\":\"raw\nnewline\"}")");
}

TEST_CASE("json document: binary bytes give a valid JSON string") {
    const std::string binary("\x00\x01\xFF\xFE\x80 ok\xC3\xA9", 10);
    const std::string out = document(binary);
    CHECK(out == "\"\\u0000\\u0001\xC3\xBF\xC3\xBE\xC2\x80 ok\xC3\xA9\"");
    CHECK(is_valid_json(out));
}

TEST_CASE("record line: value format") {
    auto r = make_record("k", R"({"v":1})", "t", 0, 5, 1000);
    std::string out;
    append_record_line(out, Format::value, sluice::SinkRecord(&r));
    CHECK(out == "{\"v\":1}\n");
}

TEST_CASE("record line: envelope format with every field") {
    auto r = make_record("{\"id\":7}", "plain text", "traffic.flow", 3, 123456789012, 1700000000000);
    std::string out;
    append_record_line(out, Format::envelope, sluice::SinkRecord(&r));
    CHECK(out == R"({"topic":"traffic.flow","partition":3,"offset":123456789012,"timestamp":1700000000000,)"
                 R"("key":{"id":7},"value":"plain text"})"
                 "\n");
    CHECK(is_valid_json(out));
}

TEST_CASE("record line: envelope with null key, null value and no timestamp") {
    auto r = make_record(std::nullopt, std::nullopt, "t", 0, 0, SLUICE_NO_TIMESTAMP);
    std::string out;
    append_record_line(out, Format::envelope, sluice::SinkRecord(&r));
    CHECK(out == R"({"topic":"t","partition":0,"offset":0,"timestamp":null,"key":null,"value":null})"
                 "\n");
}

TEST_CASE("record line: raw format writes the bytes as they are") {
    auto r = make_record(std::nullopt, "not json\tat all", "t", 0, 0, SLUICE_NO_TIMESTAMP);
    std::string out;
    append_record_line(out, Format::raw, sluice::SinkRecord(&r));
    CHECK(out == "not json\tat all\n");
    auto tombstone = make_record(std::nullopt, std::nullopt, "t", 0, 0, SLUICE_NO_TIMESTAMP);
    out.clear();
    append_record_line(out, Format::raw, sluice::SinkRecord(&tombstone));
    CHECK(out == "\n");
}

TEST_CASE("parse_format names the formats") {
    CHECK(parse_format("value") == Format::value);
    CHECK(parse_format("envelope") == Format::envelope);
    CHECK(parse_format("raw") == Format::raw);
    CHECK_THROWS_AS(parse_format("csv"), sluice::FatalError);
}
