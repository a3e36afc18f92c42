// One connector failing at start leaves the others running: its task ends FAILED with
// the reason in the log, the worker keeps moving records for the rest, and the exit code
// after SIGTERM reports the failure (4).
//
// A file sink whose path is a directory cannot serve as the failing connector: the
// pre-flight check refuses it before anything starts (exit 3, checked below). The failure
// here comes at create instead, from a bad stored source offset put into the offsets topic
// from outside (kcat), which only the task itself reads. (Plugins that throw at create are
// checked in plugin_loading_test.cpp.)
#include "harness.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace sluice::it;
using sluice::testing::count_lines;
using sluice::testing::wait_until;
using sluice::testing::write_file;

TEST_CASE("connector failure: a connector failing at create leaves the other one running") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "cf.broken:1", "cf.ok:2"});
    // The broken connector's stored offset: valid Kafka Connect framing, unusable content.
    kcat_produce(dir, kafka.bootstrap(), "sluice-offsets", 0, R"(["cf.broken",{"task":0}])", R"({"seq":"oops"})");

    const std::string output = dir.file("ok.jsonl");
    const std::string broken = dir.file("cf.yaml"), ok = dir.file("ok.yaml");
    write_file(broken, "name: cf\n"
                       "source:\n"
                       "  name: broken\n"
                       "  plugin: datagen\n"
                       "  topic: cf.broken\n"
                       "  restart: {policy: never}\n");  // fails once, as counted below
    write_file(ok, "name: ok\n"
                   "source:\n"
                   "  name: gen\n"
                   "  plugin: datagen\n"
                   "  topic: cf.ok\n"
                   "  config: {rate: 2000}\n"
                   "sinks:\n"
                   "  - name: out\n"
                   "    plugin: file\n"
                   "    config: {path: '" + output + "'}\n");
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    Sluice run(dir, {"run", "--worker", worker, "--plugin-dir", plugin_dir(), broken, ok});

    REQUIRE_MESSAGE(run.wait_for_log("[cf.broken/0] task failed: ", 20s), "log:\n" << run.log());
    const std::string reason = R"(create failed: datagen: stored offset {"seq":"oops"} for partition {"task":0} is unusable: )"
                               R"("seq" is not a non-negative integer)";
    CHECK_MESSAGE(run.log().find(reason) != std::string::npos, "log:\n" << run.log());

    // The other pipeline keeps producing: its output grows, twice over.
    expect_output_keeps_growing(run, output);
    CHECK(run.log().find("every connector has failed") == std::string::npos);
    CHECK(run.count_in_log("task failed") == 1);

    auto status = run.stop(20s);
    REQUIRE(status);
    // The healthy connectors stopped cleanly; the failed task is reported again at the end
    // and makes the exit code 4 (runtime failure).
    CHECK_MESSAGE(*status == exited(4), status->describe() << "; log:\n" << run.log());
    CHECK(run.log().find("[cf.broken/0] ended FAILED: ") != std::string::npos);
    CHECK(run.log().find("stopped with failures") != std::string::npos);
    CHECK(run.log().find("[ok.gen/0] stopped: ") != std::string::npos);
    CHECK(run.log().find("[ok.out/0] stopped: ") != std::string::npos);
    CHECK(kcat_read(dir, kafka.bootstrap(), "cf.broken").empty());
}

TEST_CASE("connector failure: every connector failing stops the worker with exit code 4") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "cf.broken:1"});
    kcat_produce(dir, kafka.bootstrap(), "sluice-offsets", 0, R"(["cf.broken",{"task":0}])", R"({"nope":1})");
    const std::string broken = dir.file("cf.yaml");
    write_file(broken, "name: cf\nsource:\n  name: broken\n  plugin: datagen\n  topic: cf.broken\n  restart: {policy: never}\n");
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    Sluice run(dir, {"run", "--worker", worker, "--plugin-dir", plugin_dir(), broken});
    auto status = run.process().wait(20s);
    REQUIRE_MESSAGE(status, "the worker did not stop on its own; log:\n" << run.log());
    CHECK_MESSAGE(*status == exited(4), status->describe() << "; log:\n" << run.log());
    CHECK(run.log().find(R"(is unusable: no "seq")") != std::string::npos);
    CHECK(run.log().find("every connector has failed; stopping the worker") != std::string::npos);
}

TEST_CASE("connector failure: a file sink whose path is a directory is caught by the pre-flight check") {
    TempDir dir;
    std::filesystem::create_directories(dir.file("a-directory"));
    const std::string pipeline = dir.file("dir.yaml");
    write_file(pipeline, "name: dir\n"
                         "source: {name: gen, plugin: datagen, topic: dir.readings}\n"
                         "sinks:\n"
                         "  - name: out\n"
                         "    plugin: file\n"
                         "    config: {path: '" + dir.file("a-directory") + "'}\n");
    auto r = run_sluice(dir, {"run", "--plugin-dir", plugin_dir(), pipeline});
    CHECK_MESSAGE(r.status == exited(3), r.status.describe() << "\n" << r.err);
    CHECK_MESSAGE(r.err.find("pre-flight check failed: dir.out (sink plugin file): cannot append to '" +
                             dir.file("a-directory") + "': Is a directory") != std::string::npos,
                  r.err);
}
