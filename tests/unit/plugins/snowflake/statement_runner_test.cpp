// The SQL API protocol against the fake over real HTTP: 202 and polling, retries that keep
// their requestId (retry=true), 408 cancellations, token renewal on 401, error mapping.
#include "snowflake_fixture.hpp"

#include <sluice/sdk.hpp>

#include <doctest/doctest.h>

#include <set>

using namespace sluice::snowflake;
using namespace snowflake_test;
using sluice::testing::FakeSnowflake;

namespace {

StatementRequest probe() {
    StatementRequest r;
    r.statement = probe_statement({"DB", "RAW", "EVENTS"});
    return r;
}

StatementRequest merge_one(std::int64_t offset) {
    std::vector<Row> rows = {{"t", 0, offset, -1, std::nullopt, std::string("{}")}};
    return request(merge_statement({"DB", "RAW", "EVENTS"}, 1), merge_bindings(rows, ContentFormat::json));
}

std::vector<sluice::testing::HttpRequest> submissions(FakeSnowflake& fake) {
    std::vector<sluice::testing::HttpRequest> out;
    for (auto& r : fake.server().requests())
        if (r.method == "POST") out.push_back(r);
    return out;
}

}  // namespace

TEST_CASE("runner: every request carries the JWT, its type, JSON and a User-Agent") {
    Fixture f;
    ApiResponse r = f.runner->run(probe());
    CHECK(r.code == "090001");
    auto sent = submissions(f.fake);
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].header("authorization")->rfind("Bearer ey", 0) == 0);
    CHECK(sent[0].header("x-snowflake-authorization-token-type") == "KEYPAIR_JWT");
    CHECK(sent[0].header("content-type") == "application/json");
    CHECK(sent[0].header("accept") == "application/json");
    CHECK(sent[0].header("user-agent")->find("sluice") != std::string::npos);
    CHECK(sent[0].query.count("requestId") == 1);
    CHECK(sent[0].query.count("retry") == 0);
}

TEST_CASE("runner: 202 then polling the statementStatusUrl until the result") {
    Fixture f;
    f.fake.inject(FakeSnowflake::async(3));
    ApiResponse r = f.runner->run(merge_one(1));
    CHECK(r.rows.at(0).at(0) == "1");
    CHECK(f.runner->stats().polls == 4);  // three polls answered 202, then the 200
    CHECK(f.fake.stats().polls == 4);
    CHECK(f.fake.stats().executions == 1);
}

TEST_CASE("runner: 429 and 503 are retried with the same requestId and retry=true") {
    Fixture f;
    f.fake.inject(FakeSnowflake::throttled(1));
    f.fake.inject(FakeSnowflake::http(503));
    ApiResponse r = f.runner->run(merge_one(7));
    CHECK(r.code == "090001");
    auto sent = submissions(f.fake);
    REQUIRE(sent.size() == 3);
    CHECK(sent[1].query.at("requestId") == sent[0].query.at("requestId"));
    CHECK(sent[2].query.at("requestId") == sent[0].query.at("requestId"));
    CHECK(sent[1].query.at("retry") == "true");
    CHECK(sent[2].query.at("retry") == "true");
    CHECK(f.fake.rows(kTable).size() == 1);
}

TEST_CASE("runner: a lost response is resubmitted as a retry and answered from the first run") {
    Fixture f;
    f.fake.inject(FakeSnowflake::lost_response());
    ApiResponse r = f.runner->run(merge_one(9));
    CHECK(r.rows.at(0).at(0) == "1");  // the first run's answer
    CHECK(f.fake.stats().executions == 1);
    CHECK(f.fake.stats().answered_from_first_run == 1);
    CHECK(f.fake.rows(kTable).size() == 1);
}

TEST_CASE("runner: a storm longer than the retries is a RetriableError, and nothing ran") {
    Fixture f(3);
    f.fake.inject(FakeSnowflake::http(503), 3);
    CHECK_THROWS_AS(f.runner->run(merge_one(1)), sluice::RetriableError);
    CHECK(f.fake.stats().executions == 0);
    CHECK(f.runner->run(merge_one(1)).rows.at(0).at(0) == "1");  // the storm is over
}

TEST_CASE("runner: 408 means cancelled: resubmitted under a new requestId") {
    Fixture f;
    f.fake.inject(FakeSnowflake::http(408));
    f.runner->run(merge_one(3));
    auto sent = submissions(f.fake);
    REQUIRE(sent.size() == 2);
    CHECK(sent[1].query.at("requestId") != sent[0].query.at("requestId"));
    CHECK(sent[1].query.count("retry") == 0);
    CHECK(f.fake.rows(kTable).size() == 1);
}

TEST_CASE("runner: a 401 renews the token once; a second 401 is an authentication failure") {
    Fixture f;
    f.fake.inject(FakeSnowflake::http(401));
    f.runner->run(probe());
    CHECK(f.tokens.tokens_issued() == 2);
    CHECK(f.runner->stats().token_renewals == 1);
    CHECK(submissions(f.fake).size() == 2);

    f.fake.inject(FakeSnowflake::http(401), 2);
    try {
        f.runner->run(probe());
        FAIL("two 401s accepted");
    } catch (const sluice::FatalError& e) {
        const std::string m = e.what();
        CHECK(m.find("refused the key-pair JWT twice") != std::string::npos);
        CHECK(m.find("TESTACCT.LOADER.SHA256:") != std::string::npos);
        CHECK(m.find("RSA_PUBLIC_KEY_FP") != std::string::npos);
    }
}

TEST_CASE("runner: 401 while polling renews the token and polls on") {
    Fixture f;
    f.fake.inject(FakeSnowflake::async(1));
    f.fake.inject(FakeSnowflake::http(401, FakeSnowflake::Target::poll));
    f.fake.inject(FakeSnowflake::http(503, FakeSnowflake::Target::poll));
    CHECK(f.runner->run(merge_one(2)).rows.at(0).at(0) == "1");
    CHECK(f.runner->stats().token_renewals == 1);
    CHECK(f.fake.stats().executions == 1);
}

TEST_CASE("runner: 422 is a SqlError with Snowflake's message, SQLSTATE and code") {
    Fixture f;
    f.fake.inject(FakeSnowflake::sql_error("002003", "42S02",
                                            "SQL compilation error:\nObject 'DB.RAW.EVENTS' does not exist or not authorized."));
    try {
        f.runner->run(merge_one(1));
        FAIL("422 accepted");
    } catch (const SqlError& e) {
        CHECK(e.code() == "002003");
        CHECK(e.sql_state() == "42S02");
        CHECK(e.snowflake_message() == "SQL compilation error:\nObject 'DB.RAW.EVENTS' does not exist or not authorized.");
        CHECK(std::string(e.what()).find("statement handle") != std::string::npos);
    }
    StatementRequest unknown;
    unknown.statement = "TRUNCATE TABLE DB.RAW.EVENTS";
    CHECK_THROWS_AS(f.runner->run(unknown), SqlError);
    CHECK(f.fake.rows(kTable).empty());
}

TEST_CASE("runner: network failures are retried; an unreachable server ends in RetriableError") {
    Fixture f(2);
    RunnerOptions o = f.runner->options();
    o.base_url = "http://127.0.0.1:1";  // nothing listens on port 1
    StatementRunner nowhere(o, f.tokens, f.client, [](std::chrono::milliseconds) { return true; });
    try {
        nowhere.run(probe());
        FAIL("no error");
    } catch (const sluice::RetriableError& e) {
        CHECK(std::string(e.what()).find("Snowflake unavailable after 2 submissions") != std::string::npos);
    }
    StatementRunner stopping(f.runner->options(), f.tokens, f.client, [](std::chrono::milliseconds) { return false; });
    f.fake.inject(FakeSnowflake::http(503));
    CHECK_THROWS_AS(stopping.run(probe()), sluice::RetriableError);  // gives up at once when the task stops
}
