// A sink whose committed offset was deleted from Kafka before it read on (retention, here
// the mock cluster's ~5 MiB per partition) must not skip silently: an ERROR line
// with the offsets and their count, sluice_sink_records_skipped_total, and with
// errors.on.gap: fail, a FAILED task. A new consumer group still starts where
// auto.offset.reset says, without a gap.
#include "rest_client.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <regex>

using namespace sluice::it;

namespace {

// `count` records "k<i>\t{"n":i,"pad":"xx..."}" (~120 bytes) produced in one kcat run.
void produce_many(const TempDir& dir, const std::string& bootstrap, const std::string& topic, int first, int count) {
    const std::string input = dir.file("bulk-" + std::to_string(first) + ".txt");
    {
        std::ofstream out(input);
        const std::string pad(100, 'x');
        for (int i = first; i < first + count; ++i) out << "k" << i << "\t{\"n\":" << i << ",\"pad\":\"" << pad << "\"}\n";
    }
    sluice::testing::SpawnOptions options;
    options.stdin_path = input;
    auto r = sluice::testing::run({kcat_bin(), "-P", "-b", bootstrap, "-t", topic, "-p", "0", "-K", "\t", "-X",
                                   "queue.buffering.max.messages=1000000"},
                                  dir.path().string(), 60s, options);
    REQUIRE_MESSAGE(r.status == exited(0), "kcat -P " << r.status.describe() << ": " << r.err);
}

std::string pipeline(const std::string& out, const std::string& errors) {
    return "name: gap\n"
           "sinks:\n  - name: archive\n    plugin: file\n    topics: [gap.t]\n"
           "    config: {path: " + out + ", format: envelope, buffer.bytes: 0}\n" + errors;
}

double metric(const std::string& text, const std::string& name) {
    std::smatch m;
    std::regex re(name + R"(\{[^}]*\} ([0-9.e+]+))");
    return std::regex_search(text, m, re) ? std::stod(m[1]) : -1;
}

}  // namespace

TEST_CASE("sink: records deleted before they were read are logged, counted, and fail the task when asked") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "gap.t:1"});
    const std::string worker = write_rest_worker_file(dir, kafka.bootstrap());
    const std::string out = dir.file("out.jsonl");
    const std::string file = dir.file("gap.yaml");

    // 1. The sink reads and commits the first 10 records.
    produce_many(dir, kafka.bootstrap(), "gap.t", 0, 10);
    sluice::testing::write_file(file, pipeline(out, ""));
    {
        RestWorker w(dir, worker, {file});
        REQUIRE(sluice::testing::wait_until([&] { return read_envelopes(out).size() == 10; }, 30s, 50ms));
        auto status = w.sluice().stop(30s);
        REQUIRE(status);
        CHECK(*status == exited(0));
        CHECK(w.sluice().log().find("were deleted from Kafka") == std::string::npos);  // a new group: no gap
    }

    // 2. While it is down, 60,000 more records (~7 MiB): the partition keeps ~5 MiB, so
    //    offsets 10.. up to its new start are gone.
    produce_many(dir, kafka.bootstrap(), "gap.t", 10, 60000);

    SUBCASE("errors.on.gap: continue (the default): an ERROR, the count in a metric, the rest read") {
        RestWorker w(dir, worker, {file});
        REQUIRE(w.sluice().wait_for_log("were deleted from Kafka before this sink read them", 30s));
        const std::string log = w.sluice().log();
        std::smatch m;
        REQUIRE(std::regex_search(log, m, std::regex(R"(ERROR .*gap\.t\[0\]: offsets 10\.\.([0-9]+) \(([0-9]+) records\) were deleted)")));
        const long last = std::stol(m[1]), count = std::stol(m[2]);
        CHECK(count == last - 10 + 1);
        CHECK(count >= 10000);
        // Everything still on the broker arrives, starting right after the gap.
        const size_t expected = 10 + static_cast<size_t>(60009 - last);  // offsets 0..9, then last+1..60009
        REQUIRE_MESSAGE(sluice::testing::wait_until([&] { return read_envelopes(out).size() == expected; }, 60s, 200ms),
                        read_envelopes(out).size() << " of " << expected);
        CHECK(read_envelopes(out)[10].offset == last + 1);
        CHECK(metric(w.get("/metrics").body, "sluice_sink_records_skipped_total") == doctest::Approx(count));
        CHECK(connector_state(w.get("/connectors/gap.archive/status").json) == "RUNNING");
    }
    SUBCASE("errors.on.gap: fail: the task fails, naming the partition and the offsets") {
        sluice::testing::write_file(file, pipeline(out, "    errors: {on.gap: fail}\n    restart: {policy: never}\n"));
        RestWorker w(dir, worker, {file});
        // Bounded generously: the worker starts, joins the group and reads 60,000 records
        // first; beside two parallel builds that took more than 30 s.
        auto status = w.wait_status("gap.archive", [](const nlohmann::json& s) { return task_states(s) == std::vector<std::string>{"FAILED"}; },
                                    120s);
        REQUIRE(task_states(status) == std::vector<std::string>{"FAILED"});
        const std::string trace = status["tasks"][0].value("trace", "");
        CHECK(trace.find("gap.t[0]: offsets 10..") != std::string::npos);
        CHECK(trace.find("errors.on.gap is fail") != std::string::npos);
        CHECK(read_envelopes(out).size() == 10);  // nothing after the gap was written
    }
}
