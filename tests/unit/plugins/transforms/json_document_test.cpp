// The document that travels along a chain: validation (it must refuse what a JSON parser
// refuses), exact output for untouched values, escapes, duplicate keys, lazy nesting.
#include "json_document.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace sluice::transforms;

namespace {
std::string round_trip(const std::string& text) {
    Document d;
    std::string error;
    REQUIRE_MESSAGE(d.parse(text, error), error);
    d.mark_dirty();  // force serialisation from the members, not the input
    return std::string(d.serialize());
}
}  // namespace

TEST_CASE("document: valid JSON round-trips with numbers and strings as written") {
    struct Case {
        const char* in;
        const char* out;
    } cases[] = {
        {R"({"a":1})", R"({"a":1})"},
        {R"( { "a" : 1.50 , "b" : -0.0e+10 } )", R"({"a":1.50,"b":-0.0e+10})"},
        {R"({"s":"caf\u00e9 \"q\" \\ \n"})", R"({"s":"caf\u00e9 \"q\" \\ \n"})"},
        {R"({"nested":{"x":[1, 2 ,{"y":null}]}})", R"({"nested":{"x":[1, 2 ,{"y":null}]}})"},
        {R"({"t":true,"f":false,"n":null,"e":{},"a":[]})", R"({"t":true,"f":false,"n":null,"e":{},"a":[]})"},
        {R"({"Bègles":"Artigues-près-Bordeaux"})", R"({"Bègles":"Artigues-près-Bordeaux"})"},
        {R"({"k\u00e9y":1})", "{\"k\xC3\xA9y\":1}"},
        {R"({"q\"k":1})", R"({"q\"k":1})"},
        {R"("just a string")", R"("just a string")"},
        {"42", "42"},
        {"[1,2]", "[1,2]"},
        {R"({"emoji":"\ud83d\ude00"})", R"({"emoji":"\ud83d\ude00"})"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.in);
        CHECK(round_trip(c.in) == c.out);
    }
}

TEST_CASE("document: invalid JSON is refused with the byte offset and what was expected") {
    struct Case {
        std::string in;
        const char* expected;
    } cases[] = {
        {"", "expected a JSON value"},
        {"{", "expected a string key"},
        {R"({"a":1,})", "expected a string key"},
        {R"({"a" 1})", "expected ':'"},
        {R"({"a":1 "b":2})", "expected ',' or '}'"},
        {R"({"a":01})", "expected ',' or '}'"},
        {R"({"a":1.})", "expected a digit after '.'"},
        {R"({"a":-})", "expected a digit"},
        {R"({"a":1e})", "expected a digit in the exponent"},
        {R"({"a":tru})", "expected a JSON value"},
        {R"({"a":"x)", "unterminated string"},
        {R"({"a":"\x"})", "invalid escape"},
        {R"({"a":"\u12G4"})", "expected 4 hex digits"},
        {std::string("{\"a\":\"tab\there\"}"), "control character"},
        {std::string("{\"a\":\"\xE9t\xE9\"}"), "invalid UTF-8"},
        {R"({"a":[1,2})", "expected ',' or ']'"},
        {R"({"a":1}})", "unexpected text after the JSON value"},
        {R"({'a':1})", "expected a string key"},
        {std::string(600, '[') + std::string(600, ']'), "nesting deeper than 512"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.in);
        Document d;
        std::string error;
        CHECK_FALSE(d.parse(c.in, error));
        CHECK(error.find(c.expected) != std::string::npos);
        CHECK(error.find("at byte ") != std::string::npos);
    }
}

TEST_CASE("document: duplicate keys, the last one wins and takes its place") {
    Document d;
    std::string error;
    REQUIRE(d.parse(R"({"a":1,"b":2,"a":3})", error));
    CHECK(d.serialize() == R"({"b":2,"a":3})");
    REQUIRE(d.parse(R"({"x":{"k":1,"k":2}})", error));
    Node* x = d.find(d.root(), "x");
    REQUIRE(x != nullptr);
    Node* k = d.find(*x, "k");
    REQUIRE(k != nullptr);
    CHECK(k->text == "2");
}

TEST_CASE("document: untouched input comes back byte for byte; edits only touch their member") {
    const std::string in = R"({ "gid" : 1081, "etat":"INCONNU", "shape": {"coordinates": [[-0.5, 44.8]]} })";
    Document d;
    std::string error;
    REQUIRE(d.parse(in, error));
    CHECK(d.serialize() == in);
    d.set(d.root(), "etat", d.make_string("FLUIDE"));
    d.set(d.root(), "new", d.make_integer(7));
    CHECK(d.serialize() == R"({"gid":1081,"etat":"FLUIDE","shape":{"coordinates": [[-0.5, 44.8]]},"new":7})");
    CHECK(d.remove(d.root(), "gid"));
    CHECK_FALSE(d.remove(d.root(), "gid"));
    CHECK(d.serialize() == R"({"etat":"FLUIDE","shape":{"coordinates": [[-0.5, 44.8]]},"new":7})");
}

TEST_CASE("document: dotted paths go inside nested objects lazily") {
    Document d;
    std::string error;
    REQUIRE(d.parse(R"({"a":{"b":{"c":"deep"}},"s":"flat"})", error));
    CHECK_FALSE(d.find(d.root(), "a")->expanded);
    Lookup l = d.lookup(split_path("a.b.c"));
    REQUIRE(l.status == Lookup::found);
    CHECK(d.string_value(*l.node) == "deep");
    CHECK(d.find(d.root(), "a")->expanded);
    CHECK(d.lookup(split_path("a.x")).status == Lookup::missing);
    CHECK(d.lookup(split_path("a.x")).parent != nullptr);
    CHECK(d.lookup(split_path("a.x.y")).parent == nullptr);
    CHECK(d.lookup(split_path("s.x")).status == Lookup::not_an_object);
    CHECK(split_path("`a.b`.c") == std::vector<std::string>{"a.b", "c"});
}

TEST_CASE("document: strings with escapes are unescaped for transforms and re-escaped on output") {
    Document d;
    std::string error;
    REQUIRE(d.parse(R"({"s":"line\nbreak \"quoted\" \u00e9"})", error));
    CHECK(d.string_value(*d.find(d.root(), "s")) == "line\nbreak \"quoted\" \xC3\xA9");
    d.set(d.root(), "t", d.make_string("a\"b\\c\x01"));
    CHECK(d.serialize() == R"({"s":"line\nbreak \"quoted\" \u00e9","t":"a\"b\\c\u0001"})");
}

TEST_CASE("document: escapes follow the SDK's one decoder, lone surrogates refused where they are") {
    // pairs decode to one code point; untouched they come back as written
    {
        Document d;
        std::string error;
        REQUIRE(d.parse(R"({"\ud83d\ude97":"\uD83D\uDE00"})", error));
        CHECK(d.root().members.front().key == "\xF0\x9F\x9A\x97");
        CHECK(d.string_value(*d.root().members.front().value) == "\xF0\x9F\x98\x80");
        CHECK(d.serialize() == R"({"\ud83d\ude97":"\uD83D\uDE00"})");
    }
    struct Case {
        const char* in;
        const char* expected;
    } cases[] = {
        {R"({"a":"\ud800"})", "lone high surrogate (\\uD800-\\uDBFF not followed by a low surrogate \\uDC00-\\uDFFF) at byte 6"},
        {R"({"a":"x\ud83dy"})", "lone high surrogate (\\uD800-\\uDBFF not followed by a low surrogate \\uDC00-\\uDFFF) at byte 7"},
        {R"({"a":"\ud83d\ud83d\ude00"})", "lone high surrogate"},
        {R"({"a":"\ude00"})", "lone low surrogate (\\uDC00-\\uDFFF without a high surrogate before it) at byte 6"},
        {R"({"\udc00":1})", "lone low surrogate"},
        {R"({"a":{"b":["\ud800"]}})", "lone high surrogate"},  // nested: checked at parse too
        {R"({"a":"\u12"})", "expected 4 hex digits after \\u at byte 6"},
        {R"({"a":"\ud83d\u12"})", "lone high surrogate"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.in);
        Document d;
        std::string error;
        CHECK_FALSE(d.parse(c.in, error));
        CHECK_MESSAGE(error.find(c.expected) != std::string::npos, error);
    }
}
