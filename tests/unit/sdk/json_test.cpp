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

// ---- the one decoder of string escapes (json::unescape, json::decode_escape) -------------

namespace {
// The decoded text, or "ERROR: <message>".
std::string decoded(std::string_view body) {
    std::string out, error;
    if (!json::unescape(body, out, &error)) return "ERROR: " + error;
    return out;
}
// Every body is refused with a message that starts with `what`.
void check_refused(std::initializer_list<const char*> bodies, const std::string& what) {
    for (const char* body : bodies) {
        const std::string got = decoded(body);
        CHECK_MESSAGE(got.rfind("ERROR: " + what, 0) == 0, body, " -> ", got);
    }
}
}  // namespace

TEST_CASE("unescape: every simple escape and plain bytes") {
    CHECK(decoded("") == "");
    CHECK(decoded("plain \xC3\xA9") == "plain \xC3\xA9");  // raw UTF-8 copied as it is
    CHECK(decoded(R"(\"\\\/\b\f\n\r\t)") == "\"\\/\b\f\n\r\t");
    CHECK(decoded(R"(a\nb)") == "a\nb");
}

TEST_CASE("unescape: \\u escapes of one, two and three UTF-8 bytes, in either case") {
    CHECK(decoded(R"(\u0041)") == "A");
    CHECK(decoded(R"(\u0000)") == std::string("\0", 1));
    CHECK(decoded(R"(\u00e9\u00E9)") == "\xC3\xA9\xC3\xA9");
    CHECK(decoded(R"(\u20ac)") == "\xE2\x82\xAC");
    CHECK(decoded(R"(\uffff)") == "\xEF\xBF\xBF");
    CHECK(decoded(R"(\uFFFD)") == "\xEF\xBF\xBD");  // written on purpose: kept
}

TEST_CASE("unescape: a surrogate pair is one code point of four bytes") {
    CHECK(decoded(R"(\ud83d\ude97)") == "\xF0\x9F\x9A\x97");     // U+1F697
    CHECK(decoded(R"(\uD800\uDC00)") == "\xF0\x90\x80\x80");     // U+10000, the first
    CHECK(decoded(R"(\uDBFF\uDFFF)") == "\xF4\x8F\xBF\xBF");     // U+10FFFF, the last
    CHECK(decoded(R"(x\ud83d\ude00y)") == "x\xF0\x9F\x98\x80y");
    CHECK(utf8::is_valid(decoded(R"(\ud83d\ude00)")));
}

TEST_CASE("unescape: a lone surrogate is refused, naming it and where") {
    // high surrogate at the end, before plain text, before another escape, before a second high one
    check_refused({R"(\ud800)", R"(\ud800x)", R"(\ud800\n)", R"(\ud800\ud800)", R"(\udbff\u0041)", R"(\uD83D\\uDE00)"}, "lone high surrogate");
    check_refused({R"(\udc00)", R"(\uDFFF)", R"(a\ude00\ud83d)"}, "lone low surrogate");
    CHECK(decoded(R"(abc\ud800)") == "ERROR: lone high surrogate (\\uD800-\\uDBFF not followed by a low surrogate "
                                     "\\uDC00-\\uDFFF) at byte 3");
    CHECK(decoded(R"(ab\udc00)").ends_with(" at byte 2"));
}

TEST_CASE("unescape: truncated escapes and bad hex are refused") {
    CHECK(decoded("\\") == "ERROR: truncated escape at the end of the string at byte 0");
    check_refused({R"(\u)", R"(\u1)", R"(\u12)", R"(\u123)", R"(x\u00e)"}, "expected 4 hex digits after \\u");
    check_refused({R"(\u00g0)", R"(\u-001)", R"(\u+001)", R"(\u 001)", R"(\u0x41)", R"(\uZZZZ)"}, "expected 4 hex digits after \\u");
    // a high surrogate whose partner is truncated or not hex is a lone one
    check_refused({R"(\ud83d\u)", R"(\ud83d\ude0)", R"(\ud83d\udeXY)"}, "lone high surrogate");
    check_refused({R"(\x41)", R"(\a)", R"(\U0041)", R"(\')", R"(\0)"}, "invalid escape");
}

TEST_CASE("decode_escape: checks without writing and moves past the escape only when valid") {
    std::size_t i = 1;
    CHECK(json::decode_escape(R"(a\ud83d\ude00b)", i, nullptr) == nullptr);
    CHECK(i == 13);
    i = 0;
    std::string out = "kept";
    CHECK(json::decode_escape(R"(\ud800b)", i, &out) != nullptr);
    CHECK(i == 0);
    CHECK(out == "kept");
}

TEST_CASE("parse_flat uses the same decoder: lone surrogates and bad escapes make no object") {
    CHECK(json::parse_flat(R"({"k":"\ud83d\ude97"})")->at("k") == "\xF0\x9F\x9A\x97");
    for (const char* bad : {R"({"k":"\ud800"})", R"({"k":"\udc00"})", R"({"\ud800":1})", R"({"k":"\u12"})",
                            R"({"k":"\x"})", R"({"k":{"n":"\ud800"}})", "{\"k\":\"\\"})
        CHECK_MESSAGE(!json::parse_flat(bad), bad);
}
