// Mapping one Opendatasoft record: geo normalisation, key, timestamp, fingerprints, errors.
#include "record_mapper.hpp"

#include <doctest/doctest.h>

using namespace sluice::ods;

namespace {

Settings settings(std::vector<std::string> keys = {"gid"}, Emit emit = Emit::all) {
    Settings s;
    s.base_url = "http://portal";
    s.dataset = "ci_trafi_l";
    s.timestamp_field = "mdate";
    s.key_fields = std::move(keys);
    s.emit = emit;
    return s;
}

}  // namespace

TEST_CASE("geo_point_2d: v2.1 object, v1 array, CSV text all become {lat, lon}") {
    const Json want = Json::parse(R"({"lat":44.8092,"lon":-0.5321})");
    CHECK(normalise_geo_point(Json::parse(R"({"lon":-0.5321,"lat":44.8092})")) == want);
    CHECK(normalise_geo_point(Json::parse("[44.8092,-0.5321]")) == want);
    CHECK(normalise_geo_point("44.8092,-0.5321") == want);
    CHECK(normalise_geo_point("44.8092, -0.5321") == want);
    CHECK(normalise_geo_point(nullptr).is_null());
    CHECK_THROWS_WITH_AS(normalise_geo_point("44.8092"), doctest::Contains("geo_point_2d"), MappingError);
    CHECK_THROWS_WITH_AS(normalise_geo_point(Json::parse("[144.8,-0.5]")), doctest::Contains("out of range"), MappingError);
    CHECK_THROWS_AS(normalise_geo_point(Json::parse(R"({"x":1,"y":2})")), MappingError);
}

TEST_CASE("geo_shape: a Feature is unwrapped, a JSON string parsed, anything else refused") {
    const Json line = Json::parse(R"({"coordinates":[[-0.53,44.80],[-0.54,44.81]],"type":"LineString"})");
    CHECK(normalise_geo_shape(Json{{"type", "Feature"}, {"geometry", line}, {"properties", Json::object()}}) == line);
    CHECK(normalise_geo_shape(line.dump()) == line);
    CHECK(normalise_geo_shape(line) == line);
    CHECK_THROWS_WITH_AS(normalise_geo_shape("{\"coordinates\": [[-0.53"), doctest::Contains("not GeoJSON"), MappingError);
    CHECK_THROWS_AS(normalise_geo_shape(Json::parse(R"({"type":"Feature"})")), MappingError);
    CHECK_THROWS_AS(normalise_geo_shape(42), MappingError);
}

TEST_CASE("a record maps to key, normalised value and UTC timestamp; names match ignoring case") {
    const Settings s = settings({"GID"});
    const TimeZone utc = TimeZone::utc();
    RecordMapper mapper(s, utc);
    Json r = Json::parse(R"({"geo_point_2d":{"lon":-0.53,"lat":44.8},"gid":1081,"etat":"INCONNU","MDATE":"2021-02-16T13:33:00+00:00"})");
    MappedRecord m = mapper.map(r);
    CHECK(m.key == R"({"GID":1081})");
    CHECK(m.key_id == "1081");
    CHECK(m.value == R"({"geo_point_2d":{"lat":44.8,"lon":-0.53},"gid":1081,"etat":"INCONNU","MDATE":"2021-02-16T13:33:00+00:00"})");
    CHECK(m.timestamp_ms == 1613482380000);
}

TEST_CASE("several key fields give an array key id") {
    const Settings s = settings({"predefinedLocationReference", "id"});
    const TimeZone utc = TimeZone::utc();
    RecordMapper mapper(s, utc);
    Json r = Json::parse(R"({"predefinedlocationreference":"491141","id":1413,"mdate":"2021-08-09T08:17:00+02:00"})");
    MappedRecord m = mapper.map(r);
    CHECK(m.key == R"({"predefinedLocationReference":"491141","id":1413})");
    CHECK(m.key_id == R"(["491141",1413])");
    Json partial = Json::parse(R"({"predefinedlocationreference":"491141","id":null,"mdate":"2021-08-09T08:17:00+02:00"})");
    CHECK(mapper.map(partial).key == R"({"predefinedLocationReference":"491141","id":null})");
    Json none = Json::parse(R"({"mdate":"2021-08-09T08:17:00+02:00"})");
    CHECK_THROWS_WITH_AS(mapper.map(none), doctest::Contains("no value for the key fields 'predefinedLocationReference', 'id'"), MappingError);
}

TEST_CASE("missing or unreadable timestamp and key values name the field") {
    const Settings s = settings();
    const TimeZone utc = TimeZone::utc();
    RecordMapper mapper(s, utc);
    Json no_ts = Json::parse(R"({"gid":1})");
    CHECK_THROWS_WITH_AS(mapper.map(no_ts), doctest::Contains("'mdate'"), MappingError);
    Json bad_ts = Json::parse(R"({"gid":1,"mdate":"yesterday"})");
    try {
        mapper.map(bad_ts);
        FAIL("no error");
    } catch (const MappingError& e) {
        CHECK(e.field() == "mdate");
        CHECK(std::string(e.what()).find("yesterday") != std::string::npos);
    }
    Json null_key = Json::parse(R"({"gid":null,"mdate":"2021-02-16T13:33:00Z"})");
    CHECK_THROWS_WITH_AS(mapper.map(null_key), doctest::Contains("key field 'gid'"), MappingError);
    Json not_object = Json::parse("[1,2]");
    CHECK_THROWS_AS(mapper.map(not_object), MappingError);
}

TEST_CASE("fingerprints ignore the timestamp, or compare only change_fields") {
    const TimeZone utc = TimeZone::utc();
    Settings all = settings({"gid"}, Emit::changes);
    RecordMapper m1(all, utc);
    Json a = Json::parse(R"({"gid":1,"etat":"FLUIDE","mdate":"2025-12-18T08:40:50Z"})");
    Json b = Json::parse(R"({"gid":1,"etat":"FLUIDE","mdate":"2025-12-18T08:50:50Z"})");
    Json c = Json::parse(R"({"gid":1,"etat":"DENSE","mdate":"2025-12-18T08:50:50Z"})");
    CHECK(m1.map(a).fingerprint == m1.map(b).fingerprint);
    CHECK(m1.map(a).fingerprint != m1.map(c).fingerprint);
    Settings only = settings({"gid"}, Emit::changes);
    only.change_fields = {"etat"};
    RecordMapper m2(only, utc);
    Json d = Json::parse(R"({"gid":1,"etat":"FLUIDE","speed":3,"mdate":"2025-12-18T08:50:50Z"})");
    CHECK(m2.map(a).fingerprint == m2.map(d).fingerprint);
    CHECK(m2.map(a).fingerprint != m2.map(c).fingerprint);
}
