// The dynamodb sink in a real `sluice run` against dynalite behind the SigV4-verifying
// front (scripts/dynamodb-server.sh): records produced with kcat to sluice-mock-kafka become
// items; every key holds exactly the item of its last record (tombstones delete it), after
// a kill -9 and restart, and across a 10 s outage of the store; `sluice check` reports
// DynamoDB's own errors.
#include "lake_stores.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <map>
#include <set>
#include <thread>

using namespace sluice::it;
using namespace sluice::it::lake;
using sluice::testing::wait_until;

namespace {

std::string key_of(int i, int keys) { return "K" + std::to_string(i % keys); }

// Every JSON type: a number with a fraction, a string with escapes, a boolean, null, a list,
// a map.
std::string value_of(int i, int keys) {
    return Json{{"id", key_of(i, keys)}, {"seq", i}, {"speed", i % 130 + 0.5}, {"note", "n\"" + std::to_string(i) + "\\"},
                {"ok", i % 2 == 0}, {"none", nullptr}, {"lanes", Json::array({i % 3, "x"})},
                {"where", {{"road", "A" + std::to_string(i % 7)}, {"km", i % 100}}}}
        .dump();
}

std::vector<std::pair<std::string, std::string>> records(int from, int to, int keys) {
    std::vector<std::pair<std::string, std::string>> out;
    for (int i = from; i < to; ++i) out.emplace_back("\"" + key_of(i, keys) + "\"", value_of(i, keys));
    return out;
}

std::string dynamo_config(const StoreEnv& env, const std::string& table, const std::string& extra = {}) {
    return "      table.name.format: " + table + "\n"
           "      key.fields: [id]\n"
           "      endpoint.url: " + env.at("DYNAMODB_ENDPOINT_URL") + "\n"
           "      region: " + env.at("DYNAMODB_REGION") + "\n"
           "      aws.access.key.id: " + env.at("DYNAMODB_ACCESS_KEY_ID") + "\n"
           "      aws.secret.access.key: " + env.at("DYNAMODB_SECRET_ACCESS_KEY") + "\n" + extra;
}

// The table holds, for each key, exactly the last record of that key (none when `deleted`).
bool table_is(DynamoClient& db, const std::string& table, int produced, int keys, const std::set<std::string>& deleted = {},
              bool report = false) {
    std::map<std::string, Json> items;
    try {
        items = db.scan(table, "id");
    } catch (const std::exception& e) {
        if (report) FAIL_CHECK(e.what());
        return false;
    }
    std::map<std::string, Json> expected;
    for (int i = 0; i < produced; ++i) expected[key_of(i, keys)] = Json::parse(value_of(i, keys));
    for (const auto& k : deleted) expected.erase(k);
    if (report) {
        CHECK(items.size() == expected.size());
        for (const auto& [k, v] : expected) {
            auto it = items.find(k);
            REQUIRE_MESSAGE(it != items.end(), "no item for " << k);
            CHECK_MESSAGE(it->second == v, k << ": " << it->second.dump() << " != " << v.dump());
        }
    }
    return items == expected;
}

}  // namespace

TEST_CASE("dynamodb: records become items of every JSON type, the last record of a key wins, a tombstone deletes") {
    TempDir dir;
    const StoreEnv env = StoreEnv::fixture("SLUICE_DYNAMODB_ENV");
    DynamoClient db(env);
    const std::string table = unique_name("e2e");
    db.create_table(table, "id");
    MockKafka kafka(dir, {"ddb.e2e:3"});
    constexpr int kRecords = 600, kKeys = 50;
    kcat_produce_lines(dir, kafka.bootstrap(), "ddb.e2e", records(0, kRecords, kKeys));
    kcat_produce_lines(dir, kafka.bootstrap(), "ddb.e2e", {{"\"K7\"", ""}});  // a bare key
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    Sluice run(dir, {"run", "--worker", worker, "--plugin-dir", plugin_dir(),
                     sink_pipeline(dir, "dynamodb", "ddb.e2e", dynamo_config(env, table))});
    REQUIRE_MESSAGE(wait_until([&] { return table_is(db, table, kRecords, kKeys, {"K7"}); }, 60s, 200ms), run.log());
    // A key that is a JSON object holding the key field. Its partition differs from the
    // records of "K8" (other key bytes), so it goes once they are all in.
    kcat_produce_lines(dir, kafka.bootstrap(), "ddb.e2e", {{"{\"id\":\"K8\"}", ""}});
    REQUIRE_MESSAGE(wait_until([&] { return table_is(db, table, kRecords, kKeys, {"K7", "K8"}); }, 60s, 200ms), run.log());
    table_is(db, table, kRecords, kKeys, {"K7", "K8"}, true);
    CHECK(run.stop() == exited(0));
    CHECK_MESSAGE(run.log().find("and deleted 2 in") != std::string::npos, run.log());
}

TEST_CASE("dynamodb: kill -9 mid-stream, restart: each key once, holding its last record") {
    TempDir dir;
    const StoreEnv env = StoreEnv::fixture("SLUICE_DYNAMODB_ENV");
    DynamoClient db(env);
    const std::string table = unique_name("crash");
    db.create_table(table, "id");
    MockKafka kafka(dir, {"ddb.crash:3"});
    constexpr int kRecords = 12000, kKeys = 300;
    kcat_produce_lines(dir, kafka.bootstrap(), "ddb.crash", records(0, kRecords, kKeys));
    const std::string worker = write_worker_file(dir, kafka.bootstrap(), {5000, 200, "sink.batch.max.records: 100\n"});
    const std::vector<std::string> args{"run", "--worker", worker, "--plugin-dir", plugin_dir(),
                                        sink_pipeline(dir, "dynamodb", "ddb.crash", dynamo_config(env, table))};
    {
        Sluice first(dir, args, "run1");
        // Mid-stream: some items already hold a record from the second half of the topic.
        REQUIRE_MESSAGE(wait_until(
                            [&] {
                                for (const auto& [k, item] : db.scan(table, "id"))
                                    if (item.at("seq").get<int>() >= kRecords / 3) return true;
                                return false;
                            },
                            60s, 100ms),
                        first.log());
        CHECK(first.process().kill().signal == SIGKILL);
    }
    CHECK_FALSE(table_is(db, table, kRecords, kKeys));  // the kill came before the end
    Sluice second(dir, args, "run2");
    REQUIRE_MESSAGE(wait_until([&] { return table_is(db, table, kRecords, kKeys); }, 90s, 300ms), second.log());
    table_is(db, table, kRecords, kKeys, {}, true);
    CHECK(second.stop() == exited(0));
}

TEST_CASE("dynamodb: the store stopped for 10 s mid-stream: the sink waits, then every key holds its last record") {
    TempDir dir;
    PrivateStore store(dir, "dynamodb-server.sh", "dynamodb-store");
    DynamoClient db(store.env());
    db.create_table("outage", "id");
    MockKafka kafka(dir, {"ddb.outage:2"});
    constexpr int kBefore = 3000, kRecords = 6000, kKeys = 200;
    kcat_produce_lines(dir, kafka.bootstrap(), "ddb.outage", records(0, kBefore, kKeys));
    const std::string worker = write_worker_file(dir, kafka.bootstrap(), {500, 200, "sink.batch.max.records: 100\n"});
    Sluice run(dir, {"run", "--worker", worker, "--plugin-dir", plugin_dir(),
                     sink_pipeline(dir, "dynamodb", "ddb.outage", dynamo_config(store.env(), "outage"))});
    REQUIRE_MESSAGE(wait_until([&] { return table_is(db, "outage", kBefore, kKeys); }, 60s, 200ms), run.log());
    store.stop();
    kcat_produce_lines(dir, kafka.bootstrap(), "ddb.outage", records(kBefore, kRecords, kKeys));
    CHECK_MESSAGE(lake::lives_through(run, 10s), run.log());  // the store is down meanwhile: the sink waits
    CHECK_MESSAGE(run.log().find("put asked to retry") != std::string::npos, run.log());
    store.start();
    REQUIRE_MESSAGE(wait_until([&] { return table_is(db, "outage", kRecords, kKeys); }, 90s, 300ms), run.log());
    table_is(db, "outage", kRecords, kKeys, {}, true);
    CHECK(run.stop() == exited(0));
}

TEST_CASE("dynamodb: sluice check exits 3 with DynamoDB's message for a wrong secret, a missing table, another key") {
    TempDir dir;
    const StoreEnv env = StoreEnv::fixture("SLUICE_DYNAMODB_ENV");
    DynamoClient db(env);
    const std::string table = unique_name("check");
    db.create_table(table, "id");
    const std::string worker = write_worker_file(dir, "127.0.0.1:1");
    auto check = [&](const std::string& config) {
        return run_sluice(dir, {"check", "--worker", worker, "--plugin-dir", plugin_dir(),
                                sink_pipeline(dir, "dynamodb", "t", config)});
    };
    SUBCASE("the table exists with that key: ok") {
        auto r = check(dynamo_config(env, table));
        CHECK_MESSAGE(r.status == exited(0), r.err);
    }
    SUBCASE("wrong secret") {
        StoreEnv bad = env;
        bad.vars["DYNAMODB_SECRET_ACCESS_KEY"] = "not-the-secret";
        auto r = check(dynamo_config(bad, table));
        CHECK(r.status == exited(3));
        CHECK_MESSAGE(r.err.find("HTTP 400 InvalidSignatureException: The request signature we calculated does not match") !=
                          std::string::npos,
                      r.err);
        CHECK(r.err.find("not-the-secret") == std::string::npos);
    }
    SUBCASE("missing table") {
        auto r = check(dynamo_config(env, "no-such-table"));
        CHECK(r.status == exited(3));
        CHECK_MESSAGE(r.err.find("ResourceNotFoundException") != std::string::npos, r.err);
    }
    SUBCASE("key.fields that are not the table's key") {
        auto r = check(dynamo_config(env, table).replace(dynamo_config(env, table).find("[id]"), 4, "[seq]"));
        CHECK(r.status == exited(3));
        CHECK_MESSAGE(r.err.find("has the key [id (S)], but key.fields is [seq]") != std::string::npos, r.err);
    }
}
