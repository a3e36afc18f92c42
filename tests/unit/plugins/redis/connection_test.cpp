// The connection: URLs, RESP formatting (hiredis), and against the fixture's Redis (suite
// redis_server, skipped without $SLUICE_REDIS_ENV): AUTH, SELECT, a pipelined batch, TLS.
#include "connection.hpp"

#include "store_env.hpp"

#include <hiredis/hiredis.h>

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>

using namespace sluice::redis;

TEST_CASE("redis.url: redis:// and rediss://, host and port; credentials and paths are refused") {
    auto e = Endpoint::parse_url("rediss://cache.example:6380");
    CHECK(e.host == "cache.example");
    CHECK(e.port == 6380);
    CHECK(e.tls);
    CHECK(Endpoint::parse_url("redis://127.0.0.1").port == 6379);
    CHECK(Endpoint::parse_url("redis://[::1]:7000").host == "::1");
    CHECK_THROWS_WITH(Endpoint::parse_url("http://x:1"), doctest::Contains("expected redis://host:port"));
    CHECK_THROWS_WITH(Endpoint::parse_url("redis://u:p@x:1"), doctest::Contains("redis.user and redis.password"));
    CHECK_THROWS_WITH(Endpoint::parse_url("redis://x:1/2"), doctest::Contains("redis.database"));
    CHECK_THROWS_WITH(Endpoint::parse_url("redis://x:99999"), doctest::Contains("bad port"));
}

TEST_CASE("commands are RESP arrays of bulk strings, binary-safe") {
    Commands c;
    c.add({"SET", "k", std::string_view("a\r\nb\0c", 6)});
    c.add({"PING"});
    CHECK(c.count() == 2);
    CHECK(c.bytes() == std::string("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\na\r\nb\0c\r\n*1\r\n$4\r\nPING\r\n", 46));
}

namespace {
std::optional<std::map<std::string, std::string>> server_env() { return sluice::testing::fixture_env("SLUICE_REDIS_ENV"); }
}  // namespace

TEST_SUITE("redis_server") {
    TEST_CASE("AUTH, SELECT and a pipelined transaction; a wrong password is a SetupError with Redis's words") {
        auto env = server_env();
        if (!env) return;
        Endpoint e = Endpoint::parse_url((*env)["REDIS_URL"]);
        e.password = (*env)["REDIS_PASSWORD"];
        e.database = 5;
        Connection c(e);
        c.connect();
        Commands batch;
        batch.add({"MULTI"});
        for (int i = 0; i < 1000; ++i) batch.add({"SET", "unit:" + std::to_string(i), std::to_string(i * i)});
        batch.add({"GET", "unit:999"});
        batch.add({"EXEC"});
        auto replies = c.exchange(batch);
        REQUIRE(replies.size() == 1003);
        CHECK(replies[0].text() == "OK");
        CHECK(replies[1].text() == "QUEUED");
        REQUIRE(replies.back().size() == 1001);
        CHECK(sluice::redis::text_of(replies.back().element(1000)) == "998001");
        Endpoint bad = e;
        bad.password = "nope";
        Connection refused(bad);
        CHECK_THROWS_WITH_AS(refused.connect(), doctest::Contains("WRONGPASS"), SetupError);
    }

    TEST_CASE("TLS: verified against the server's CA; refused without it") {
        auto env = server_env();
        if (!env) return;
        Endpoint e = Endpoint::parse_url((*env)["REDIS_TLS_URL"]);
        e.password = (*env)["REDIS_PASSWORD"];
        e.ca_file = (*env)["REDIS_CA_FILE"];
        Connection c(e);
        c.connect();
        Commands ping;
        ping.add({"PING"});
        CHECK(c.exchange(ping).at(0).text() == "PONG");
        e.ca_file.clear();
        Connection unverified(e);
        CHECK_THROWS_WITH_AS(unverified.connect(), doctest::Contains("certificate refused"), SetupError);
        Endpoint plain_to_tls = Endpoint::parse_url((*env)["REDIS_TLS_URL"]);
        plain_to_tls.tls = false;
        plain_to_tls.password = e.password;
        plain_to_tls.timeout = std::chrono::milliseconds(1000);
        Connection wrong(plain_to_tls);
        CHECK_THROWS_AS(wrong.connect(), ConnectionError);
    }
}
