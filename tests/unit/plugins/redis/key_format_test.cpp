#include "key_format.hpp"

#include <sluice/padded_json.hpp>

#include <doctest/doctest.h>

using sluice::redis::KeyFormat;

namespace {
std::string render(const std::string& format, std::optional<std::string_view> key, const std::string& value, bool* ok = nullptr,
                   std::string* problem_out = nullptr) {
    static simdjson::dom::parser parser;
    static std::string buffer;
    simdjson::dom::element doc;
    const bool parsed = !sluice::json_parse::parse_padded(parser, buffer, value).get(doc);
    const KeyFormat f = KeyFormat::parse(format);
    std::string out, problem;
    KeyFormat::Record r{key, "flights.live", 2, 41, parsed ? &doc : nullptr};
    const bool good = f.render(r, out, problem);
    if (ok) *ok = good;
    if (problem_out) *problem_out = problem;
    return good ? out : problem;
}
}  // namespace

TEST_CASE("key.format: record key, coordinates and nested value fields") {
    const std::string flight = R"({"flight":{"iata":"AF7600","number":7600},"live":true,"delay":1.5})";
    CHECK(render("flight:{flight.iata}", std::nullopt, flight) == "flight:AF7600");
    CHECK(render("{topic}/{partition}/{offset}", std::nullopt, flight) == "flights.live/2/41");
    CHECK(render("n{flight.number}:{live}:{delay}", std::nullopt, flight) == "n7600:true:1.5");
    CHECK(render("f:{key}", std::string_view("\"AF7600\""), flight) == "f:AF7600");  // a JSON string key
    CHECK(render("f:{key}", std::string_view("{\"a\":1}"), flight) == "f:{\"a\":1}");
    CHECK(KeyFormat::parse("{key}").needs_value() == false);
    CHECK(KeyFormat::parse("x:{a.b}").needs_value() == true);
}

TEST_CASE("key.format: what cannot make a key is a problem naming the placeholder") {
    bool ok = true;
    std::string problem;
    render("{flight.iata}", std::nullopt, R"({"flight":{}})", &ok, &problem);
    CHECK(!ok);
    CHECK(problem == "its value has no field 'flight.iata' (key.format)");
    render("{flight}", std::nullopt, R"({"flight":{"iata":"x"}})", &ok, &problem);
    CHECK(problem == "its field 'flight' is null, an object or an array; key.format needs a string or number");
    render("{key}", std::nullopt, "{}", &ok, &problem);
    CHECK(problem == "it has no key, and key.format uses {key}");
    CHECK_THROWS_WITH(KeyFormat::parse("a:{b"), doctest::Contains("'{' without '}'"));
    CHECK_THROWS_WITH(KeyFormat::parse("a:{}"), doctest::Contains("an empty placeholder"));
    CHECK_THROWS_WITH(KeyFormat::parse("{a..b}"), doctest::Contains("an empty field name"));
}
