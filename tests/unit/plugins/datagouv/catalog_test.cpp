// The data.gouv.fr dataset answer and the resource filter.
#include "catalog.hpp"
#include "resource_offset.hpp"

#include <doctest/doctest.h>

using namespace sluice::datagouv;

TEST_CASE("dataset answer: resources with format, url, last_modified and checksum") {
    Dataset d = parse_dataset(R"({
      "id": "5a7c", "slug": "comptage-du-trafic", "title": "Comptage du trafic",
      "resources": [
        {"id": "r1", "title": "Comptage 2023", "format": "CSV", "url": "https://x/a.csv",
         "last_modified": "2024-01-15T10:22:31.123000+00:00", "checksum": {"type": "sha1", "value": "ab12"}},
        {"id": "r2", "title": "Comptage 2018", "format": "", "url": "https://x/export.json?download=1",
         "last_modified": "2021-01-19T22:08:46+00:00", "checksum": null},
        {"id": "r3", "title": "Notice", "format": "pdf", "latest": "https://www.data.gouv.fr/fr/datasets/r/r3"}
      ]})");
    CHECK(d.id == "5a7c");
    CHECK(d.slug == "comptage-du-trafic");
    REQUIRE(d.resources.size() == 3);
    CHECK(d.resources[0].format == "csv");
    CHECK(d.resources[0].checksum == "sha1:ab12");
    CHECK(d.resources[1].format == "json");  // from the URL's extension
    CHECK(d.resources[1].checksum.empty());
    CHECK(d.resources[2].url == "https://www.data.gouv.fr/fr/datasets/r/r3");

    ResourceFilter filter;
    filter.formats = {"csv", "json"};
    CHECK(filter.matches(d.resources[0]));
    CHECK(filter.matches(d.resources[1]));
    CHECK_FALSE(filter.matches(d.resources[2]));
    filter.title.emplace("2023", std::regex::ECMAScript | std::regex::icase);
    filter.title_pattern = "2023";
    CHECK(filter.matches(d.resources[0]));
    CHECK_FALSE(filter.matches(d.resources[1]));
    CHECK(filter.describe() == "format in [csv, json] and title matching /2023/");
}

TEST_CASE("dataset answer: what is wrong is said") {
    CHECK_THROWS_WITH(parse_dataset("<html>Bad gateway</html>"), "the dataset answer is not JSON");
    CHECK_THROWS_WITH(parse_dataset("[]"), "the dataset answer is not a JSON object");
    CHECK_THROWS_WITH(parse_dataset(R"({"id": "x"})"), "the dataset answer has no \"resources\" array");
    CHECK_THROWS_WITH(parse_dataset(R"({"resources": [{"title": "t"}]})"), "resources[0] has no \"id\" or no \"url\"");
}

TEST_CASE("offsets round-trip; foreign text is refused") {
    ResourceOffset o{{"2024-01-15T10:22:31+00:00", "sha1:ab"}, 101, 345};
    std::string text = offset_json(o);
    CHECK(text == R"({"last_modified":"2024-01-15T10:22:31+00:00","checksum":"sha1:ab","row":101,"rows":345})");
    auto back = parse_offset(text);
    REQUIRE(back);
    CHECK(back->version == o.version);
    CHECK(back->row == 101);
    CHECK(back->rows == 345);
    CHECK_FALSE(back->complete());
    CHECK_FALSE(parse_offset(R"({"position": 4})"));
    CHECK_FALSE(parse_offset(R"({"row": -1, "rows": 3})"));
    CHECK_FALSE(parse_offset("garbage"));
    CHECK(partition_json("5a7c", "r1") == R"({"dataset":"5a7c","resource":"r1"})");
}
