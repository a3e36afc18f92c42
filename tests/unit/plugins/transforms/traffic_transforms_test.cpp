// geo_point and traffic_status over every record of every traffic fixture, in each layout the
// portals produce, plus the bad paths.
#include "time_format.hpp"
#include "transform_test_support.hpp"

#include <cmath>

using namespace transform_tests;
using sluice::testing::ChainInput;

namespace {
nlohmann::json geo(const std::string& value, std::map<std::string, std::string> config = {}) {
    ChainInput in;
    in.value = value;
    auto run = run_transform("geo_point", std::move(config), in);
    REQUIRE_MESSAGE(run.result.status == SLUICE_OK, run.result.message);
    return parse(run.out.value);
}
}  // namespace

TEST_CASE("geo_point: Bordeaux ci_trafi_l, {lon, lat} object, numbers kept as written") {
    const auto& t = bordeaux_table();
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        ChainInput in;
        in.value = bordeaux_records()[r];
        auto run = run_transform("geo_point", {}, in);
        REQUIRE(run.result.status == SLUICE_OK);
        const std::string& point = t.at(r, "geo_point_2d");  // "lat,lon" in the CSV
        auto comma = point.find(',');
        // The output carries the digits of the source text, not a re-printed double.
        CHECK(run.out.value->find("\"lat\":" + point.substr(0, comma)) != std::string::npos);
        CHECK(run.out.value->find("\"lon\":" + point.substr(comma + 1)) != std::string::npos);
    }
}

TEST_CASE("geo_point: the other shapes of the fixtures") {
    // Rennes 2021 CSV: "48.1161905395,-1.71854551066"; 2025: "48.04, -1.65" (space) under "Geo Point".
    // 103 rows of the 2021 snapshot have no geometry at all: those are errors naming the fields.
    int without_position = 0;
    for (std::size_t r = 0; r < rennes_2021_records().size(); ++r) {
        const bool empty = rennes_2021_table().at(r, "geo_point_2d").empty() && rennes_2021_table().at(r, "Geo Shape").empty();
        ChainInput in;
        in.value = rennes_2021_records()[r];
        auto run = run_transform("geo_point", {{"geometry.fields", "Geo Shape"}}, in);
        if (empty) {
            ++without_position;
            CHECK(run.result.status == SLUICE_ERROR);
            CHECK(run.result.message == "geo_point: no position in the record: 'geo_point_2d', 'Geo Shape' missing or null");
            continue;
        }
        REQUIRE_MESSAGE(run.result.status == SLUICE_OK, run.result.message);
        auto v = parse(run.out.value);
        CHECK(std::fabs(v.at("lat").get<double>() - 48.1) < 0.3);
        CHECK(std::fabs(v.at("lon").get<double>() + 1.68) < 0.3);
    }
    CHECK(without_position == 103);
    std::size_t n = 0;
    for (const auto& rec : rennes_2025_records()) {
        auto v = geo(rec, {{"field", "Geo Point"}, {"geometry.fields", "Geo Shape"}});
        CHECK(std::fabs(v.at("lat").get<double>() - 48.1) < 0.3);
        if (++n > 200) break;
    }
    // Paris v1: geo_point_2d is [lat, lon] inside "fields"; the geometry is a GeoJSON Point [lon, lat].
    // One of the 400 Paris records has neither geo_point_2d nor geometry: an error, by name.
    without_position = 0;
    for (const auto& rec : paris_records()) {
        auto orig = nlohmann::json::parse(rec);
        if (!orig.contains("geometry")) {
            ++without_position;
            auto run = run_transform("geo_point", {{"field", "fields.geo_point_2d"}}, value_in(rec));
            CHECK(run.result.status == SLUICE_ERROR);
            CHECK(run.result.message.find("no position in the record: 'fields.geo_point_2d'") != std::string::npos);
            continue;
        }
        auto a = geo(rec, {{"field", "fields.geo_point_2d"}});
        CHECK(a.at("lat") == orig.at("fields").at("geo_point_2d").at(0));
        CHECK(a.at("lon") == orig.at("fields").at("geo_point_2d").at(1));
        auto b = geo(rec, {{"field", "absent"}, {"geometry.fields", "geometry"}});
        CHECK(b.at("lat") == a.at("lat"));
        CHECK(b.at("lon") == a.at("lon"));
    }
    CHECK(without_position == 1);
}

TEST_CASE("geo_point: GeoJSON layouts, first point or centroid") {
    const std::string line = R"({"type":"LineString","coordinates":[[-0.53,44.80],[-0.55,44.82]]})";
    struct Case {
        std::string name, value;
        std::map<std::string, std::string> config;
        double lat, lon;
    } cases[] = {
        {"geometry, centroid", R"({"geo_shape":)" + line + "}", {}, 44.81, -0.54},
        {"geometry, first", R"({"geo_shape":)" + line + "}", {{"line.point", "first"}}, 44.80, -0.53},
        {"feature", R"({"geo_shape":{"type":"Feature","geometry":)" + line + R"(,"properties":{}}})", {}, 44.81, -0.54},
        {"geometry in a string (CSV)", R"({"geo_shape":)" + sluice::json::quote(line) + "}", {{"line.point", "first"}}, 44.80, -0.53},
        {"multilinestring", R"({"geometry":{"type":"MultiLineString","coordinates":[[[-1.7180070988,48.1162062983],[-1.7190839225,48.1161747806]]]}})", {{"line.point", "first"}}, 48.1162062983, -1.7180070988},
        {"point field null, geometry used", R"({"geo_point_2d":null,"geometry":{"type":"Point","coordinates":[2.29,48.87]}})", {}, 48.87, 2.29},
        {"geojson in the point field", R"({"geo_point_2d":{"type":"Point","coordinates":[2.29,48.87]}})", {}, 48.87, 2.29},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto v = geo(c.value, c.config);
        CHECK(v.at("lat").get<double>() == doctest::Approx(c.lat));
        CHECK(v.at("lon").get<double>() == doctest::Approx(c.lon));
    }
    auto moved = geo(R"({"geo_point_2d":{"lon":-0.5,"lat":44.8},"x":1})", {{"remove.source", "true"}, {"lat.field", "y"}, {"lon.field", "x"}});
    CHECK(moved == nlohmann::json::parse(R"({"x":-0.5,"y":44.8})"));
}

TEST_CASE("geo_point: bad paths name the field and the expected shape") {
    run_table("geo_point", {
        {"no position at all", {}, R"({"gid":1})", std::nullopt, "no position in the record: 'geo_point_2d', 'geo_shape', 'geometry' missing or null"},
        {"string without comma", {}, R"({"geo_point_2d":"44.8 -0.5"})", std::nullopt, "field 'geo_point_2d' is the string \"44.8 -0.5\", expected"},
        {"lat not a number", {}, R"({"geo_point_2d":{"lat":"44.8","lon":-0.5}})", std::nullopt, "field 'geo_point_2d': lat is a string, expected a number"},
        {"array of 3", {}, R"({"geo_point_2d":[1,2,3]})", std::nullopt, "an array of 3 items"},
        {"out of range (lon, lat swapped)", {}, R"({"geo_point_2d":[144.8,-0.53]})", std::nullopt, "expected lat in [-90, 90] and lon in [-180, 180]"},
        {"broken GeoJSON text", {}, R"({"geo_shape":"{\"type\": \"LineString\""})", std::nullopt, "field 'geo_shape' holds text that is not GeoJSON"},
        {"geometry without coordinates", {}, R"({"geo_shape":{"type":"LineString"}})", std::nullopt, "is a LineString without a coordinates array"},
        {"empty coordinates", {}, R"({"geo_shape":{"type":"LineString","coordinates":[]}})", std::nullopt, "with no coordinates"},
        {"boolean", {}, R"({"geo_point_2d":true})", std::nullopt, "field 'geo_point_2d' is a boolean"},
        {"tombstone", {}, std::nullopt, std::nullopt, ""},
        {"not an object", {}, R"("44.8,-0.5")", std::nullopt, "expected the record value to be a JSON object"},
    });
}

TEST_CASE("traffic_status: every status of every city maps, counts as in the fixtures") {
    auto status_counts = [](const std::vector<std::string>& records, std::map<std::string, std::string> config) {
        std::map<std::string, int> counts;
        for (const auto& rec : records) {
            ChainInput in;
            in.value = rec;
            auto run = run_transform("traffic_status", config, in);
            REQUIRE_MESSAGE(run.result.status == SLUICE_OK, run.result.message);
            auto v = parse(run.out.value);
            std::string status = v.at("traffic_status");
            counts[status]++;
            const auto& level = v.at("congestion_level");
            if (status == "unknown") CHECK(level.is_null());
            else CHECK(level.get<int>() == (status == "free" ? 0 : status == "dense" ? 1 : status == "congested" ? 2 : 3));
            auto orig = nlohmann::json::parse(rec);
            for (auto& [k, val] : orig.items()) CHECK(v.at(k) == val);  // the original is kept
        }
        return counts;
    };
    // Bordeaux etat: 438 FLUIDE, 10 DENSE, 23 EMBOUTEILLE, 223 INCONNU (counted from the CSV).
    std::map<std::string, int> raw;
    for (std::size_t r = 0; r < bordeaux_table().rows.size(); ++r) raw[bordeaux_table().at(r, "etat")]++;
    auto bdx = status_counts(bordeaux_records(), {});
    CHECK(bdx["free"] == raw["FLUIDE"]);
    CHECK(bdx["dense"] == raw["DENSE"]);
    CHECK(bdx["congested"] == raw["EMBOUTEILLE"]);
    CHECK(bdx["unknown"] == raw["INCONNU"]);
    // Rennes trafficStatus (2021: no "unknown"; 2025 has it).
    for (const auto* table : {&rennes_2021_table(), &rennes_2025_table()}) {
        std::map<std::string, int> rr;
        for (std::size_t r = 0; r < table->rows.size(); ++r) rr[table->at(r, "trafficStatus")]++;
        auto layout = sluice::testing::rennes_layout();
        auto records = sluice::testing::table_to_json(*table, layout);
        auto c = status_counts(records, {});
        CHECK(c["free"] == rr["freeFlow"]);
        CHECK(c["dense"] == rr["heavy"]);
        CHECK(c["congested"] == rr["congested"]);
        CHECK(c["unknown"] == rr["unknown"]);
    }
    // Paris v1 records: etat_trafic under "fields" (Fluide, Inconnu, Pré-saturé, Saturé, Bloqué).
    std::map<std::string, int> pr;
    for (const auto& rec : paris_records()) pr[nlohmann::json::parse(rec).at("fields").at("etat_trafic")]++;
    auto p = status_counts(paris_records(), {});
    CHECK(p["free"] == pr["Fluide"]);
    CHECK(p["dense"] == pr["Pré-saturé"]);
    CHECK(p["congested"] == pr["Saturé"]);
    CHECK(p["blocked"] == pr["Bloqué"]);
    CHECK(p["unknown"] == pr["Inconnu"]);
    CHECK(p["blocked"] > 0);
    auto pf = status_counts(paris_fields(), {{"field", "etat_trafic"}});
    CHECK(pf == p);
}

TEST_CASE("traffic_status: renamed and re-cased columns, odd values, bad paths") {
    run_table("traffic_status", {
        {"2022 lower-case column", {}, R"({"trafficstatus":"heavy"})", R"({"trafficstatus":"heavy","traffic_status":"dense","congestion_level":1})", ""},
        {"legacy WFS upper-case ETAT", {}, R"({"GID":15,"ETAT":"FLUIDE"})", R"({"GID":15,"ETAT":"FLUIDE","traffic_status":"free","congestion_level":0})", ""},
        {"PARALYSE and impossible", {{"status.field", "s"}, {"level.field", "l"}}, R"({"etat":"PARALYSE"})", R"({"etat":"PARALYSE","s":"blocked","l":3})", ""},
        {"upper-case accented Paris value", {}, R"({"etat_trafic":"PRÉ-SATURÉ"})", R"({"etat_trafic":"PRÉ-SATURÉ","traffic_status":"dense","congestion_level":1})", ""},
        {"null status is unknown", {}, R"({"etat":null})", R"({"etat":null,"traffic_status":"unknown","congestion_level":null})", ""},
        {"unknown vocabulary", {}, R"({"etat":"BOUCHON"})", std::nullopt, "field 'etat' is \"BOUCHON\", expected a known status"},
        {"unknown vocabulary tolerated", {{"on.unknown.value", "unknown"}}, R"({"etat":"BOUCHON"})", R"({"etat":"BOUCHON","traffic_status":"unknown","congestion_level":null})", ""},
        {"wrong type", {}, R"({"etat":3})", std::nullopt, "field 'etat' is a number, expected a string"},
        {"no status column", {}, R"({"gid":1})", std::nullopt, "no status field: expected one of etat, trafficStatus, etat_trafic"},
        {"explicit field missing", {{"field", "status"}}, R"({"etat":"DENSE"})", std::nullopt, "field 'status' is missing"},
        {"tombstone", {}, std::nullopt, std::nullopt, ""},
    });
}

TEST_CASE("legacy Bordeaux WFS export (2017): upper-case columns, local HEURE without zone") {
    auto table = sluice::testing::read_csv(fixture("bordeaux/ci_trafi_l/CI_TRAFI_L_wfs_2017-10-14.csv"), ',');
    sluice::testing::RecordLayout layout;
    layout.numeric = {"GID"};
    auto records = sluice::testing::table_to_json(table, layout);
    REQUIRE(records.size() == 713);
    sluice::testing::FakeHost host;
    sluice::testing::TransformUnderTest status("traffic_status", {}, host);
    sluice::testing::TransformUnderTest heure("timestamp_converter", {{"field", "HEURE"}, {"format", "yyyyMMddHHmmss"}, {"timezone", "Europe/Paris"}, {"target.type", "Timestamp"}}, host);
    for (std::size_t r = 0; r < records.size(); ++r) {
        sluice::testing::ChainRecord rec(value_in(records[r]));
        int32_t keep = 1;
        REQUIRE(status.apply(rec, keep).status == SLUICE_OK);
        REQUIRE(heure.apply(rec, keep).status == SLUICE_OK);
        auto v = parse(rec.finish().value);
        // e.g. 20171014031623: Paris summer time (UTC+2) on 2017-10-14.
        const std::string& h = table.at(r, "HEURE");
        const std::string iso = h.substr(0, 4) + "-" + h.substr(4, 2) + "-" + h.substr(6, 2) + "T" + h.substr(8, 2) + ":" +
                                h.substr(10, 2) + ":" + h.substr(12, 2) + "+02:00";
        auto expected = sluice::transforms::parse_iso8601(iso, sluice::transforms::TimeZone());
        REQUIRE(expected);
        CHECK(v.at("HEURE").get<std::int64_t>() == *expected);
        const std::string etat = table.at(r, "ETAT");
        CHECK(v.at("traffic_status") == (etat == "FLUIDE" ? "free" : etat == "INCONNU" ? "unknown" : etat == "DENSE" ? "dense" : "congested"));
    }
}
