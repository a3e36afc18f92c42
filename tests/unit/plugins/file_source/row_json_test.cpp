#include "row_json.hpp"
#include "utf8.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace sluice::file_source;

TEST_CASE("row_as_object pairs header names with values") {
    std::vector<std::string> names{"id", "name"};
    std::vector<std::string> values{"1", "alice"};
    std::string out = "stale";
    row_as_object(out, names, values);
    CHECK(out == R"({"id":"1","name":"alice"})");
}

TEST_CASE("row_as_array keeps every value as a string") {
    std::vector<std::string> values{"1", "", "x"};
    std::string out;
    row_as_array(out, values);
    CHECK(out == R"(["1","","x"])");
    row_as_array(out, {});
    CHECK(out == "[]");
}

TEST_CASE("row JSON escapes quotes, backslashes and control characters") {
    std::vector<std::string> names{"a\"b"};
    std::vector<std::string> values{"back\\slash\nnew\tline\x01"};
    std::string out;
    row_as_object(out, names, values);
    CHECK(out == R"({"a\"b":"back\\slash\nnew\tline\u0001"})");
}

TEST_CASE("row JSON keeps UTF-8 and reads invalid bytes as Latin-1") {
    std::string out;
    append_json_string(out, "caf\xC3\xA9");
    CHECK(out == "\"caf\xC3\xA9\"");
    out.clear();
    append_json_string(out, "caf\xE9"); // Latin-1 e acute
    CHECK(out == "\"caf\xC3\xA9\"");
}

TEST_CASE("utf8: valid and invalid sequences") {
    CHECK(is_valid_utf8(""));
    CHECK(is_valid_utf8("plain ascii"));
    CHECK(is_valid_utf8("\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x9A\x97")); // é € 🚗
    CHECK_FALSE(is_valid_utf8("\xC0\x80"));         // overlong NUL
    CHECK_FALSE(is_valid_utf8("\xE0\x80\x80"));     // overlong
    CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));     // UTF-16 surrogate
    CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80")); // above U+10FFFF
    CHECK_FALSE(is_valid_utf8("\xC3"));             // truncated
    CHECK_FALSE(is_valid_utf8("\x80"));             // lone continuation
    CHECK_FALSE(is_valid_utf8("\xFF"));
}

TEST_CASE("utf8: repair maps each invalid byte to its Latin-1 character") {
    CHECK(repair_utf8("ok \xC3\xA9") == "ok \xC3\xA9");
    CHECK(repair_utf8("\xE9t\xE9") == "\xC3\xA9t\xC3\xA9");
    CHECK(repair_utf8("\xC3") == "\xC3\x83");
    CHECK(is_valid_utf8(repair_utf8("\xFF\xFE\x80\xC0\x80\xED\xA0\x80")));
}
