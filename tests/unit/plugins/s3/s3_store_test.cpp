// The sink and its bucket requests against the fixture's store (s3rver behind the SigV4-
// verifying front, scripts/s3-server.sh): multipart uploads, paginated listings, gzip
// objects, the offsets flush() lets commit, and open() resuming after the newest object.
// Skipped without $SLUICE_S3_ENV (ctest sets it for unit.plugin_s3_store).
#include "bucket.hpp"

#include "http_test_server.hpp"
#include "sdk_harness.hpp"
#include "store_env.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

namespace {

using sluice::testing::FakeHost;
using sluice::testing::SinkInput;
using sluice::testing::SinkUnderTest;

std::optional<std::map<std::string, std::string>> store_env() { return sluice::testing::fixture_env("SLUICE_S3_ENV"); }

sluice::aws::Connection connection(std::map<std::string, std::string>& env) {
    sluice::aws::Connection c;
    c.endpoint = env["S3_ENDPOINT_URL"];
    c.region = env["S3_REGION"];
    c.service = "s3";
    c.credentials = {env["S3_ACCESS_KEY_ID"], env["S3_SECRET_ACCESS_KEY"], ""};
    return c;
}

std::string fresh_bucket(std::map<std::string, std::string>& env) {
    std::random_device rd;
    const std::string name = "unit-" + std::to_string(rd() % 1000000000);
    sluice::aws::Client client(connection(env));
    sluice::http::Request r;
    r.method = "PUT";
    client.send(std::move(r), "/" + name, "creating " + name);
    return name;
}

std::map<std::string, std::string> sink_config(std::map<std::string, std::string>& env, const std::string& bucket,
                                               std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> c{{"s3.bucket.name", bucket},
                                         {"s3.path.style.access.enabled", "true"},
                                         {"endpoint.url", env["S3_ENDPOINT_URL"]},
                                         {"aws.access.key.id", env["S3_ACCESS_KEY_ID"]},
                                         {"aws.secret.access.key", env["S3_SECRET_ACCESS_KEY"]},
                                         {"path.format", "t/{topic}"},
                                         {"flush.size", "10"}};
    for (auto& [k, v] : extra) c[k] = v;
    return c;
}

std::vector<SinkInput> inputs(int from, int to, int32_t partition = 0) {
    std::vector<SinkInput> out;
    for (int i = from; i < to; ++i) {
        SinkInput in;
        in.value = "{\"seq\":" + std::to_string(i) + "}";
        in.topic = "lake";
        in.partition = partition;
        in.offset = i;
        in.timestamp_ms = 1762276800000;
        out.push_back(in);
    }
    return out;
}

}  // namespace

TEST_SUITE("s3_store") {
    TEST_CASE("multipart: a 12 MiB object in 5 MiB parts, whole and with its metadata; listings page") {
        auto env = store_env();
        if (!env) return;
        const std::string name = fresh_bucket(*env);
        sluice::s3::Bucket bucket(connection(*env), name, true);
        std::string body;
        std::mt19937 rng(7);
        while (body.size() < 12 * 1024 * 1024) body += "{\"n\":" + std::to_string(rng()) + "}\n";
        bucket.put("big/a+b=c.jsonl", body, "application/x-ndjson", {{"sluice-last-offset", "41"}}, 5 * 1024 * 1024);
        CHECK(bucket.get("big/a+b=c.jsonl") == body);
        CHECK(bucket.head("big/a+b=c.jsonl")->at("sluice-last-offset") == "41");
        CHECK(!bucket.head("big/none.jsonl").has_value());
        for (int i = 0; i < 5; ++i) bucket.put("small/" + std::to_string(i), "x", "text/plain", {}, 5 * 1024 * 1024);
        const auto keys = bucket.list("small/", 2);  // three pages
        CHECK(keys == std::vector<std::string>{"small/0", "small/1", "small/2", "small/3", "small/4"});
    }

    TEST_CASE("the sink: gzip objects of flush.size records; flush() commits only what is uploaded; open() resumes after it") {
        auto env = store_env();
        if (!env) return;
        const std::string name = fresh_bucket(*env);
        const auto config = sink_config(*env, name, {{"s3.compression.type", "gzip"}});
        {
            FakeHost host;
            SinkUnderTest sink("s3", config, host);
            REQUIRE_MESSAGE(sink.ok(), sink.created.message);
            auto r = sink.put(inputs(0, 25));
            REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
            std::vector<sluice_topic_partition> positions{{"lake", 0, 25}};
            REQUIRE(sink.flush(positions).status == SLUICE_OK);
            // Uploads run in the background: until one is over, its records are held back.
            CHECK(positions[0].offset <= 20);
            host.stopping = true;  // a stopping task's flush waits for its uploads
            positions[0].offset = 25;
            REQUIRE(sink.flush(positions).status == SLUICE_OK);
            CHECK(positions[0].offset == 20);  // records 20..24 are in the open object
        }
        sluice::s3::Bucket bucket(connection(*env), name, true);
        const auto keys = bucket.list("");
        REQUIRE(keys == std::vector<std::string>{"t/lake/lake+0+00000000000000000000.jsonl.gz",
                                                 "t/lake/lake+0+00000000000000000010.jsonl.gz"});
        std::string expected;
        for (int i = 10; i < 20; ++i) expected += "{\"seq\":" + std::to_string(i) + "}\n";
        CHECK(sluice::testing::gunzip(bucket.get(keys[1])) == expected);
        CHECK(bucket.head(keys[1])->at("sluice-records") == "10");
        // A new owner of the partition resumes after offset 19, and skips records up to it
        // if Kafka hands them over anyway.
        FakeHost host;
        SinkUnderTest sink("s3", config, host);
        REQUIRE(sink.ok());
        auto r = sink.put(inputs(15, 30));
        REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
        std::vector<sluice_topic_partition> positions{{"lake", 0, 30}};
        host.stopping = true;
        REQUIRE(sink.flush(positions).status == SLUICE_OK);
        CHECK(positions[0].offset == 30);  // 20..29 uploaded: one object of 10
        CHECK(bucket.list("").size() == 3);
        CHECK(bucket.list("").back() == "t/lake/lake+0+00000000000000000020.jsonl.gz");
        bool logged = false;
        for (const auto& [level, text] : host.logs) logged = logged || text.find("ends at offset 19") != std::string::npos;
        CHECK(logged);
    }

    TEST_CASE("the sink: a value that is not JSON goes to the error policy with its coordinates; tombstones are skipped") {
        auto env = store_env();
        if (!env) return;
        const std::string name = fresh_bucket(*env);
        FakeHost host;
        host.enable_errant(SLUICE_OK);
        SinkUnderTest sink("s3", sink_config(*env, name), host);
        REQUIRE(sink.ok());
        auto records = inputs(0, 10);
        records[3].value = "not json";
        records[6].value.reset();
        REQUIRE(sink.put(records).status == SLUICE_OK);
        REQUIRE(sink.put(inputs(10, 12)).status == SLUICE_OK);
        host.stopping = true;
        std::vector<sluice_topic_partition> positions{{"lake", 0, 12}};
        REQUIRE(sink.flush(positions).status == SLUICE_OK);
        CHECK(positions[0].offset == 12);
        REQUIRE(host.errants.size() == 1);
        CHECK(host.errants[0].message.find("record lake[0]@3 not written to s3://" + name) == 0);
        CHECK(host.errants[0].message.find("its value is not JSON") != std::string::npos);
        sluice::s3::Bucket bucket(connection(*env), name, true);
        std::string expected;
        for (int i : {0, 1, 2, 4, 5, 7, 8, 9, 10, 11}) expected += "{\"seq\":" + std::to_string(i) + "}\n";
        CHECK(bucket.get("t/lake/lake+0+00000000000000000000.jsonl") == expected);
        auto metadata = bucket.head("t/lake/lake+0+00000000000000000000.jsonl");
        REQUIRE(metadata.has_value());
        CHECK(metadata->at("sluice-last-offset") == "11");
    }
}
