// What the snowflake unit tests share: key pairs made with openssl once per process, a fake
// Snowflake registered with the first key, and a statement runner with fast retries.
#pragma once

#include "fake_snowflake.hpp"
#include "jwt.hpp"
#include "statement_runner.hpp"
#include "table_statements.hpp"
#include "temp_dir.hpp"
#include "test_keys.hpp"

#include <sluice/http_client.hpp>

#include <memory>
#include <thread>

namespace snowflake_test {

inline const sluice::testing::TestKeyPair& key(int which = 0) {
    static sluice::testing::TempDir dir;
    static sluice::testing::TestKeyPair keys[2] = {
        sluice::testing::make_test_key_pair(dir.path().string(), "registered"),
        sluice::testing::make_test_key_pair(dir.path().string(), "other")};
    return keys[which];
}

inline sluice::snowflake::StatementRequest request(std::string statement,
                                                  std::vector<sluice::snowflake::Binding> bindings = {}) {
    sluice::snowflake::StatementRequest r;
    r.statement = std::move(statement);
    r.bindings = std::move(bindings);
    return r;
}

inline const std::string kTable = "DB.RAW.EVENTS";

struct Fixture {
    sluice::testing::FakeSnowflake fake{{"TESTACCT", "LOADER", key().public_key_pem}};
    sluice::snowflake::TokenSource tokens{
        sluice::snowflake::PrivateKey::from_pem(key().private_key_pem, "", "test"), "testacct.us-east-1", "loader",
        std::chrono::seconds(3600)};
    sluice::http::Client client;
    std::unique_ptr<sluice::snowflake::StatementRunner> runner;

    explicit Fixture(int max_attempts = 4) {
        fake.create_table(kTable);
        sluice::snowflake::RunnerOptions o;
        o.base_url = fake.url();
        o.max_attempts = max_attempts;
        o.backoff_initial = std::chrono::milliseconds(1);
        o.backoff_max = std::chrono::milliseconds(20);
        o.poll_initial = std::chrono::milliseconds(1);
        o.poll_max = std::chrono::milliseconds(5);
        o.request_timeout = std::chrono::milliseconds(5000);
        runner = std::make_unique<sluice::snowflake::StatementRunner>(o, tokens, client, [](std::chrono::milliseconds d) {
            std::this_thread::sleep_for(d);
            return true;
        });
    }
};

}  // namespace snowflake_test
