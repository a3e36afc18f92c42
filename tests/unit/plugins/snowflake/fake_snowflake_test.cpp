// The fake refuses what Snowflake refuses: bad or foreign JWTs, malformed bodies, statements
// it does not know. (If it said yes to everything, the sink's tests would prove nothing.)
#include "base64.hpp"
#include "snowflake_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace sluice::snowflake;
using namespace snowflake_test;
using nlohmann::json;
using sluice::testing::FakeSnowflake;

namespace {

std::int64_t now_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Raw {
    long status;
    json body;
};

Raw post(FakeSnowflake& fake, const std::string& token, const std::string& body,
         std::string token_type = "KEYPAIR_JWT", std::string query = "") {
    sluice::http::Client client;
    sluice::http::Request r;
    r.method = "POST";
    r.url = fake.url() + "/api/v2/statements" + query;
    r.body = body;
    r.headers = {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}, {"User-Agent", "test/1"}};
    if (!token_type.empty()) r.headers.push_back({"X-Snowflake-Authorization-Token-Type", token_type});
    auto response = client.send(r);
    return {response.status, json::parse(response.body, nullptr, false)};
}

std::string token_for(int key_index, JwtClaims claims) {
    return encode_jwt(PrivateKey::from_pem(key(key_index).private_key_pem, "", "t"), claims);
}

JwtClaims good_claims() { return make_claims("TESTACCT", "LOADER", key(0).fingerprint, now_s(), 3600); }

const std::string kProbe = R"({"statement":"SELECT _TOPIC, _PARTITION, _OFFSET, _TIMESTAMP, RECORD_KEY, RECORD_CONTENT FROM DB.RAW.EVENTS LIMIT 0"})";

std::string last_auth_failure(const FakeSnowflake& fake) {
    auto failures = fake.stats().auth_failures;
    return failures.empty() ? "" : failures.back();
}

}  // namespace

TEST_CASE("fake: a correct key-pair JWT is accepted") {
    Fixture f;
    Raw r = post(f.fake, token_for(0, good_claims()), kProbe);
    CHECK(r.status == 200);
    CHECK(r.body["code"] == "090001");
    CHECK(f.fake.stats().executions == 1);
}

TEST_CASE("fake: JWTs Snowflake would refuse get 401") {
    Fixture f;
    auto refused = [&](const std::string& token, const std::string& reason, const std::string& type = "KEYPAIR_JWT") {
        Raw r = post(f.fake, token, kProbe, type);
        CHECK(r.status == 401);
        CHECK(r.body["code"] == "390144");
        CHECK_MESSAGE(last_auth_failure(f.fake).find(reason) != std::string::npos, last_auth_failure(f.fake));
    };
    refused(token_for(0, good_claims()), "missing X-Snowflake-Authorization-Token-Type", "");
    refused(token_for(0, good_claims()), "is not KEYPAIR_JWT", "OAUTH");
    // Signed by another key but claiming the registered key's fingerprint.
    refused(token_for(1, good_claims()), "signature does not verify");
    // Signed by the registered key, but the issuer names another key's fingerprint.
    JwtClaims wrong_fp = good_claims();
    wrong_fp.iss = "TESTACCT.LOADER." + key(1).fingerprint;
    refused(token_for(0, wrong_fp), "fingerprint does not match");
    JwtClaims lower = make_claims("TESTACCT", "LOADER", key(0).fingerprint, now_s(), 3600);
    lower.iss = "testacct.loader." + key(0).fingerprint;  // Snowflake wants upper-case
    refused(token_for(0, lower), "is not for TESTACCT.LOADER");
    JwtClaims other_user = make_claims("TESTACCT", "SOMEONE", key(0).fingerprint, now_s(), 3600);
    refused(token_for(0, other_user), "is not for TESTACCT.LOADER");
    JwtClaims wrong_sub = good_claims();
    wrong_sub.sub = "TESTACCT.ADMIN";
    refused(token_for(0, wrong_sub), "subject 'TESTACCT.ADMIN'");
    refused(token_for(0, make_claims("TESTACCT", "LOADER", key(0).fingerprint, now_s() - 7200, 3600)), "expired");
    refused(token_for(0, make_claims("TESTACCT", "LOADER", key(0).fingerprint, now_s(), 3601)), "exceeds one hour");
    refused(token_for(0, make_claims("TESTACCT", "LOADER", key(0).fingerprint, now_s() + 600, 600)), "in the future");
    const std::string good = token_for(0, good_claims());
    refused(good.substr(0, good.rfind('.')) + ".AAAA", "signature does not verify");
    refused("not-a-jwt", "three segments");
    CHECK(f.fake.stats().executions == 0);
}

TEST_CASE("fake: malformed bodies get 400, bind count mismatches and unknown SQL get 422") {
    Fixture f;
    const std::string token = token_for(0, good_claims());
    CHECK(post(f.fake, token, "{not json").status == 400);
    CHECK(post(f.fake, token, R"({"statment":"SELECT 1"})").status == 400);
    CHECK(post(f.fake, token, R"({"statement":"SELECT 1","bindings":{"2":{"type":"TEXT","value":"x"}}})").status == 400);
    CHECK(post(f.fake, token, kProbe, "KEYPAIR_JWT", "?requestId=12345").status == 400);
    CHECK(f.fake.stats().bad_requests.size() == 4);

    Raw mismatch = post(f.fake, token,
                        R"({"statement":"SELECT _PARTITION, MAX(_OFFSET) FROM DB.RAW.EVENTS WHERE _TOPIC = ? GROUP BY _PARTITION"})");
    CHECK(mismatch.status == 422);
    CHECK(mismatch.body["code"] == "002049");
    CHECK(mismatch.body["sqlState"] == "42601");

    Raw unknown = post(f.fake, token, R"({"statement":"DELETE FROM DB.RAW.EVENTS"})");
    CHECK(unknown.status == 422);
    CHECK(unknown.body["code"] == "001003");
    CHECK(unknown.body["message"].get<std::string>().find("unexpected 'DELETE'") != std::string::npos);
    CHECK(unknown.body.contains("statementHandle"));

    Raw missing = post(f.fake, token, R"({"statement":"SELECT _TOPIC, _PARTITION, _OFFSET, _TIMESTAMP, RECORD_KEY, RECORD_CONTENT FROM DB.RAW.NOPE LIMIT 0"})");
    CHECK(missing.status == 422);
    CHECK(missing.body["sqlState"] == "42S02");
}

TEST_CASE("fake: MERGE checks its bindings and inserts only rows not already there") {
    Fixture f;
    auto merge = [&](const std::vector<Row>& rows) { return f.runner->run(request(merge_statement({"DB", "RAW", "EVENTS"}, rows.size()), merge_bindings(rows, ContentFormat::json))); };
    std::vector<Row> rows = {{"t", 0, 1, 5, std::string("k"), std::string("{\"a\": 1}")}, {"t", 0, 2, -1, std::nullopt, std::nullopt}};
    CHECK(merge(rows).rows.at(0).at(0) == "2");
    CHECK(merge(rows).rows.at(0).at(0) == "0");  // the same rows again: nothing inserted
    auto stored = f.fake.rows(kTable);
    REQUIRE(stored.size() == 2);
    CHECK(stored[0].content == R"({"a":1})");
    CHECK(stored[0].timestamp_ms == 5);
    CHECK_FALSE(stored[1].content);

    StatementRequest bad = request(merge_statement({"DB", "RAW", "EVENTS"}, 1), merge_bindings(rows, ContentFormat::json));
    bad.bindings.resize(6);
    bad.bindings[5].value = "{broken";
    try {
        f.runner->run(bad);
        FAIL("bad JSON accepted");
    } catch (const SqlError& e) {
        CHECK(e.sql_state() == "22P02");
        CHECK(e.is_data_error());
    }
    bad.bindings[5].value = "{}";
    bad.bindings[2].value = "twelve";
    CHECK_THROWS_AS(f.runner->run(bad), SqlError);
    CHECK(f.fake.rows(kTable).size() == 2);
}
