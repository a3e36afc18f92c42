#include "civil_time.hpp"
#include "json_check.hpp"
#include "record_generator.hpp"

#include <sluice/sdk.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

using namespace sluice::datagen;
using sluice::testing::JsonCheck;

namespace {

ModelSettings settings_from(const char* start, std::int64_t interval_ms = 60'000, std::uint32_t sensors = 1,
                            std::uint64_t seed = 42) {
    ModelSettings s;
    s.seed = seed;
    s.sensors = sensors;
    s.interval_ms = interval_ms;
    s.start_ms = *parse_utc_seconds(start);
    return s;
}

std::map<std::string, std::string> fields_of(std::string_view value) {
    auto fields = sluice::json::parse_flat(value);
    REQUIRE(fields.has_value());
    return *fields;
}

std::vector<std::string> timestamps(RecordGenerator& generator, std::uint64_t count) {
    std::vector<std::string> out;
    for (std::uint64_t n = 0; n < count; ++n) out.push_back(fields_of(generator.generate(n).value).at("ts"));
    return out;
}

}  // namespace

TEST_CASE("a record is one JSON object in a fixed field order") {
    RecordGenerator generator(settings_from("2026-11-22T08:00:00Z", 60'000, 20));
    const GeneratedRecord r = generator.generate(7);
    // Golden bytes (2026-11-22 is a Sunday: a quiet morning on a fast lane). A change here
    // means every seed now produces other data: make it on purpose, never by accident.
    CHECK(std::string(r.value) ==
          R"({"sensor_id":"S0007","road":"A67","lane":3,"ts":"2026-11-22T08:00:00Z","interval_s":60,"vehicle_count":4,"avg_speed_kmh":128.5,"occupancy_pct":1.1,"heavy_vehicle_pct":0.0,"seq":7})");
    CHECK(r.key == "S0007");
    CHECK(r.timestamp_ms == 1'795'334'400'000);
}

TEST_CASE("every generated value is valid JSON with consistent fields") {
    RecordGenerator generator(settings_from("2026-03-28T00:00:00Z", 60'000, 13, 99));
    for (std::uint64_t n = 0; n < 13 * 1440 * 2; n += 7) {
        const GeneratedRecord r = generator.generate(n);
        CAPTURE(r.value);
        REQUIRE(JsonCheck::valid(r.value));
        const auto f = fields_of(r.value);
        REQUIRE(f.size() == 10);
        CHECK(f.at("sensor_id") == r.key);
        CHECK(r.key == generator.model().sensor(static_cast<std::uint32_t>(n % 13)).id);
        CHECK(f.at("seq") == std::to_string(n));
        CHECK(f.at("interval_s") == "60");
        CHECK(parse_utc_seconds(f.at("ts")) == r.timestamp_ms);
        CHECK(r.timestamp_ms == *parse_utc_seconds("2026-03-28T00:00:00Z") + static_cast<std::int64_t>(n / 13) * 60'000);
        const double speed = std::stod(f.at("avg_speed_kmh"));
        CHECK(speed >= 0);
        CHECK(speed <= 140);
        CHECK(std::stod(f.at("occupancy_pct")) <= 100);
        CHECK(std::stoll(f.at("vehicle_count")) >= 0);
    }
}

TEST_CASE("same seed gives identical bytes, another seed different ones") {
    RecordGenerator a(settings_from("2026-01-01T00:00:00Z", 60'000, 20, 42));
    RecordGenerator b(settings_from("2026-01-01T00:00:00Z", 60'000, 20, 42));
    RecordGenerator c(settings_from("2026-01-01T00:00:00Z", 60'000, 20, 43));
    int differing = 0;
    for (std::uint64_t n = 0; n < 20'000; ++n) {
        const std::string x(a.generate(n).value);
        REQUIRE(x == b.generate(n).value);
        if (x != c.generate(n).value) ++differing;
    }
    CHECK(differing > 15'000);
}

TEST_CASE("record n is the same whatever was generated before it") {
    RecordGenerator forward(settings_from("2026-06-30T22:00:00Z", 60'000, 7));
    std::vector<std::string> in_order;
    for (std::uint64_t n = 0; n < 7 * 200; ++n) in_order.emplace_back(forward.generate(n).value);
    RecordGenerator backward(settings_from("2026-06-30T22:00:00Z", 60'000, 7));
    for (std::uint64_t n = 7 * 200; n-- > 0;) REQUIRE(std::string(backward.generate(n).value) == in_order[n]);
    RecordGenerator jumping(settings_from("2026-06-30T22:00:00Z", 60'000, 7));
    for (std::uint64_t n : {1000, 3, 999, 4, 1399, 0}) CHECK(std::string(jumping.generate(n).value) == in_order[n]);
}

TEST_CASE("timestamps roll over midnight, month ends, leap days and years") {
    SUBCASE("year end") {
        RecordGenerator g(settings_from("2026-12-31T23:58:00Z"));
        CHECK(timestamps(g, 4) == std::vector<std::string>{"2026-12-31T23:58:00Z", "2026-12-31T23:59:00Z",
                                                           "2027-01-01T00:00:00Z", "2027-01-01T00:01:00Z"});
    }
    SUBCASE("month end") {
        RecordGenerator g(settings_from("2026-04-30T23:59:00Z"));
        CHECK(timestamps(g, 2) == std::vector<std::string>{"2026-04-30T23:59:00Z", "2026-05-01T00:00:00Z"});
    }
    SUBCASE("February in a leap year and in a common year") {
        RecordGenerator leap(settings_from("2028-02-28T23:59:00Z"));
        CHECK(timestamps(leap, 2) == std::vector<std::string>{"2028-02-28T23:59:00Z", "2028-02-29T00:00:00Z"});
        RecordGenerator common(settings_from("2026-02-28T23:59:00Z"));
        CHECK(timestamps(common, 2) == std::vector<std::string>{"2026-02-28T23:59:00Z", "2026-03-01T00:00:00Z"});
    }
    SUBCASE("several sensors share one timestamp per step") {
        RecordGenerator g(settings_from("2026-12-31T23:59:00Z", 60'000, 3));
        CHECK(timestamps(g, 6) == std::vector<std::string>{"2026-12-31T23:59:00Z", "2026-12-31T23:59:00Z",
                                                           "2026-12-31T23:59:00Z", "2027-01-01T00:00:00Z",
                                                           "2027-01-01T00:00:00Z", "2027-01-01T00:00:00Z"});
    }
    SUBCASE("a day per step over many years matches the calendar") {
        RecordGenerator g(settings_from("2026-01-01T12:00:00Z", 86'400'000));
        for (std::uint64_t n = 0; n < 4000; ++n) {
            const GeneratedRecord r = g.generate(n);
            REQUIRE(parse_utc_seconds(fields_of(r.value).at("ts")) == r.timestamp_ms);
        }
    }
    SUBCASE("after the year 9999 the year grows a digit") {
        RecordGenerator g(settings_from("9999-12-31T00:00:00Z", 86'400'000));
        CHECK(timestamps(g, 2) == std::vector<std::string>{"9999-12-31T00:00:00Z", "10000-01-01T00:00:00Z"});
    }
}

TEST_CASE("intervals that are not whole seconds carry milliseconds") {
    RecordGenerator g(settings_from("2026-01-01T00:00:00Z", 1'500));
    CHECK(timestamps(g, 3) ==
          std::vector<std::string>{"2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.500Z", "2026-01-01T00:00:03.000Z"});
    CHECK(fields_of(g.generate(0).value).at("interval_s") == "1.5");
    RecordGenerator h(settings_from("2026-01-01T00:00:00Z", 1'001));
    CHECK(fields_of(h.generate(1).value).at("interval_s") == "1.001");
    CHECK(fields_of(h.generate(1).value).at("ts") == "2026-01-01T00:00:01.001Z");
}

TEST_CASE("values are formatted with one decimal and no exponent") {
    RecordGenerator g(settings_from("2026-01-05T08:00:00Z", 60'000, 50));
    for (std::uint64_t n = 0; n < 50 * 60; ++n) {
        const auto f = fields_of(g.generate(n).value);
        for (const char* key : {"avg_speed_kmh", "occupancy_pct", "heavy_vehicle_pct"}) {
            const std::string& text = f.at(key);
            CAPTURE(text);
            REQUIRE(text.size() >= 3);
            REQUIRE(text[text.size() - 2] == '.');
            REQUIRE(text.find_first_not_of("0123456789.") == std::string::npos);
        }
    }
}

TEST_CASE("geo bordeaux-ring: every sensor on the ring road, as geo_point_2d after lane; none adds nothing") {
    ModelSettings plain = settings_from("2026-03-02T08:00:00Z", 60'000, 4);
    RecordGenerator without(plain);
    CHECK(std::string(without.generate(0).value).find("geo_point_2d") == std::string::npos);

    ModelSettings geo = plain;
    geo.geo = "bordeaux-ring";
    RecordGenerator with(geo);
    std::set<std::string> points;
    for (std::uint64_t n = 0; n < 4; ++n) {
        const std::string value(with.generate(n).value);
        auto json = nlohmann::json::parse(value);
        REQUIRE(json.contains("geo_point_2d"));
        const double lat = json["geo_point_2d"]["lat"], lon = json["geo_point_2d"]["lon"];
        CHECK(lat > 44.77);  // the ring road's bounding box
        CHECK(lat < 44.90);
        CHECK(lon > -0.67);
        CHECK(lon < -0.49);
        points.insert(json["geo_point_2d"].dump());
        CHECK(value.find("\"lane\":") < value.find("\"geo_point_2d\""));
        CHECK(value.find("\"geo_point_2d\"") < value.find("\"ts\""));
    }
    CHECK(points.size() == 4);  // one place per sensor
    // The same sensor stays in place.
    CHECK(nlohmann::json::parse(std::string(with.generate(4).value))["geo_point_2d"] ==
          nlohmann::json::parse(std::string(with.generate(0).value))["geo_point_2d"]);
}
