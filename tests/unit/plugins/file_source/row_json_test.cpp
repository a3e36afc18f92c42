#include "row_json.hpp"

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

