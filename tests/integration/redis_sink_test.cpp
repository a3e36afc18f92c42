// The redis sink in a real `sluice run` against Debian's redis-server (scripts/redis-server.sh:
// a password, a TLS port with a private CA): records produced with kcat to sluice-mock-kafka
// become keys (SET), hashes (HSET) or stream entries (XADD), read back with redis-cli. Each
// key holds its last record and each stream entry is there once, after a kill -9 and restart
// and across a 10 s outage; `sluice check` reports Redis's refusals.
#include "lake_stores.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <map>
#include <set>
#include <sstream>
#include <thread>

using namespace sluice::it;
using namespace sluice::it::lake;
using sluice::testing::wait_until;

namespace {

std::string key_of(int i, int keys) { return "F" + std::to_string(i % keys); }

std::string value_of(int i, int keys) {
    return Json{{"flight", {{"iata", key_of(i, keys)}, {"number", i % keys}}}, {"seq", i}, {"status", i % 2 ? "active" : "landed"}}
        .dump();
}

// The index of the last record of key k among the first `produced`.
int last_index(int produced, int keys, int k) { return produced - 1 - ((produced - 1 - k) % keys); }

std::vector<std::pair<std::string, std::string>> records(int from, int to, int keys) {
    std::vector<std::pair<std::string, std::string>> out;
    for (int i = from; i < to; ++i) out.emplace_back(key_of(i, keys), value_of(i, keys));
    return out;
}

std::string redis_config(const StoreEnv& env, const std::string& extra) {
    return "      redis.url: " + env.at("REDIS_URL") + "\n"
           "      redis.password: " + env.at("REDIS_PASSWORD") + "\n" + extra;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

// Every key "<prefix><k>" holds the last record of key k (SET mode).
bool keys_hold_last(const StoreEnv& env, const std::string& prefix, int produced, int keys, bool report = false) {
    std::vector<std::string> args{"MGET"};
    for (int k = 0; k < keys; ++k) args.push_back(prefix + "F" + std::to_string(k));
    const auto got = lines_of(redis_cli(env, args));
    bool all = got.size() == static_cast<size_t>(keys);
    for (int k = 0; all && k < keys; ++k) {
        const int last = last_index(produced, keys, k);
        const bool same = got[k] == value_of(last, keys);
        if (report) CHECK_MESSAGE(same, prefix << "F" << k << ": " << got[k] << " != " << value_of(last, keys));
        all = all && same;
    }
    return all;
}

long long number(const std::string& text) { return std::stoll(lines_of(text).at(0)); }

}  // namespace

TEST_CASE("redis: SET of each record at its key.format key, HSET of its fields, DEL on a tombstone") {
    TempDir dir;
    const StoreEnv env = StoreEnv::fixture("SLUICE_REDIS_ENV");
    const std::string prefix = unique_name("e2e") + ":";
    MockKafka kafka(dir, {"redis.e2e:3"});
    constexpr int kRecords = 500, kKeys = 40;
    kcat_produce_lines(dir, kafka.bootstrap(), "redis.e2e", records(0, kRecords, kKeys));
    kcat_produce_lines(dir, kafka.bootstrap(), "redis.e2e", {{"F5", ""}});
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    const std::string path = dir.file("two.yaml");
    sluice::testing::write_file(path,
        "name: lake\n"
        "sinks:\n"
        "  - name: cache\n"
        "    plugin: redis\n"
        "    topics: [redis.e2e]\n"
        "    config:\n" + redis_config(env, "      key.format: \"" + prefix + "{key}\"\n      ttl.ms: 3600000\n"
                                             "      offsets.key: \"" + prefix + "offsets:{connector}\"\n") +
        "  - name: hashes\n"
        "    plugin: redis\n"
        "    topics: [redis.e2e]\n"
        "    config:\n" + redis_config(env, "      mode: hash\n      key.format: \"" + prefix + "h:{flight.iata}\"\n"
                                             "      behavior.on.null.values: ignore\n      redis.database: 3\n"
                                             "      offsets.key: \"" + prefix + "offsets:{connector}\"\n"));
    Sluice run(dir, {"run", "--worker", worker, "--plugin-dir", plugin_dir(), path});
    // F5 deleted by the tombstone, every other key its last record.
    REQUIRE_MESSAGE(wait_until(
                        [&] {
                            std::vector<std::string> args{"MGET"};
                            for (int k = 0; k < kKeys; ++k) args.push_back(prefix + "F" + std::to_string(k));
                            const auto got = lines_of(redis_cli(env, args));
                            for (int k = 0; k < kKeys; ++k) {
                                const int last = last_index(kRecords, kKeys, k);
                                if (got.at(k) != (k == 5 ? "" : value_of(last, kKeys))) return false;
                            }
                            return true;
                        },
                        60s, 200ms),
                    run.log());
    const long long ttl = number(redis_cli(env, {"PTTL", prefix + "F1"}));
    CHECK(ttl > 3500000);
    CHECK(ttl <= 3600000);
    // The hash of F7 in database 3: exactly the fields of its last record.
    REQUIRE(wait_until([&] { return redis_cli(env, {"-n", "3", "HGET", prefix + "h:F7", "seq"}) == std::to_string(last_index(kRecords, kKeys, 7)) + "\n"; },
                       30s, 100ms));
    const auto hash = lines_of(redis_cli(env, {"-n", "3", "HGETALL", prefix + "h:F7"}));
    std::map<std::string, std::string> fields;
    for (size_t i = 0; i + 1 < hash.size(); i += 2) fields[hash[i]] = hash[i + 1];
    CHECK(fields == std::map<std::string, std::string>{{"flight", "{\"iata\":\"F7\",\"number\":7}"},
                                                       {"seq", std::to_string(last_index(kRecords, kKeys, 7))},
                                                       {"status", "active"}});
    CHECK(redis_cli(env, {"-n", "3", "EXISTS", prefix + "h:F5"}) == "1\n");  // ignore: kept
    // The offsets the sink keeps: the last offset of each partition.
    const auto offsets = lines_of(redis_cli(env, {"HGETALL", prefix + "offsets:lake.cache"}));
    CHECK(offsets.size() == 6);
    CHECK(run.stop() == exited(0));
}

namespace {

// Stream entries written by batches of `batch` records, the worker killed with -9 once 3 000
// are in, then started again: every record of the topic is in the stream once.
void stream_exactly_once_across_kill(int batch) {
    TempDir dir;
    const StoreEnv env = StoreEnv::fixture("SLUICE_REDIS_ENV");
    const std::string stream = unique_name("events");
    MockKafka kafka(dir, {"redis.crash:3"});
    constexpr int kRecords = 60000, kKeys = 100;
    kcat_produce_lines(dir, kafka.bootstrap(), "redis.crash", records(0, kRecords, kKeys));
    const std::string worker =
        write_worker_file(dir, kafka.bootstrap(), {5000, 200, "sink.batch.max.records: " + std::to_string(batch) + "\n"});
    const std::vector<std::string> args{
        "run", "--worker", worker, "--plugin-dir", plugin_dir(),
        sink_pipeline(dir, "redis", "redis.crash",
                      redis_config(env, "      mode: stream\n      key.format: " + stream + "\n      offsets.key: " + stream +
                                            ":offsets\n"))};
    {
        Sluice first(dir, args, "run1");
        REQUIRE_MESSAGE(wait_until([&] { return number(redis_cli(env, {"XLEN", stream})) >= 3000; }, 60s, 20ms), first.log());
        CHECK(first.process().kill().signal == SIGKILL);
    }
    const long long at_kill = number(redis_cli(env, {"XLEN", stream}));
    MESSAGE("kill -9 with ", at_kill, " entries");
    REQUIRE(at_kill < kRecords);
    Sluice second(dir, args, "run2");
    REQUIRE_MESSAGE(wait_until([&] { return number(redis_cli(env, {"XLEN", stream})) >= kRecords; }, 90s, 200ms), second.log());
    CHECK(second.stop() == exited(0));  // flushed and ended: nothing more can arrive
    CHECK(number(redis_cli(env, {"XLEN", stream})) == kRecords);
    // Every seq once (XRANGE prints id, then field/value pairs, one per line).
    const auto entries = lines_of(redis_cli(env, {"XRANGE", stream, "-", "+"}));
    std::set<int> seqs;
    for (size_t i = 0; i + 1 < entries.size(); ++i)
        if (entries[i] == "seq") CHECK_MESSAGE(seqs.insert(std::stoi(entries[i + 1])).second, "seq " << entries[i + 1] << " twice");
    CHECK(seqs.size() == static_cast<size_t>(kRecords));
    CHECK_MESSAGE(second.count_in_log("are in Redis already") >= 1, second.log());
}

}  // namespace

TEST_CASE("redis: stream entries after kill -9 and restart: every record of the topic exactly once") {
    // Small batches (one transaction each): the kill comes between transactions.
    stream_exactly_once_across_kill(20);
}

TEST_CASE("redis: batches of several chained transactions, kill -9 mid-batch: every record exactly once") {
    // 10 000 records a batch, 2 000 commands a transaction: the kill comes inside a chain.
    stream_exactly_once_across_kill(10000);
}

TEST_CASE("redis: a stream entry Redis refuses (WRONGTYPE) inside a chain of transactions goes to the dead-letter topic; "
          "every other record is written once") {
    TempDir dir;
    const StoreEnv env = StoreEnv::fixture("SLUICE_REDIS_ENV");
    const std::string prefix = unique_name("wt") + ":";
    MockKafka kafka(dir, {"redis.wrongtype:2"});
    constexpr int kRecords = 12000, kKeys = 100;
    redis_cli(env, {"SET", prefix + "F7", "a string, not a stream"});  // every XADD to it is refused when executed
    kcat_produce_lines(dir, kafka.bootstrap(), "redis.wrongtype", records(0, kRecords, kKeys));
    const std::string worker = write_worker_file(dir, kafka.bootstrap(), {500, 200, "sink.batch.max.records: 10000\n"});
    Sluice run(dir, {"run", "--worker", worker, "--plugin-dir", plugin_dir(),
                     sink_pipeline(dir, "redis", "redis.wrongtype",
                                   redis_config(env, "      mode: stream\n      key.format: \"" + prefix + "{key}\"\n      offsets.key: " +
                                                         prefix + "offsets\n"),
                                   "    errors: {tolerance: all, deadletterqueue.topic.name: redis.wrongtype.dlq}\n")});
    auto stored = [&] {
        long long n = 0;
        for (int k = 0; k < kKeys; ++k)
            if (k != 7) n += number(redis_cli(env, {"XLEN", prefix + "F" + std::to_string(k)}));
        return n;
    };
    constexpr int kRefused = kRecords / kKeys;
    REQUIRE_MESSAGE(wait_until([&] { return stored() >= kRecords - kRefused; }, 90s, 200ms), run.log());
    REQUIRE_MESSAGE(wait_until([&] { return kcat_read(dir, kafka.bootstrap(), "redis.wrongtype.dlq").size() >= kRefused; }, 30s),
                    run.log());
    CHECK(run.stop() == exited(0));
    CHECK(stored() == kRecords - kRefused);
    CHECK(redis_cli(env, {"GET", prefix + "F7"}) == "a string, not a stream\n");
    std::set<int> dead;
    for (const auto& r : kcat_read(dir, kafka.bootstrap(), "redis.wrongtype.dlq")) {
        CHECK(r.key == "F7");
        CHECK_MESSAGE(dead.insert(Json::parse(r.value).at("seq").get<int>()).second, r.value << " dead-lettered twice");
    }
    CHECK(dead.size() == static_cast<size_t>(kRefused));
}

TEST_CASE("redis: the server stopped for 10 s mid-stream: the sink reconnects, then every key holds its last record") {
    TempDir dir;
    PrivateStore server(dir, "redis-server.sh", "redis");
    MockKafka kafka(dir, {"redis.outage:2"});
    constexpr int kBefore = 2000, kRecords = 5000, kKeys = 100;
    kcat_produce_lines(dir, kafka.bootstrap(), "redis.outage", records(0, kBefore, kKeys));
    const std::string worker = write_worker_file(dir, kafka.bootstrap(), {500, 200, "sink.batch.max.records: 100\n"});
    Sluice run(dir, {"run", "--worker", worker, "--plugin-dir", plugin_dir(),
                     sink_pipeline(dir, "redis", "redis.outage", redis_config(server.env(), "      key.format: \"o:{key}\"\n"))});
    REQUIRE_MESSAGE(wait_until([&] { return keys_hold_last(server.env(), "o:", kBefore, kKeys); }, 60s, 200ms), run.log());
    server.stop();
    kcat_produce_lines(dir, kafka.bootstrap(), "redis.outage", records(kBefore, kRecords, kKeys));
    CHECK_MESSAGE(lake::lives_through(run, 10s), run.log());  // the store is down meanwhile: the sink waits
    CHECK_MESSAGE(run.log().find("cannot connect") != std::string::npos, run.log());
    server.start();
    REQUIRE_MESSAGE(wait_until([&] { return keys_hold_last(server.env(), "o:", kRecords, kKeys); }, 90s, 200ms), run.log());
    keys_hold_last(server.env(), "o:", kRecords, kKeys, true);
    CHECK(run.stop() == exited(0));
}

TEST_CASE("redis: TLS with the server's CA; sluice check exits 3 for a wrong password and an unverifiable certificate") {
    TempDir dir;
    const StoreEnv env = StoreEnv::fixture("SLUICE_REDIS_ENV");
    const std::string worker = write_worker_file(dir, "127.0.0.1:1");
    auto check = [&](const std::string& config) {
        return run_sluice(dir, {"check", "--worker", worker, "--plugin-dir", plugin_dir(), sink_pipeline(dir, "redis", "t", config)});
    };
    const std::string tls = "      redis.url: " + env.at("REDIS_TLS_URL") + "\n      redis.password: " + env.at("REDIS_PASSWORD") + "\n";
    SUBCASE("TLS verified against the CA file: ok") {
        auto r = check(tls + "      tls.ca.file: " + env.at("REDIS_CA_FILE") + "\n");
        CHECK_MESSAGE(r.status == exited(0), r.err);
    }
    SUBCASE("TLS without the CA: the certificate is refused") {
        auto r = check(tls);
        CHECK(r.status == exited(3));
        CHECK_MESSAGE(r.err.find("certificate refused") != std::string::npos, r.err);
    }
    SUBCASE("wrong password") {
        auto r = check("      redis.url: " + env.at("REDIS_URL") + "\n      redis.password: not-the-password\n");
        CHECK(r.status == exited(3));
        CHECK_MESSAGE(r.err.find("WRONGPASS") != std::string::npos, r.err);
        CHECK(r.err.find("not-the-password") == std::string::npos);
    }
    SUBCASE("records through TLS") {
        MockKafka kafka(dir, {"redis.tls:1"});
        kcat_produce_lines(dir, kafka.bootstrap(), "redis.tls", records(0, 100, 10));
        const std::string w = write_worker_file(dir, kafka.bootstrap(), {}, "worker-tls.yaml");
        Sluice run(dir, {"run", "--worker", w, "--plugin-dir", plugin_dir(),
                         sink_pipeline(dir, "redis", "redis.tls", tls + "      tls.ca.file: " + env.at("REDIS_CA_FILE") +
                                                                        "\n      key.format: \"tls:{key}\"\n      offsets.key: " +
                                                                        unique_name("tls") + "\n")});
        REQUIRE_MESSAGE(wait_until([&] { return keys_hold_last(env, "tls:", 100, 10); }, 60s, 100ms), run.log());
        CHECK(run.stop() == exited(0));
    }
}
