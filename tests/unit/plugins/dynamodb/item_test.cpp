#include "item.hpp"

#include <doctest/doctest.h>

using namespace sluice::dynamodb;

namespace {
const std::vector<KeyAttribute> kStringKey{{"id", "S"}};
const std::vector<KeyAttribute> kCompound{{"iu_ac", "S"}, {"hour", "N"}};
}  // namespace

TEST_CASE("JSON values as attribute values: N, S, BOOL, NULL, M, L") {
    const Json value = Json::parse(R"({"id":"P1","free":12,"big":18446744073709551615,"neg":-3,"rate":0.25,
        "open":true,"note":null,"tags":["a",1],"where":{"lat":48.85,"lon":2.35},"empty":""})");
    const Json item = item_of(value, kStringKey);
    CHECK(item == Json::parse(R"({"id":{"S":"P1"},"free":{"N":"12"},"big":{"N":"18446744073709551615"},"neg":{"N":"-3"},
        "rate":{"N":"0.25"},"open":{"BOOL":true},"note":{"NULL":true},"tags":{"L":[{"S":"a"},{"N":"1"}]},
        "where":{"M":{"lat":{"N":"48.85"},"lon":{"N":"2.35"}}},"empty":{"S":""}})"));
}

TEST_CASE("the key attributes are checked against the table's key schema") {
    CHECK_THROWS_WITH(item_of(Json::parse(R"({"name":"x"})"), kStringKey), "its value has no key field 'id'");
    CHECK_THROWS_WITH(item_of(Json::parse(R"({"id":7})"), kStringKey),
                      "the key field 'id' must be a string (the table's key is of type S), got 7");
    CHECK_THROWS_WITH(item_of(Json::parse(R"({"id":""})"), kStringKey), "the key field 'id' is an empty string");
    CHECK_THROWS_WITH(item_of(Json::parse(R"({"iu_ac":"4264","hour":"10"})"), kCompound),
                      doctest::Contains("'hour' must be a number"));
    CHECK_THROWS_WITH(item_of(Json::parse("[1,2]"), kStringKey), doctest::Contains("not a JSON object"));
    Json big = {{"id", "x"}, {"blob", std::string(410 * 1024, 'a')}};
    CHECK_THROWS_WITH(item_of(big, kStringKey), doctest::Contains("larger than DynamoDB's 400 KB limit"));
}

TEST_CASE("the key of a tombstone, from its Kafka key") {
    CHECK(key_of_record_key(R"({"id":"P1","other":2})", kStringKey) == Json::parse(R"({"id":{"S":"P1"}})"));
    CHECK(key_of_record_key(R"("P1")", kStringKey) == Json::parse(R"({"id":{"S":"P1"}})"));
    CHECK(key_of_record_key("P1", kStringKey) == Json::parse(R"({"id":{"S":"P1"}})"));  // plain text
    CHECK(key_of_record_key(R"({"iu_ac":"4264","hour":10})", kCompound) ==
          Json::parse(R"({"iu_ac":{"S":"4264"},"hour":{"N":"10"}})"));
    CHECK_THROWS_WITH(key_of_record_key("4264", kCompound), doctest::Contains("two-attribute key"));
    CHECK_THROWS_WITH(key_of_record_key(R"({"iu_ac":"4264"})", kCompound), doctest::Contains("has no field 'hour'"));
}

TEST_CASE("two requests for the same item are recognised whatever the other attributes") {
    const Json a = item_of(Json::parse(R"({"id":"P1","free":1})"), kStringKey);
    const Json b = item_of(Json::parse(R"({"id":"P1","free":2})"), kStringKey);
    const Json c = item_of(Json::parse(R"({"id":"P2","free":1})"), kStringKey);
    CHECK(key_identity(a, kStringKey) == key_identity(b, kStringKey));
    CHECK(key_identity(a, kStringKey) != key_identity(c, kStringKey));
    CHECK(key_identity(key_of_record_key("P1", kStringKey), kStringKey) == key_identity(a, kStringKey));
}
