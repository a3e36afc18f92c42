// topic_name_matches, has_header_key, record_is_tombstone, field_matches.
#include "transform_test_support.hpp"

using namespace transform_tests;
using sluice::testing::ChainInput;
using sluice::testing::ChainRecord;
using sluice::testing::FakeHost;
using sluice::testing::PredicateUnderTest;

namespace {
struct Verdict {
    sluice_status status;
    bool matched;
    std::string message;
};
Verdict test_one(const std::string& predicate, std::map<std::string, std::string> config, ChainInput in) {
    FakeHost host;
    PredicateUnderTest p(predicate, std::move(config), host);
    REQUIRE_MESSAGE(p.ok(), p.created.message);
    const auto original = in.value;
    ChainRecord record(std::move(in));
    int32_t result = 0;
    auto r = p.test(record, result);
    auto out = record.finish();
    if (original && r.status == SLUICE_OK) CHECK(out.value == original);  // a predicate never changes the record
    return {r.status, result != 0, r.message};
}
ChainInput value(std::optional<std::string> v) {
    ChainInput in;
    in.value = std::move(v);
    return in;
}
}  // namespace

TEST_CASE("topic_name_matches, has_header_key, record_is_tombstone") {
    ChainInput in = value("{}");
    in.topic = "traffic.bordeaux";
    CHECK(test_one("topic_name_matches", {{"pattern", "traffic\\..*"}}, in).matched);
    CHECK_FALSE(test_one("topic_name_matches", {{"pattern", "traffic"}}, in).matched);
    in.headers = {{"trace", std::nullopt}};
    CHECK(test_one("has_header_key", {{"name", "trace"}}, in).matched);
    CHECK_FALSE(test_one("has_header_key", {{"name", "other"}}, in).matched);
    CHECK(test_one("record_is_tombstone", {}, value(std::nullopt)).matched);
    CHECK_FALSE(test_one("record_is_tombstone", {}, value("")).matched);  // empty is not null
}

TEST_CASE("field_matches: operators on real records") {
    struct Row {
        std::map<std::string, std::string> config;
        std::string value;
        bool matched;
    } rows[] = {
        {{{"field", "etat"}, {"op", "=="}, {"value", "EMBOUTEILLE"}}, R"({"etat":"EMBOUTEILLE"})", true},
        {{{"field", "etat"}, {"value", "EMBOUTEILLE"}}, R"({"etat":"FLUIDE"})", false},
        {{{"field", "etat"}, {"op", "!="}, {"value", "INCONNU"}}, R"({"etat":"FLUIDE"})", true},
        {{{"field", "averageVehicleSpeed"}, {"op", "<"}, {"value", "30"}}, R"({"averageVehicleSpeed":29})", true},
        {{{"field", "averageVehicleSpeed"}, {"op", "<"}, {"value", "30"}}, R"({"averageVehicleSpeed":30})", false},
        {{{"field", "averageVehicleSpeed"}, {"op", "<="}, {"value", "30"}}, R"({"averageVehicleSpeed":30.0})", true},
        {{{"field", "k"}, {"op", ">"}, {"value", "50"}}, R"({"k":6.36167})", false},
        {{{"field", "k"}, {"op", ">="}, {"value", "6.36167"}}, R"({"k":6.36167})", true},
        {{{"field", "mdate"}, {"op", ">"}, {"value", "2025-12-18"}}, R"({"mdate":"2025-12-18T08:50:50+00:00"})", true},
        {{{"field", "ident"}, {"op", "matches"}, {"value", "MB\\d+\\..*"}}, R"({"ident":"MB333.P1"})", true},
        {{{"field", "ident"}, {"op", "matches"}, {"value", "MB"}}, R"({"ident":"MB333.P1"})", false},
        {{{"field", "gid"}, {"op", "matches"}, {"value", "10\\d\\d"}}, R"({"gid":1081})", true},
        {{{"field", "etat"}, {"op", "in"}, {"values", "DENSE,EMBOUTEILLE"}}, R"({"etat":"DENSE"})", true},
        {{{"field", "etat"}, {"op", "in"}, {"values", "DENSE,EMBOUTEILLE"}}, R"({"etat":"FLUIDE"})", false},
        {{{"field", "gid"}, {"op", "in"}, {"values", "1081,1082"}}, R"({"gid":1082})", true},
        {{{"field", "fields.etat_trafic"}, {"value", "Saturé"}}, R"({"fields":{"etat_trafic":"Saturé"}})", true},
        {{{"field", "ok"}, {"value", "true"}}, R"({"ok":true})", true},
        {{{"field", "etat"}, {"value", "X"}}, R"({"other":1})", false},          // missing: no match
        {{{"field", "etat"}, {"op", "!="}, {"value", "X"}}, R"({"etat":null})", false},  // null: no match
        {{{"field", "geo"}, {"op", "!="}, {"value", "X"}}, R"({"geo":{"lat":1}})", true},  // incomparable: only != holds
        {{{"field", "geo"}, {"op", "=="}, {"value", "X"}}, R"({"geo":{"lat":1}})", false},
    };
    for (const auto& row : rows) {
        CAPTURE(row.value);
        auto v = test_one("field_matches", row.config, value(row.value));
        CHECK(v.status == SLUICE_OK);
        CHECK(v.matched == row.matched);
    }
    CHECK_FALSE(test_one("field_matches", {{"field", "etat"}, {"value", "X"}}, value(std::nullopt)).matched);
    auto bad = test_one("field_matches", {{"field", "etat"}, {"value", "X"}}, value("[1]"));
    CHECK(bad.status == SLUICE_ERROR);
    CHECK(bad.message.find("field_matches: expected the record value to be a JSON object, found an array") == 0);
    bad = test_one("field_matches", {{"field", "etat"}, {"value", "X"}}, value("{broken"));
    CHECK(bad.status == SLUICE_ERROR);
}

TEST_CASE("field_matches: counts over the real Bordeaux snapshot equal the fixture's") {
    std::map<std::string, int> counts;
    for (std::size_t r = 0; r < bordeaux_table().rows.size(); ++r) counts[bordeaux_table().at(r, "etat")]++;
    int matched = 0;
    for (const auto& rec : bordeaux_records())
        matched += test_one("field_matches", {{"field", "etat"}, {"value", "EMBOUTEILLE"}}, value(rec)).matched ? 1 : 0;
    CHECK(matched == counts["EMBOUTEILLE"]);
    CHECK(matched > 0);
}

TEST_CASE("predicates: bad configurations stop the task") {
    FakeHost host;
    PredicateUnderTest no_value("field_matches", {{"field", "a"}, {"op", "<"}}, host);
    CHECK(no_value.created.status == SLUICE_FATAL);
    CHECK(no_value.created.message.find("op '<' needs 'value'") != std::string::npos);
    PredicateUnderTest no_values("field_matches", {{"field", "a"}, {"op", "in"}}, host);
    CHECK(no_values.created.status == SLUICE_FATAL);
    PredicateUnderTest bad_regex("topic_name_matches", {{"pattern", "[a-"}}, host);
    CHECK(bad_regex.created.status == SLUICE_FATAL);
}
