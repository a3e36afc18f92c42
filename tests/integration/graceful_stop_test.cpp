// Graceful stop: a SIGTERM while records flow drains what is in flight, stores the last
// offsets and exits 0, so the restarted source continues exactly where it stopped (no
// record produced twice). A second signal during a slow shutdown exits at once.
// (A file source that had read its whole file producing nothing after a restart is
// checked in end_to_end_test.cpp.)
#include "harness.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <algorithm>
#include <map>
#include <thread>

using namespace sluice::it;
using sluice::testing::wait_until;
using sluice::testing::write_file;

namespace {

const std::string kSourceProgress = R"(\[gs\.gen/0\] polled (\d+), acknowledged by Kafka (\d+) records)";
const std::string kSourceStopped = R"(\[gs\.gen/0\] stopped: (\d+) records acknowledged by Kafka, (\d+) offset commits)";
const std::string kResume = R"(\[gs\.gen/0\] datagen: task 0 of 1 starts at record (\d+))";

}  // namespace

TEST_CASE("graceful stop: SIGTERM mid-stream commits the last offsets; the restart continues without duplicates") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "gs.readings:4"});
    constexpr int64_t kRecords = 40000;
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    const std::string pipeline = dir.file("gs.yaml");
    // A source alone (no consumer group to wait for), 2 s worth of records at its rate.
    write_file(pipeline, "name: gs\n"
                         "source:\n"
                         "  name: gen\n"
                         "  plugin: datagen\n"
                         "  topic: gs.readings\n"
                         "  config: {rate: 20000, max.records: " + std::to_string(kRecords) + ", sensors: 50,\n"
                         "           start.time: '2026-01-01T00:00:00Z'}\n");
    const std::vector<std::string> args = {"run", "--worker", worker, "--plugin-dir", plugin_dir(), pipeline};

    int64_t acknowledged = 0;
    {
        Sluice run(dir, args, "run1");
        bool flowing = wait_until(
            [&] {
                auto p = find_numbers(run.log(), kSourceProgress);
                return (!p.empty() && p.back()[1] >= 2000) || !run.process().running();
            },
            20s);
        REQUIRE_MESSAGE((flowing && run.process().running()), "log:\n" << run.log());
        auto status = run.stop(15s);
        REQUIRE_MESSAGE(status, "no exit within 15 s of SIGTERM; log:\n" << run.log());
        CHECK_MESSAGE(*status == exited(0), status->describe() << "; log:\n" << run.log());
        auto stopped = find_numbers(run.log(), kSourceStopped);
        REQUIRE(stopped.size() == 1);
        acknowledged = stopped[0][0];
        CHECK(stopped[0][1] >= 1);
        CHECK(acknowledged > 0);
        CHECK(acknowledged < kRecords);  // stopped while records were flowing
    }
    // Every acknowledged record is in Kafka, and nothing more: the drain waited for the
    // in-flight ones.
    CHECK(static_cast<int64_t>(kcat_read(dir, kafka.bootstrap(), "gs.readings").size()) == acknowledged);
    {
        Sluice run(dir, args, "run2");
        REQUIRE(run.wait_for_log("datagen: task 0 of 1 starts at record", 20s));
        // The last stored offset is the last acknowledged record: resume right after it.
        auto resume = find_numbers(run.log(), kResume);
        REQUIRE(resume.size() == 1);
        CHECK(resume[0][0] == acknowledged);
        bool done = wait_until(
            [&] {
                auto p = find_numbers(run.log(), kSourceProgress);
                return (!p.empty() && p.back()[1] >= kRecords - acknowledged) || !run.process().running();
            },
            20s);
        REQUIRE_MESSAGE((done && run.process().running()), "log:\n" << run.log());
        auto status = run.stop(15s);
        REQUIRE(status);
        CHECK_MESSAGE(*status == exited(0), status->describe() << "; log:\n" << run.log());
    }
    // Every seq exactly once.
    auto records = kcat_read(dir, kafka.bootstrap(), "gs.readings");
    std::vector<int> copies(kRecords, 0);
    for (const auto& r : records) {
        auto v = nlohmann::json::parse(r.value);
        int64_t seq = v.at("seq").get<int64_t>();
        if (seq < 0 || seq >= kRecords) FAIL("seq out of range: " << r.value);
        ++copies[static_cast<size_t>(seq)];
    }
    CHECK(records.size() == static_cast<size_t>(kRecords));
    CHECK(std::count(copies.begin(), copies.end(), 1) == kRecords);
    // The offsets topic holds Kafka Connect's datagen offset of the last record.
    auto offsets = kcat_read(dir, kafka.bootstrap(), "sluice-offsets");
    REQUIRE_FALSE(offsets.empty());
    CHECK(offsets.back().key == std::optional<std::string>(R"(["gs.gen",{"task":0}])"));
    CHECK(offsets.back().value == R"({"seq":)" + std::to_string(kRecords - 1) + "}");
}

TEST_CASE("graceful stop: a second SIGTERM during a slow shutdown exits at once") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "slow.readings:2"});
    const std::string worker = write_worker_file(dir, kafka.bootstrap(), {500, 200, "shutdown.timeout.ms: 20000\n"});
    const std::string pipeline = dir.file("slow.yaml");
    write_file(pipeline, "name: gs\n"
                         "source:\n"
                         "  name: gen\n"
                         "  plugin: datagen\n"
                         "  topic: slow.readings\n"
                         "  config: {rate: 0}\n");  // as fast as possible: always records in flight
    Sluice run(dir, {"run", "--worker", worker, "--plugin-dir", plugin_dir(), pipeline});
    bool flowing = wait_until(
        [&] {
            auto p = find_numbers(run.log(), kSourceProgress);
            return (!p.empty() && p.back()[1] > 0) || !run.process().running();
        },
        20s);
    REQUIRE_MESSAGE((flowing && run.process().running()), "log:\n" << run.log());

    // A broker that stops answering: the drain waits for acknowledgements that cannot come
    // (up to shutdown.timeout.ms), so the graceful stop is slow.
    kafka.freeze();
    run.process().signal(SIGTERM);
    REQUIRE(run.wait_for_log("received SIGTERM: stopping gracefully", 5s));
    CHECK_MESSAGE(!run.process().wait(1s), "the shutdown was not slow: " << run.process().status()->describe());

    const auto second = std::chrono::steady_clock::now();
    run.process().signal(SIGTERM);
    auto status = run.process().wait(5s);
    const auto took = std::chrono::steady_clock::now() - second;
    REQUIRE_MESSAGE(status, "still running 5 s after the second SIGTERM; log:\n" << run.log());
    CHECK_MESSAGE(*status == exited(128 + SIGTERM), status->describe());
    CHECK(took < 2s);
    CHECK(run.log().find("second signal: exiting at once, without the final flush and commit") != std::string::npos);
    kafka.thaw();
}

// librdkafka 2.0.2 (Debian 12) aborts when a cooperative-sticky consumer is closed during
// its first group join; sinks use the eager roundrobin assignor, which has no such state.
TEST_CASE("graceful stop while a sink is still joining its consumer group exits 0") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "gj.readings:4"});
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    const std::string pipeline = dir.file("gj.yaml");
    write_file(pipeline, "name: gj\n"
                         "sinks:\n  - name: archive\n    plugin: file\n    topics: [gj.readings]\n"
                         "    config: {path: " + dir.file("out.jsonl") + "}\n");
    for (int delay_ms : {1500, 2200}) {
        CAPTURE(delay_ms);
        Sluice run(dir, {"run", "--worker", worker, "--plugin-dir", plugin_dir(), pipeline}, "join" + std::to_string(delay_ms));
        REQUIRE(run.wait_for_log("as consumer group sluice-gj.archive", 20s));
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms - 500));
        auto status = run.stop(30s);
        REQUIRE_MESSAGE(status, "no exit within 30 s of SIGTERM; log:\n" << run.log());
        CHECK_MESSAGE(*status == exited(0), status->describe() << "; log:\n" << run.log());
    }
}
