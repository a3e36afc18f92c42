// Chains through the ABI, as the worker runs them: the document made by the first transform
// travels to the next ones (one parse, one serialisation per record), a predicate may attach
// it too, and a document from another library is serialised and released, then parsed here.
#include "record_document.hpp"

#include "transform_test_support.hpp"

using namespace transform_tests;
using sluice::testing::ChainInput;
using sluice::testing::ChainRecord;
using sluice::testing::FakeHost;
using sluice::testing::ForeignDocument;
using sluice::testing::PredicateUnderTest;
using sluice::testing::TransformUnderTest;

namespace {

// The bench chain: geo_point, traffic_status, replace_field, timestamp_converter, and filter
// under `predicate: field_matches etat == INCONNU` (the worker's job, done here by hand).
struct BenchChain {
    FakeHost host;
    TransformUnderTest geo{"geo_point", {}, host};
    TransformUnderTest status{"traffic_status", {}, host};
    TransformUnderTest replace{"replace_field", {{"exclude", "geo_shape,geo_point_2d,gml_id,cdate"}, {"renames", "etat:etat_source,mdate:updated_at"}}, host};
    TransformUnderTest ts{"timestamp_converter", {{"field", "updated_at"}, {"target.type", "unix"}}, host};
    PredicateUnderTest unknown{"field_matches", {{"field", "traffic_status"}, {"value", "unknown"}}, host};
    TransformUnderTest drop{"filter", {}, host};

    // Returns false when the record was dropped; fails the test on any error.
    bool run(ChainRecord& r) {
        int32_t keep = 1;
        for (TransformUnderTest* t : {&geo, &status, &replace, &ts}) {
            auto res = t->apply(r, keep);
            REQUIRE_MESSAGE(res.status == SLUICE_OK, res.message);
            REQUIRE(keep == 1);
        }
        int32_t matched = 0;
        REQUIRE(unknown.test(r, matched).status == SLUICE_OK);
        if (matched != 0) {
            REQUIRE(drop.apply(r, keep).status == SLUICE_OK);
            return keep != 0;
        }
        return true;
    }
};

}  // namespace

TEST_CASE("chain: five transforms over every Bordeaux record parse once and serialise once") {
    BenchChain chain;
    int kept = 0, dropped = 0;
    for (const auto& rec : bordeaux_records()) {
        auto& stats = sluice::transforms::document_stats();
        stats = {};
        ChainRecord r(value_in(rec));
        bool keep = chain.run(r);
        auto out = r.finish();
        CHECK(stats.parses == 1);
        CHECK(stats.serializations == 1);
        if (!keep) {
            ++dropped;
            continue;
        }
        ++kept;
        auto v = parse(out.value);
        auto orig = nlohmann::json::parse(rec);
        CHECK(v.at("lat") == orig.at("geo_point_2d").at("lat"));
        CHECK(v.at("etat_source") == orig.at("etat"));
        CHECK(v.at("updated_at").is_number_integer());
        CHECK_FALSE(v.contains("geo_shape"));
        CHECK_FALSE(v.contains("mdate"));
        CHECK(v.at("traffic_status") != "unknown");
    }
    std::map<std::string, int> raw;
    for (std::size_t r = 0; r < bordeaux_table().rows.size(); ++r) raw[bordeaux_table().at(r, "etat")]++;
    CHECK(dropped == raw["INCONNU"]);
    CHECK(kept + dropped == static_cast<int>(bordeaux_records().size()));
}

TEST_CASE("chain: a predicate that parsed first hands its document to the transforms") {
    FakeHost host;
    PredicateUnderTest p("field_matches", {{"field", "etat"}, {"value", "FLUIDE"}}, host);
    TransformUnderTest t("traffic_status", {}, host);
    auto& stats = sluice::transforms::document_stats();
    stats = {};
    ChainRecord r(value_in(R"({"etat":"FLUIDE"})"));
    int32_t matched = 0, keep = 1;
    REQUIRE(p.test(r, matched).status == SLUICE_OK);
    CHECK(matched == 1);
    CHECK(r.get()->value_doc.handle != nullptr);
    REQUIRE(t.apply(r, keep).status == SLUICE_OK);
    auto out = r.finish();
    CHECK(*out.value == R"({"etat":"FLUIDE","traffic_status":"free","congestion_level":0})");
    CHECK(stats.parses == 1);
    CHECK(stats.serializations == 1);
}

TEST_CASE("chain: a foreign document is serialised and released once, then parsed here") {
    FakeHost host;
    TransformUnderTest a("traffic_status", {}, host);
    TransformUnderTest b("insert_field", {{"static.field", "city"}, {"static.value", "Rennes"}}, host);
    ForeignDocument foreign;
    foreign.text = R"({"trafficStatus":"congested","averageVehicleSpeed":12})";
    auto& stats = sluice::transforms::document_stats();
    stats = {};
    ChainRecord r(value_in(std::string("stale bytes, the document is authoritative")));
    r.get()->value_doc = foreign.document();
    int32_t keep = 1;
    REQUIRE(a.apply(r, keep).status == SLUICE_OK);
    CHECK(foreign.serializations == 1);
    CHECK(foreign.releases == 1);
    CHECK(r.get()->value_doc.owner == sluice::transforms::document_owner());
    REQUIRE(b.apply(r, keep).status == SLUICE_OK);
    auto out = r.finish();
    CHECK(*out.value == R"({"trafficStatus":"congested","averageVehicleSpeed":12,"traffic_status":"congested","congestion_level":2,"city":"Rennes"})");
    CHECK(foreign.serializations == 1);
    CHECK(foreign.releases == 1);
    CHECK(stats.parses == 1);
    CHECK(stats.serializations == 1);
}

TEST_CASE("chain: a transform that sets bytes drops the document; key and value documents are separate") {
    FakeHost host;
    TransformUnderTest status("traffic_status", {}, host);
    TransformUnderTest to_key("value_to_key", {{"fields", "gid"}}, host);
    TransformUnderTest key_hoist("hoist_field", {{"field", "k"}, {"target", "key"}}, host);
    TransformUnderTest extract("extract_field", {{"field", "traffic_status"}}, host);
    ChainRecord r(value_in(R"({"gid":7,"etat":"DENSE"})", std::string("old-key")));
    int32_t keep = 1;
    for (auto* t : {&status, &to_key, &key_hoist, &extract}) REQUIRE(t->apply(r, keep).status == SLUICE_OK);
    auto out = r.finish();
    CHECK(*out.key == R"({"k":{"gid":7}})");
    CHECK(*out.value == R"("dense")");
}

TEST_CASE("chain: an error leaves the record to the worker, naming transform and field") {
    FakeHost host;
    TransformUnderTest ts("timestamp_converter", {{"field", "mdate"}, {"target.type", "unix"}}, host);
    ChainRecord r(value_in(R"({"mdate":"not a date"})"));
    int32_t keep = 0;
    auto res = ts.apply(r, keep);
    CHECK(res.status == SLUICE_ERROR);
    CHECK(keep == 1);
    CHECK(res.message == "timestamp_converter: field 'mdate' is \"not a date\", expected a timestamp in ISO 8601");
    auto out = r.finish();  // the worker still owns the (unchanged) record
    CHECK(*out.value == R"({"mdate":"not a date"})");
}
