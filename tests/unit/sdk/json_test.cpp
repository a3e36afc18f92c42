#include <sluice/sdk.hpp>

#include <doctest/doctest.h>

using namespace sluice;

TEST_CASE("utf8: valid and invalid sequences") {
    CHECK(utf8::is_valid(""));
    CHECK(utf8::is_valid("plain ascii"));
    CHECK(utf8::is_valid("\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x97")); // é € 🚗
    CHECK_FALSE(utf8::is_valid("\xC0\x80"));         // overlong NUL
    CHECK_FALSE(utf8::is_valid("\xE0\x80\x80"));     // overlong
    CHECK_FALSE(utf8::is_valid("\xED\xA0\x80"));     // UTF-16 surrogate
    CHECK_FALSE(utf8::is_valid("\xF4\x90\x80\x80")); // above U+10FFFF
    CHECK_FALSE(utf8::is_valid("\xC3"));             // truncated
    CHECK_FALSE(utf8::is_valid("\x80"));             // lone continuation
    CHECK_FALSE(utf8::is_valid("\xFF"));
}

TEST_CASE("utf8: repair maps each invalid byte to its Latin-1 character") {
    CHECK(utf8::repair("ok \xC3\xA9") == "ok \xC3\xA9");
    CHECK(utf8::repair("\xE9t\xE9") == "\xC3\xA9t\xC3\xA9");
    CHECK(utf8::repair("\xC3") == "\xC3\x83");
    CHECK(utf8::is_valid(utf8::repair("\xFF\xFE\x80\xC0\x80\xED\xA0\x80")));
}

TEST_CASE("quoted JSON strings are always valid JSON") {
    CHECK(json::quote("plain") == "\"plain\"");
    CHECK(json::quote("a\"b\\c\nd\te\x01") == "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
    CHECK(json::quote("\xC3\xA9t\xC3\xA9") == "\"\xC3\xA9t\xC3\xA9\"");  // valid UTF-8 kept
    CHECK(json::quote("\xE9t\xE9") == "\"\xC3\xA9t\xC3\xA9\"");          // Latin-1 read as such
    CHECK(json::quote(std::string_view("a\0b", 3)) == "\"a\\u0000b\"");
}

TEST_CASE("flat objects are built with the keys in order") {
    CHECK(json::Object().str() == "{}");
    CHECK(json::Object().add("filename", "/x \"y\"").add("position", std::int64_t{42}).add("done", true).str() ==
          R"({"filename":"/x \"y\"","position":42,"done":true})");
    CHECK(json::Object().add("n", -7).add_raw("nested", R"({"a":1})").str() == R"({"n":-7,"nested":{"a":1}})");
}

TEST_CASE("flat objects parse back, unescaped, nested values kept raw") {
    auto o = json::parse_flat(R"( {"filename":"/x \"y\" \u00e9\ud83d\ude97", "position": 42, "ok":true, "n":null, "inner":{"a":[1,"}"]}} )");
    REQUIRE(o);
    CHECK(o->at("filename") == "/x \"y\" \xC3\xA9\xF0\x9F\x9A\x97");
    CHECK(o->at("position") == "42");
    CHECK(o->at("ok") == "true");
    CHECK(o->at("n") == "null");
    CHECK(o->at("inner") == R"({"a":[1,"}"]})");
    CHECK(json::parse_flat("{}")->empty());
    for (const char* bad : {"", "[]", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":1} x", "{a:1}", "\"s\""})
        CHECK_MESSAGE(!json::parse_flat(bad), bad);
}

TEST_CASE("integers of every width, and reading them back") {
    CHECK(json::Object().add("a", std::uint64_t{18446744073709551615ULL}).add("b", std::size_t{3}).add("c", short{-2}).str() ==
          R"({"a":18446744073709551615,"b":3,"c":-2})");
    CHECK(json::to_int("42") == 42);
    CHECK(json::to_int("-7") == -7);
    CHECK_FALSE(json::to_int(""));
    CHECK_FALSE(json::to_int("4x"));
    CHECK_FALSE(json::to_int("\"4\""));
}
