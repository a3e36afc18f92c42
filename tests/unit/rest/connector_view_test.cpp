// What answers show of a connector: secrets masked ("****" for declared secrets and
// ${env:}/${file:} values), a masked value PUT back kept, names refused, JSON bodies checked.
#include "rest/connector_view.hpp"

#include <doctest/doctest.h>

using namespace sluice;
using namespace sluice::rest;

namespace {

runtime::ConnectorDefinition definition() {
    runtime::ConnectorDefinition d;
    d.spec.name = "c";
    d.spec.plugin = "p";
    config::Value secret;
    secret.text = "hunter2";
    secret.secret = true;
    config::Value from_env;
    from_env.text = "resolved";
    from_env.interpolated = true;
    config::Value plain;
    plain.text = "10";
    d.spec.config = {{"password", secret}, {"token", from_env}, {"rate", plain}};
    d.flat = {{"connector.class", "p"}, {"topic", "t"}, {"password", "hunter2"}, {"token", "${env:TOKEN}"}, {"rate", "10"}};
    d.origin = runtime::Origin::rest;
    return d;
}

HttpRequest with_body(const std::string& type, const std::string& body) {
    HttpRequest r;
    r.headers["content-type"] = type;
    r.body = body;
    return r;
}

}  // namespace

TEST_CASE("connector view: secrets and interpolated values are masked, others shown as given") {
    auto shown = shown_config(definition());
    CHECK(shown.at("password") == "****");
    CHECK(shown.at("token") == "****");
    CHECK(shown.at("rate") == "10");
    CHECK(shown.at("topic") == "t");

    // A pipeline connector (no flat map): built from the spec, secrets masked the same way.
    auto d = definition();
    d.flat.clear();
    d.spec.topics = {"t1"};
    auto built = shown_config(d);
    CHECK(built.at("connector.class") == "p");
    CHECK(built.at("topic") == "t1");
    CHECK(built.at("password") == "****");
    CHECK(built.at("rate") == "10");
}

TEST_CASE("connector view: **** sent back keeps the stored value, only for masked keys") {
    FlatConfig incoming = {{"connector.class", "p"}, {"topic", "t"}, {"password", "****"}, {"token", "****"}, {"rate", "****"}};
    keep_masked_values(incoming, definition());
    CHECK(incoming.at("password") == "hunter2");
    CHECK(incoming.at("token") == "${env:TOKEN}");
    CHECK(incoming.at("rate") == "****");  // not masked: taken literally (and then refused as a bad integer)
}

TEST_CASE("connector view: names") {
    for (const char* good : {"traffic", "a.b-c_d", "Ünïcode"}) CHECK_NOTHROW(check_name(good));
    for (const char* bad : {"", ".", "..", "a/b", "a\\b", "a b", "tab\there", "nl\n"}) {
        try {
            check_name(bad);
            FAIL("accepted: ", bad);
        } catch (const ApiError& e) {
            CHECK(e.status == 400);
        }
    }
    CHECK_THROWS_AS(check_name(std::string(201, 'a')), ApiError);
}

TEST_CASE("connector view: JSON bodies need the JSON media type and parse, flat maps take strings") {
    HttpRequest r = with_body("application/json; charset=utf-8", R"({"a":"1","b":2,"c":true})");
    Call call{r, {}};
    auto flat = flat_from_json(json_body(call), "config");
    CHECK(flat == FlatConfig{{"a", "1"}, {"b", "2"}, {"c", "true"}});

    HttpRequest form = with_body("application/x-www-form-urlencoded", "{}");
    try {
        json_body(Call{form, {}});
        FAIL("accepted a form body");
    } catch (const ApiError& e) {
        CHECK(e.status == 415);
    }
    HttpRequest broken = with_body("application/json", R"({"a": )");
    try {
        json_body(Call{broken, {}});
        FAIL("accepted malformed JSON");
    } catch (const ApiError& e) {
        CHECK(e.status == 400);
        CHECK(std::string(e.what()).find("malformed JSON") != std::string::npos);
    }
    try {
        flat_from_json(nlohmann::json::parse(R"({"a":{"nested":1}})"), "config");
        FAIL("accepted an object value");
    } catch (const ApiError& e) {
        CHECK(e.status == 400);
        CHECK(std::string(e.what()).find("'a'") != std::string::npos);
    }
}
