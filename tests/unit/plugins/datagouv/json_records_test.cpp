// The JSON side of the datagouv source: array splitting and Opendatasoft record flattening.
#include "json_records.hpp"

#include "datagouv_harness.hpp"

#include <doctest/doctest.h>

using namespace sluice::datagouv;
using sluice::testing::TempBytes;

namespace {
std::vector<JsonElement> elements(const std::string& bytes, std::string* problem = nullptr) {
    TempBytes file(bytes);
    ByteStream in(file.file);
    JsonArrayReader reader(in, 1 << 20);
    std::vector<JsonElement> out;
    JsonElement e;
    while (reader.next(e)) out.push_back(e);
    if (problem) *problem = reader.problem();
    return out;
}
}  // namespace

TEST_CASE("json array reader: elements with nested brackets and brackets inside strings") {
    auto e = elements(" [ {\"a\": [1, {\"b\": \"]}\\\"[\"}]} ,\n 2 , \"x,y\", null ]\n");
    REQUIRE(e.size() == 4);
    CHECK(e[0].text == "{\"a\": [1, {\"b\": \"]}\\\"[\"}]}");
    CHECK(e[1].text == "2");
    CHECK(e[2].text == "\"x,y\"");
    CHECK(e[3].text == "null");
    for (const auto& x : e) CHECK(x.problem.empty());
    CHECK(elements("[]").empty());
    CHECK(elements("\xEF\xBB\xBF[{}]").size() == 1);
}

TEST_CASE("json array reader: not an array, truncated, trailing garbage") {
    std::string problem;
    CHECK(elements("{\"results\": []}", &problem).empty());
    CHECK(problem.find("not a JSON array") != std::string::npos);

    auto cut = elements("[{\"a\":1},{\"a\":2},{\"a\":", &problem);
    REQUIRE(cut.size() == 3);
    CHECK(cut[0].problem.empty());
    CHECK(cut[1].problem.empty());
    CHECK(cut[2].problem.find("ends inside element 3") != std::string::npos);

    elements("[1] x", &problem);
    CHECK(problem.find("after the closing ']'") != std::string::npos);
}

TEST_CASE("json records: Opendatasoft records flattened, nothing dropped; other JSON kept as is") {
    std::string error;
    auto v = json_record_value(
        R"({"datasetid": "comptage_trafic_2018", "recordid": "f98", "fields": {"ident": "Z06AE", "hpm": "0,0%", "vit_evo": [-3.0, 3.0]}, "geometry": {"type": "Point", "coordinates": [3.0, -3.0]}, "record_timestamp": "2021-01-19T22:08:46.874+01:00"})",
        error);
    REQUIRE(v);
    CHECK(*v == R"({"ident":"Z06AE","hpm":"0,0%","vit_evo":[-3.0,3.0],"datasetid":"comptage_trafic_2018","recordid":"f98","geometry":{"type":"Point","coordinates":[3.0,-3.0]},"record_timestamp":"2021-01-19T22:08:46.874+01:00"})");
    CHECK(json_record_key(*v, {"IDENT", "sens_cir"}) == R"({"IDENT":"Z06AE","sens_cir":null})");

    auto plain = json_record_value(R"({"a": 1, "fields": "not an object"})", error);
    REQUIRE(plain);
    CHECK(*plain == R"({"a":1,"fields":"not an object"})");

    CHECK_FALSE(json_record_value("{\"a\": }", error));
    CHECK(error.find("not valid JSON") != std::string::npos);

    // Latin-1 bytes in a JSON file are repaired to UTF-8, not rejected.
    auto latin = json_record_value("{\"nom\": \"M\xe9rignac\"}", error);
    REQUIRE(latin);
    CHECK(*latin == "{\"nom\":\"M\xc3\xa9rignac\"}");
}
