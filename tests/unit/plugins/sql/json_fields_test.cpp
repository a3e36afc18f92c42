#include <sluice/sql/json_fields.hpp>

#include <doctest/doctest.h>

using namespace sluice::sql;

namespace {

std::string fields(std::string_view json) {
    JsonParser parser;
    FieldArena arena;
    FieldArena::Range range;
    std::string error;
    if (!parser.parse_object(json, arena, range, error)) return "error: " + error;
    std::string out;
    for (std::uint32_t i = 0; i < range.count; ++i) {
        const Field f = arena.at(range.first + i);
        out += std::string(f.name) + "=" + json_kind_name(f.value.kind) + ":" + std::string(f.value.text) + ";";
    }
    return out;
}

}  // namespace

TEST_CASE("the top level of a JSON object, numbers as written, nested values raw") {
    CHECK(fields(R"({"a":1.50,"b":"x\"y","c":[1, {"d":2}],"e":null,"f":true,"g":{"h":[]}})") ==
          "a=number:1.50;b=string:x\"y;c=array:[1, {\"d\":2}];e=null:;f=boolean:true;g=object:{\"h\":[]};");
    CHECK(fields(" {} ") == "");
    CHECK(fields(R"({"n":123456789012345678901234567890})") == "n=number:123456789012345678901234567890;");
    CHECK(fields(R"({"u":"\u00e9\ud83d\ude00"})") == "u=string:\xc3\xa9\xf0\x9f\x98\x80;");
}

TEST_CASE("anything but exactly one JSON object is refused with a reason") {
    CHECK(fields("") == "error: is empty, not a JSON object");
    CHECK(fields("[1]").starts_with("error: is not a JSON object"));
    CHECK(fields("42").starts_with("error: is not a JSON object"));
    CHECK(fields(R"({"a":1} {"b":2})") == "error: holds more than one JSON value (text after the object)");
    CHECK(fields(R"({"a":1,})").starts_with("error: is not valid JSON"));
    CHECK(fields(R"({"a":tru})").starts_with("error: has a field 'a' that is not valid JSON"));
    CHECK(fields(R"({"a":01})").starts_with("error: has a field 'a' that is not valid JSON"));
    CHECK(fields("{\"a\":\"\xff\"}").starts_with("error: is not valid JSON"));
}

TEST_CASE("keys: objects, JSON scalars, plain text") {
    JsonParser parser;
    FieldArena arena;
    std::string error;
    auto key = [&](std::string_view bytes, bool& object) {
        FieldArena::Range range;
        REQUIRE(parser.parse_key(bytes, "id", arena, range, object, error));
        std::string out;
        for (std::uint32_t i = 0; i < range.count; ++i) {
            const Field f = arena.at(range.first + i);
            out += std::string(f.name) + "=" + json_kind_name(f.value.kind) + ":" + std::string(f.value.text) + ";";
        }
        return out;
    };
    bool object = false;
    CHECK(key(R"({"segment":"S1","lane":2})", object) == "segment=string:S1;lane=number:2;");
    CHECK(object);
    CHECK(key("\"S1\"", object) == "id=string:S1;");
    CHECK(!object);
    CHECK(key("17", object) == "id=number:17;");
    CHECK(key("S12", object) == "id=string:S12;");
    // Views stay valid while more records are parsed into the arena.
    FieldArena::Range first;
    REQUIRE(parser.parse_object(R"({"k":"first"})", arena, first, error));
    for (int i = 0; i < 20000; ++i) {
        FieldArena::Range r;
        REQUIRE(parser.parse_object(R"({"filler":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})", arena, r, error));
    }
    CHECK(arena.at(first.first).value.text == "first");
}

TEST_CASE("JSON number grammar") {
    for (const char* ok : {"0", "-0", "12", "1.5", "1e3", "-1.25E-7"}) CHECK(is_json_number(ok));
    for (const char* bad : {"", "-", "01", "1.", ".5", "1e", "+1", "NaN", "1 "}) CHECK(!is_json_number(bad));
}
