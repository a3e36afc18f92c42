// The s3 sink in a real `sluice run` against s3rver behind the SigV4-verifying front
// (scripts/s3-server.sh; the ctest fixture's store, or a private one the outage test stops):
// datagen readings through sluice-mock-kafka into hourly folders of JSON-lines objects.
// Every object is checked against the topic as kcat reads it: its name (topic, partition,
// first offset), its folder (the hour of its records), its lines (the records at its
// offsets, in order), its metadata; and every record of the topic is in exactly one object,
// after a kill -9 and restart, and across a 10 s outage of the store.
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

std::string s3_config(const StoreEnv& env, const std::string& bucket, const std::string& extra = {}) {
    return "      s3.bucket.name: " + bucket + "\n"
           "      s3.path.style.access.enabled: true\n"
           "      endpoint.url: " + env.at("S3_ENDPOINT_URL") + "\n"
           "      region: " + env.at("S3_REGION") + "\n"
           "      aws.access.key.id: " + env.at("S3_ACCESS_KEY_ID") + "\n"
           "      aws.secret.access.key: " + env.at("S3_SECRET_ACCESS_KEY") + "\n" + extra;
}

// datagen readings (record time = the reading's minute) into the sink; every object closed
// within a second of wall time, so that every record ends up in an uploaded object.
std::string pipeline(const TempDir& dir, const StoreEnv& env, const std::string& bucket, const std::string& topic,
                     int records, int rate, const std::string& sink_extra = {}) {
    const std::string path = dir.file("to-s3.yaml");
    sluice::testing::write_file(path,
        "name: lake\n"
        "source:\n"
        "  name: traffic\n"
        "  plugin: datagen\n"
        "  topic: " + topic + "\n"
        "  config: {sensors: 20, rate: " + std::to_string(rate) + ", max.records: " + std::to_string(records) +
        ", batch.size: 200,"
        " start.time: '2026-01-01T00:00:00Z'}\n"
        "sinks:\n"
        "  - name: lake\n"
        "    plugin: s3\n"
        "    topics: [" + topic + "]\n"
        "    config:\n" + s3_config(env, bucket, "      flush.size: 400\n      rotate.schedule.interval.ms: 1000\n" + sink_extra));
    return path;
}

std::vector<std::string> split_lines(const std::string& body) {
    std::vector<std::string> lines;
    std::istringstream in(body);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// "year=2026/month=01/day=01/hour=02" of a reading's "ts" ("2026-01-01T02:13:00Z").
std::string hour_folder(const std::string& topic, const std::string& ts) {
    return "topics/" + topic + "/year=" + ts.substr(0, 4) + "/month=" + ts.substr(5, 2) + "/day=" + ts.substr(8, 2) +
           "/hour=" + ts.substr(11, 2);
}

struct LakeCheck {
    size_t objects = 0, lines = 0;
};

// Every object against the topic; returns how much was found. With `complete`, every record
// of the topic must be in an object.
LakeCheck check_objects(S3Client& s3, const std::string& bucket, const TempDir& dir, const std::string& bootstrap,
                        const std::string& topic, bool complete) {
    std::map<std::pair<int32_t, int64_t>, std::string> kafka;
    for (auto& r : kcat_read(dir, bootstrap, topic)) kafka[{r.partition, r.offset}] = r.value;
    std::set<std::pair<int32_t, int64_t>> seen;
    LakeCheck c;
    for (const std::string& key : s3.list(bucket)) {
        auto o = parse_sink_object(key);
        REQUIRE_MESSAGE(o.has_value(), "unexpected object " << key);
        CHECK(o->topic == topic);
        CHECK_MESSAGE(key.ends_with(".jsonl"), key);
        const auto lines = split_lines(s3.get(bucket, key));
        REQUIRE(!lines.empty());
        const auto meta = s3.metadata(bucket, key);
        CHECK(meta.at("sluice-first-offset") == std::to_string(o->first_offset));
        CHECK(meta.at("sluice-last-offset") == std::to_string(o->first_offset + static_cast<int64_t>(lines.size()) - 1));
        CHECK(meta.at("sluice-records") == std::to_string(lines.size()));
        for (size_t i = 0; i < lines.size(); ++i) {
            const std::pair<int32_t, int64_t> at{o->partition, o->first_offset + static_cast<int64_t>(i)};
            auto k = kafka.find(at);
            REQUIRE_MESSAGE(k != kafka.end(), key << " line " << i << " has no record at " << at.first << "/" << at.second);
            CHECK_MESSAGE(lines[i] == k->second, key << " line " << i);
            CHECK_MESSAGE(seen.insert(at).second, "offset " << at.first << "/" << at.second << " is in two objects");
            const auto value = Json::parse(lines[i]);
            CHECK_MESSAGE(o->folder == hour_folder(topic, value.at("ts").get<std::string>()), key);
        }
        ++c.objects;
        c.lines += lines.size();
    }
    if (complete) CHECK_MESSAGE(seen.size() == kafka.size(), seen.size() << " of " << kafka.size() << " records in objects");
    return c;
}

size_t lines_in_bucket(S3Client& s3, const std::string& bucket) {
    size_t n = 0;
    try {
        for (const auto& key : s3.list(bucket)) n += split_lines(s3.get(bucket, key)).size();
    } catch (const std::exception&) {
        return 0;  // the store is not there (yet)
    }
    return n;
}

}  // namespace

TEST_CASE("s3: readings into hourly folders, every object exact against the topic") {
    TempDir dir;
    const StoreEnv env = StoreEnv::fixture("SLUICE_S3_ENV");
    S3Client s3(env);
    const std::string bucket = unique_name("e2e");
    s3.create_bucket(bucket);
    MockKafka kafka(dir, {"s3.e2e:3"});
    constexpr int kRecords = 3000;  // 20 sensors, one reading a minute: two and a half hours
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    Sluice run(dir, {"run", "--worker", worker, "--plugin-dir", plugin_dir(), pipeline(dir, env, bucket, "s3.e2e", kRecords, 0)});
    REQUIRE_MESSAGE(wait_until([&] { return lines_in_bucket(s3, bucket) >= kRecords; }, 60s, 200ms), run.log());
    const LakeCheck c = check_objects(s3, bucket, dir, kafka.bootstrap(), "s3.e2e", true);
    CHECK(c.lines == kRecords);
    CHECK(c.objects >= 3 * 3);  // three partitions, three hours at least
    std::set<std::string> folders;
    for (const auto& key : s3.list(bucket)) folders.insert(parse_sink_object(key)->folder);
    CHECK(folders == std::set<std::string>{"topics/s3.e2e/year=2026/month=01/day=01/hour=00",
                                           "topics/s3.e2e/year=2026/month=01/day=01/hour=01",
                                           "topics/s3.e2e/year=2026/month=01/day=01/hour=02"});
    CHECK(run.stop() == exited(0));
}

TEST_CASE("s3: kill -9 mid-stream, restart: every record of the topic in exactly one object") {
    TempDir dir;
    const StoreEnv env = StoreEnv::fixture("SLUICE_S3_ENV");
    S3Client s3(env);
    const std::string bucket = unique_name("crash");
    s3.create_bucket(bucket);
    MockKafka kafka(dir, {"s3.crash:3"});
    constexpr int kRecords = 12000;
    // A long offset flush interval: at the kill, objects are in the bucket whose offsets
    // Kafka never had committed.
    const std::string worker = write_worker_file(dir, kafka.bootstrap(), {5000, 200, ""});
    const std::vector<std::string> args{"run", "--worker", worker, "--plugin-dir", plugin_dir(),
                                        pipeline(dir, env, bucket, "s3.crash", kRecords, 3000)};
    {
        Sluice first(dir, args, "run1");
        REQUIRE_MESSAGE(wait_until([&] { return s3.list(bucket).size() >= 6; }, 60s, 100ms), first.log());
        CHECK(first.process().kill().signal == SIGKILL);
    }
    const size_t at_kill = lines_in_bucket(s3, bucket);
    MESSAGE("kill -9 with ", at_kill, " records in objects");
    Sluice second(dir, args, "run2");
    // The source resumes from its stored offset (records after it are produced again): wait
    // until the bucket holds every record the topic has.
    REQUIRE_MESSAGE(wait_until(
                        [&] {
                            const size_t in_topic = kcat_read(dir, kafka.bootstrap(), "s3.crash").size();
                            return in_topic >= kRecords && lines_in_bucket(s3, bucket) >= in_topic;
                        },
                        90s, 500ms),
                    second.log());
    check_objects(s3, bucket, dir, kafka.bootstrap(), "s3.crash", true);
    CHECK_MESSAGE(second.count_in_log("ends at offset") >= 1, second.log());
    CHECK(second.stop() == exited(0));
}

TEST_CASE("s3: the store stopped for 10 s mid-stream: the sink waits, then no loss and no duplicate") {
    TempDir dir;
    PrivateStore store(dir, "s3-server.sh", "s3-store");
    S3Client s3(store.env());
    const std::string bucket = "outage";
    s3.create_bucket(bucket);
    MockKafka kafka(dir, {"s3.outage:2"});
    constexpr int kRecords = 8000;
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    Sluice run(dir, {"run", "--worker", worker, "--plugin-dir", plugin_dir(),
                     pipeline(dir, store.env(), bucket, "s3.outage", kRecords, 400)});
    REQUIRE_MESSAGE(wait_until([&] { return lines_in_bucket(s3, bucket) >= 1000; }, 60s, 100ms), run.log());
    store.stop();
    CHECK_MESSAGE(lake::lives_through(run, 10s), run.log());  // the store is down meanwhile: the sink waits
    const std::string log = run.log();
    const bool told = log.find("Couldn't connect") != std::string::npos || log.find("Failed to connect") != std::string::npos;
    CHECK_MESSAGE(told, log);
    store.start();
    REQUIRE_MESSAGE(wait_until([&] { return lines_in_bucket(s3, bucket) >= kRecords; }, 90s, 500ms), run.log());
    const LakeCheck c = check_objects(s3, bucket, dir, kafka.bootstrap(), "s3.outage", true);
    CHECK(c.lines == kRecords);
    CHECK(run.stop() == exited(0));
}

TEST_CASE("s3: sluice check exits 3 with S3's code and message for a wrong secret and a missing bucket") {
    TempDir dir;
    const StoreEnv env = StoreEnv::fixture("SLUICE_S3_ENV");
    S3Client s3(env);
    const std::string bucket = unique_name("check");
    s3.create_bucket(bucket);
    const std::string worker = write_worker_file(dir, "127.0.0.1:1");
    auto check = [&](const std::string& config) {
        return run_sluice(dir, {"check", "--worker", worker, "--plugin-dir", plugin_dir(),
                                sink_pipeline(dir, "s3", "t", config)});
    };
    SUBCASE("the bucket exists: ok") {
        auto r = check(s3_config(env, bucket));
        CHECK_MESSAGE(r.status == exited(0), r.err);
    }
    SUBCASE("wrong secret") {
        StoreEnv bad = env;
        bad.vars["S3_SECRET_ACCESS_KEY"] = "not-the-secret";
        auto r = check(s3_config(bad, bucket));
        CHECK(r.status == exited(3));
        CHECK_MESSAGE(r.err.find("HTTP 403 SignatureDoesNotMatch: The request signature we calculated does not match") !=
                          std::string::npos,
                      r.err);
        CHECK(r.err.find("not-the-secret") == std::string::npos);
    }
    SUBCASE("unknown access key") {
        StoreEnv bad = env;
        bad.vars["S3_ACCESS_KEY_ID"] = "AKIDNOBODY";
        auto r = check(s3_config(bad, bucket));
        CHECK(r.status == exited(3));
        CHECK_MESSAGE(r.err.find("InvalidAccessKeyId") != std::string::npos, r.err);
    }
    SUBCASE("missing bucket") {
        auto r = check(s3_config(env, "no-such-bucket-here"));
        CHECK(r.status == exited(3));
        CHECK_MESSAGE(r.err.find("HTTP 404 NoSuchBucket: The specified bucket does not exist") != std::string::npos, r.err);
    }
}
