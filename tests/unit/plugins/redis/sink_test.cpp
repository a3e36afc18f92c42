// The sink through its ABI against the fixture's Redis (suite redis_server, skipped without
// $SLUICE_REDIS_ENV): batches written by the background job while put takes the next ones;
// records refused before and after EXEC reach the error policy once each; flush leaves
// every record in; a restart skips what is stored.
#include "connection.hpp"

#include "sdk_harness.hpp"
#include "store_env.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace sluice::redis;
using sluice::testing::FakeHost;
using sluice::testing::SinkInput;
using sluice::testing::SinkUnderTest;

namespace {

std::optional<std::map<std::string, std::string>> redis_env() { return sluice::testing::fixture_env("SLUICE_REDIS_ENV"); }

std::string run_command(Connection& c, std::initializer_list<std::string_view> args) {
    Commands commands;
    commands.add(args);
    auto replies = c.exchange(commands);
    const redisReply* r = replies.front().get();
    return std::string(text_of(r));
}

long long integer_of(Connection& c, std::initializer_list<std::string_view> args) {
    Commands commands;
    commands.add(args);
    auto replies = c.exchange(commands);
    return replies.front().get() == nullptr ? -1 : static_cast<long long>(replies.front().get()->integer);
}

// Records offsets [from, to) of partition 0; key k<i % 5>, but "bad" at `wrongtype` and none
// at `keyless`.
std::vector<SinkInput> records(int from, int to, int wrongtype, int keyless) {
    std::vector<SinkInput> out;
    for (int i = from; i < to; ++i) {
        SinkInput r;
        r.topic = "bg";
        r.offset = i;
        if (i == wrongtype) r.key = "bad";
        else if (i != keyless) r.key = "k" + std::to_string(i % 5);
        r.value = "{\"seq\":" + std::to_string(i) + "}";
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace

TEST_SUITE("redis_server") {
    TEST_CASE("background writes: refused records reach the error policy once each, flush leaves every record in, a restart skips them") {
        auto env = redis_env();
        if (!env) return;
        Endpoint e = Endpoint::parse_url((*env)["REDIS_URL"]);
        e.password = (*env)["REDIS_PASSWORD"];
        Connection c(e);
        c.connect();
        const std::string prefix =
            "unit:bg:" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ":";
        run_command(c, {"SET", prefix + "bad", "a string, not a stream"});  // XADD to it: WRONGTYPE once executed
        const std::map<std::string, std::string> config{{"redis.url", (*env)["REDIS_URL"]},
                                                        {"redis.password", (*env)["REDIS_PASSWORD"]},
                                                        {"mode", "stream"},
                                                        {"key.format", prefix + "{key}"},
                                                        {"offsets.key", prefix + "offsets"}};
        auto stored = [&] {
            long long n = 0;
            for (int k = 0; k < 5; ++k) n += integer_of(c, {"XLEN", prefix + "k" + std::to_string(k)});
            return n;
        };
        constexpr int kRecords = 30000, kPut = 500, kWrongType = 777, kKeyless = 20123;
        FakeHost host;
        host.enable_errant();
        {
            SinkUnderTest sink("redis", config, host);
            REQUIRE(sink.ok());
            // Many puts: while a job writes, the next ones are only buffered.
            for (int from = 0; from < kRecords; from += kPut)
                REQUIRE(sink.put(records(from, from + kPut, kWrongType, kKeyless)).status == SLUICE_OK);
            std::vector<sluice_topic_partition> positions{{"bg", 0, kRecords}};
            REQUIRE(sink.flush(positions).status == SLUICE_OK);
            CHECK(positions[0].offset == kRecords);  // all written: nothing held back
            CHECK(stored() == kRecords - 2);
            CHECK(run_command(c, {"HGET", prefix + "offsets", "bg/0"}) == std::to_string(kRecords - 1));
        }
        std::map<std::int64_t, int> reported;
        for (const auto& r : host.errants) ++reported[r.offset];
        CHECK(reported == std::map<std::int64_t, int>{{kWrongType, 1}, {kKeyless, 1}});
        for (const auto& r : host.errants) {
            CHECK(r.value == "{\"seq\":" + std::to_string(r.offset) + "}");
            if (r.offset == kWrongType) CHECK(r.message.find("WRONGTYPE") != std::string::npos);
            else CHECK(r.message.find("{key}") != std::string::npos);
        }
        // A new life offered the same records: the stored offsets say they are in.
        FakeHost again;
        again.enable_errant();
        {
            SinkUnderTest sink("redis", config, again);
            REQUIRE(sink.ok());
            for (int from = 0; from < kRecords; from += 10000)
                REQUIRE(sink.put(records(from, from + 10000, kWrongType, kKeyless)).status == SLUICE_OK);
            std::vector<sluice_topic_partition> positions{{"bg", 0, kRecords}};
            REQUIRE(sink.flush(positions).status == SLUICE_OK);
        }
        CHECK(stored() == kRecords - 2);
        CHECK(again.errants.empty());
        CHECK(again.logged("are in Redis already"));
        Commands cleanup;
        cleanup.add({"DEL", prefix + "bad", prefix + "offsets", prefix + "k0", prefix + "k1", prefix + "k2", prefix + "k3", prefix + "k4"});
        c.exchange(cleanup);
    }
}
