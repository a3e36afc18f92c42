#include "locations.hpp"

#include <sluice/sdk.hpp>

#include <doctest/doctest.h>

using namespace sluice::weather;

namespace {
std::string refusal(const std::string& json) {
    try {
        parse_locations(json);
    } catch (const sluice::FatalError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("locations: strings, objects and the flat comma spelling") {
    auto a = parse_locations(R"(["Bordeaux:44.84:-0.58", "Mérignac:44.83:-0.69:Europe/Paris"])");
    REQUIRE(a.size() == 2);
    CHECK(a[0].name == "Bordeaux");
    CHECK(a[0].latitude == "44.84");
    CHECK(a[0].longitude == "-0.58");
    CHECK(a[0].timezone.empty());
    CHECK(a[1].name == "Mérignac");
    CHECK(a[1].timezone == "Europe/Paris");

    auto b = parse_locations(R"([{"name":"Rennes","lat":48.11,"lon":-1.68,"timezone":"Europe/Paris"},
                                 {"name":"Paris","latitude":"48.85","longitude":"2.35"}])");
    REQUIRE(b.size() == 2);
    CHECK(b[0].latitude == "48.11");
    CHECK(b[0].longitude == "-1.68");
    CHECK(b[1].latitude == "48.85");

    auto c = parse_locations(R"("Bordeaux:44.84:-0.58, Paris:48.85:2.35")");
    REQUIRE(c.size() == 2);
    CHECK(c[1].name == "Paris");
    // Not valid JSON numbers as written: normalised so partitions and values stay JSON.
    CHECK(parse_locations(R"(["X:+44.5:.5"])")[0].latitude == "44.5");
    CHECK(parse_locations(R"(["X:+44.5:.5"])")[0].longitude == "0.5");
}

TEST_CASE("locations: every mistake is named with its index") {
    CHECK(refusal(R"(["Bordeaux:44.84"])").find("locations[0]: expected \"name:lat:lon\"") == 0);
    CHECK(refusal(R"(["A:1:2", "B:95:2"])") == "locations[1]: latitude must lie between -90 and 90, got 95");
    CHECK(refusal(R"(["A:1:east"])") == "locations[0]: longitude must be a decimal number, got 'east'");
    CHECK(refusal(R"(["A:nan:1"])").find("locations[0]: latitude must be a decimal number") == 0);
    CHECK(refusal(R"(["A:1:2", "A:3:4"])").find("locations[1]: the name 'A' is used twice") == 0);
    CHECK(refusal(R"([{"name":"A","lat":1}])").find("locations[0]: expected") == 0);
    CHECK(refusal(R"([{"name":"A","lat":1,"lon":2,"alt":3}])") == "locations[0]: unknown field 'alt' (valid: name, lat, lon, timezone)");
    CHECK(refusal(R"([":1:2"])") == "locations[0]: the name is empty");
    CHECK(refusal(R"([])").find("locations: the list is empty") == 0);
    CHECK(refusal(R"(null)").find("locations: not set") == 0);
    CHECK(refusal(R"([42])").find("locations[0]: expected") == 0);
    CHECK(refusal(R"(["A:1:2:Europe/Paris&x=1"])").find("is not an IANA zone name") != std::string::npos);
}

TEST_CASE("locations: task i takes locations i, i+N, ...") {
    auto all = parse_locations(R"(["A:1:1","B:2:2","C:3:3","D:4:4","E:5:5"])");
    auto names = [](const std::vector<Location>& v) {
        std::string s;
        for (auto& l : v) s += l.name;
        return s;
    };
    CHECK(names(locations_of_task(all, 0, 2)) == "ACE");
    CHECK(names(locations_of_task(all, 1, 2)) == "BD");
    CHECK(names(locations_of_task(all, 0, 1)) == "ABCDE");
    CHECK(names(locations_of_task(all, 5, 6)).empty());
}
