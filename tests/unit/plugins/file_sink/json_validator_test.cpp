#include "json_validator.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using sluice::file_sink::is_valid_json;

TEST_CASE("json validator: accepts every kind of value") {
    for (const char* text : {"null", "true", "false", "0", "-0", "42", "-17", "3.25", "1e10", "1E+2", "-2.5e-3",
                             "\"\"", "\"text\"", "{}", "[]", "[1,2,3]", "{\"a\":1}", "{\"a\":{\"b\":[true,null]}}",
                             "[[],[{}],{\"x\":[]}]", "\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE97\"",
                             "\"caf\xC3\xA9 \xF0\x9F\x9A\x97\""}) {
        CAPTURE(text);
        CHECK(is_valid_json(text));
    }
}

TEST_CASE("json validator: whitespace around and between tokens") {
    CHECK(is_valid_json("  {\n \"a\" :\t[ 1 ,\r\n 2 ] }\n"));
    CHECK(is_valid_json(" 7 "));
    CHECK_FALSE(is_valid_json(""));
    CHECK_FALSE(is_valid_json("   "));
    CHECK_FALSE(is_valid_json("\v1")); // not JSON whitespace
}

TEST_CASE("json validator: rejects malformed numbers") {
    for (const char* text : {"01", "-", "+1", "1.", ".5", "1e", "1e+", "0x10", "1.2.3", "NaN", "Infinity", "- 1"}) {
        CAPTURE(text);
        CHECK_FALSE(is_valid_json(text));
    }
}

TEST_CASE("json validator: rejects malformed literals and strings") {
    const std::vector<std::string> invalid{
        "nul", "True", "nulls", "\"open", "'single'", "\"bad \\x escape\"", "\"\\u12\"", "\"\\u12G4\"",
        "\"raw\nnewline\"", std::string("\"nul\0byte\"", 10), "\"tab\there\"", std::string("\"\xC3\""),
        std::string("\"\xFF\""), std::string("\"\xED\xA0\x80\""), std::string("\"\xC0\x80\"")};
    for (const auto& text : invalid) {
        CAPTURE(text);
        CHECK_FALSE(is_valid_json(text));
    }
}

TEST_CASE("json validator: rejects malformed containers and trailing garbage") {
    for (const char* text : {"{", "}", "[", "]", "[1,]", "[,1]", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{a:1}",
                             "{1:2}", "[1 2]", "{\"a\":1 \"b\":2}", "[}", "{]", "[1]]", "{} {}", "1 2", "null x",
                             "[\"a\",]", "{\"a\" 1}", "\"a\":1"}) {
        CAPTURE(text);
        CHECK_FALSE(is_valid_json(text));
    }
}

TEST_CASE("json validator: deep nesting needs no recursion") {
    const std::size_t depth = 200000;
    std::string deep(depth, '[');
    deep += std::string(depth, ']');
    CHECK(is_valid_json(deep));
    deep.pop_back();
    CHECK_FALSE(is_valid_json(deep));
}

TEST_CASE("json validator: escapes follow the SDK's one rule: pairs pass, lone surrogates and bad hex do not") {
    for (const char* text : {R"("\ud83d\ude00")", R"("\u00e9\n\t\"\\\/")", R"(["\uFFFF"])"}) {
        CAPTURE(text);
        CHECK(is_valid_json(text));
    }
    for (const char* text : {R"("\ud800")", R"("\udc00")", R"("\ud800x")", R"("\ud83d\u0041")", R"("\u12G4")", R"("\u12")",
                             R"("\x")"}) {
        CAPTURE(text);
        CHECK_FALSE(is_valid_json(text));
    }
}
