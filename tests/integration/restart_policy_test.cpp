// restart.policy end to end, for every way a task fails (docs/restart-policy.md):
// - a plugin FATAL at start: a file sink whose directory does not exist yet restarts by
//   itself, with backoff, until the directory appears; REST status shows it RESTARTING with
//   the failure's trace and its attempts, the metrics count the restarts, and once the
//   directory exists the records arrive. With restart.policy never the same sink stays FAILED;
// - a plugin host crash: an isolated sink whose host dies in put mid-stream (on its first life
//   only) is RESTARTING, then RUNNING again by itself, and every record reaches it, resumed
//   from what the group had committed (never past what the sink had received);
// - a delivery failure: a source record Kafka refuses (errors.tolerance none) fails the
//   source again at each restart, with growing backoff, until restart.max.attempts leaves it
//   FAILED with the reason; a REST restart then counts from zero again.
#include "rest_client.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

using namespace sluice::it;
using sluice::testing::read_lines;
using sluice::testing::wait_until;
using sluice::testing::write_file;

namespace {

double metric(const std::string& text, const std::string& series) {
    const auto at = text.find(series + " ");
    return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 1));
}

int attempts(const nlohmann::json& status) { return status["tasks"][0].value("restart_attempts", 0); }
std::string task_state(const nlohmann::json& status) { return status["tasks"][0].value("state", ""); }
std::string task_trace(const nlohmann::json& status) { return status["tasks"][0].value("trace", ""); }

// What a sink connector's consumer group committed, summed over its partitions.
int64_t committed(RestWorker& w, const std::string& connector) {
    const auto offsets = w.get("/connectors/" + connector + "/offsets");
    int64_t sum = 0;
    if (offsets.status != 200 || !offsets.is_json()) return -1;
    for (const auto& o : offsets.json.value("offsets", nlohmann::json::array())) sum += o["offset"].value("kafka_offset", int64_t{0});
    return sum;
}

}  // namespace

TEST_CASE("restart policy: a sink failing at start restarts by itself until its directory exists; REST and metrics show it") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "rp.t:1"});
    const std::string worker = write_rest_worker_file(dir, kafka.bootstrap(), "rest.file.allowed.paths: [\"" + dir.path().string() + "\"]\n");
    RestWorker w(dir, worker);
    const std::string later = dir.file("later"), out = later + "/out.jsonl";

    REQUIRE(w.call("POST", "/connectors", connector_body("gen", {{"connector.class", "datagen"}, {"topic", "rp.t"}, {"rate", "200"}})).status == 201);
    REQUIRE(w.call("POST", "/connectors",
                   connector_body("archive", {{"connector.class", "file"}, {"topics", "rp.t"}, {"path", out}, {"create.dirs", "false"},
                                              {"restart.backoff.initial.ms", "200"}, {"restart.backoff.max.ms", "400"}}))
                .status == 201);

    // Failing and restarting: RESTARTING (or FAILED between an attempt and its scheduling)
    // with the failure's trace, the attempts growing.
    auto status = w.wait_status("archive", [](const nlohmann::json& s) { return attempts(s) >= 3; }, 30s);
    REQUIRE(attempts(status) >= 3);
    CHECK(status["tasks"][0].value("trace", "").find("does not exist (create.dirs is false)") != std::string::npos);
    CHECK(connector_state(status) != "FAILED");
    const std::string metrics = w.get("/metrics").body;
    CHECK(metric(metrics, R"(sluice_task_restarts_total{connector="archive",task="0"})") >= 2);
    CHECK(metric(metrics, R"(sluice_task_last_failure_timestamp_seconds{connector="archive",task="0"})") > 1.7e9);
    CHECK(w.sluice().log().find("automatic restart") != std::string::npos);

    // The store comes back: the next restart runs, and records arrive.
    std::filesystem::create_directories(later);
    status = w.wait_status("archive", [](const nlohmann::json& s) { return task_states(s) == std::vector<std::string>{"RUNNING"}; }, 30s);
    REQUIRE(task_states(status) == std::vector<std::string>{"RUNNING"});
    REQUIRE_MESSAGE(sluice::testing::wait_until([&] { return sluice::testing::read_lines(out).size() >= 10; }, 30s),
                    "log:\n" << w.sluice().log());

    // A manual restart still works and starts the count again.
    const int restarted = w.call("POST", "/connectors/archive/tasks/0/restart").status;
    REQUIRE((restarted == 204 || restarted == 202));  // 202: still restarting after rest.lifecycle.wait.ms
    status = w.wait_status("archive", [](const nlohmann::json& s) { return task_states(s) == std::vector<std::string>{"RUNNING"}; }, 30s);
    CHECK(attempts(status) == 0);
}

TEST_CASE("restart policy: never leaves the task FAILED, as Kafka Connect does") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "rp.t:1"});
    const std::string worker = write_rest_worker_file(dir, kafka.bootstrap(), "rest.file.allowed.paths: [\"" + dir.path().string() + "\"]\n");
    RestWorker w(dir, worker);
    REQUIRE(w.call("POST", "/connectors",
                   connector_body("archive", {{"connector.class", "file"}, {"topics", "rp.t"}, {"path", dir.file("nowhere/out.jsonl")},
                                              {"create.dirs", "false"}, {"restart.policy", "never"}}))
                .status == 201);
    auto status = w.wait_status("archive", [](const nlohmann::json& s) { return task_states(s) == std::vector<std::string>{"FAILED"}; }, 30s);
    REQUIRE(task_states(status) == std::vector<std::string>{"FAILED"});
    CHECK(attempts(status) == 0);
    CHECK(metric(w.get("/metrics").body, R"(sluice_task_restarts_total{connector="archive",task="0"})") == 0);
}

// A plugin host crash: the isolated sink's host dies of SIGSEGV in put after 300 records, on
// its first life only (the fixture's `once` marker); the restarted task goes on.
TEST_CASE("restart policy: an isolated sink whose plugin host crashes in put restarts by itself and gets every record, nothing lost") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "rp.once:1"});
    const std::string worker = write_rest_worker_file(dir, kafka.bootstrap(), "rest.file.allowed.paths: [\"" + dir.path().string() + "\"]\n");
    RestWorker w(dir, worker, {"--plugin-dir", plugin_dir(), "--plugin-dir", SLUICE_FAULTY_PLUGIN_DIR});
    constexpr int kRecords = 2000, kCommittedFirst = 200, kAt = 300;
    auto records = [](int from, int to) {
        std::string lines;
        for (int i = from; i < to; ++i) lines += "r" + std::to_string(i) + "\n";
        return lines;
    };
    write_file(dir.file("in.txt"), records(0, kCommittedFirst));
    const std::string out = dir.file("out.txt");

    REQUIRE(w.call("POST", "/connectors",
                   connector_body("once", {{"connector.class", "fixture_faulty_sink"}, {"topics", "rp.once"}, {"plugin.isolation", "process"},
                                           {"fault", "segv"}, {"where", "put"}, {"at", std::to_string(kAt)},
                                           {"once", dir.file("crashed")}, {"path", out},
                                           {"restart.backoff.initial.ms", "3000"}, {"restart.backoff.max.ms", "3000"}}))
                .status == 201);
    REQUIRE(w.call("POST", "/connectors", connector_body("in", {{"connector.class", "file"}, {"topic", "rp.once"}, {"path", dir.file("in.txt")}}))
                .status == 201);
    // The first 200 records flushed and committed before the rest arrive (the file source
    // follows its file): the crash comes after a commit, with records put and not committed.
    REQUIRE_MESSAGE(wait_until([&] { return committed(w, "once") == kCommittedFirst; }, 30s), w.sluice().log());
    std::ofstream(dir.file("in.txt"), std::ios::app) << records(kCommittedFirst, kRecords);

    // The crash: RESTARTING for the backoff (1.5 to 3 s), with the host's trace and attempt 1.
    auto status = w.wait_status("once", [](const nlohmann::json& s) { return task_state(s) == "RESTARTING"; }, 30s);
    REQUIRE_MESSAGE(task_state(status) == "RESTARTING", status.dump() << "\nlog:\n" << w.sluice().log());
    CHECK(attempts(status) == 1);
    CHECK(connector_state(status) == "RUNNING");  // not FAILED while it restarts
    const std::string trace = task_trace(status);
    CHECK_MESSAGE(trace.find("faulty_sink.so), isolated in a plugin host: put: the plugin host died during the call") != std::string::npos, trace);
    CHECK_MESSAGE(trace.find("killed by signal 11 (SIGSEGV)") != std::string::npos, trace);
    CHECK_MESSAGE(trace.find("about to misbehave (segv) in put after 300 records") != std::string::npos, trace);

    // RUNNING again by itself: the attempt is still shown, the restart counted.
    status = w.wait_status("once", [](const nlohmann::json& s) { return task_state(s) == "RUNNING"; }, 30s);
    REQUIRE_MESSAGE(task_state(status) == "RUNNING", status.dump() << "\nlog:\n" << w.sluice().log());
    CHECK(attempts(status) == 1);
    const std::string metrics = w.get("/metrics").body;
    CHECK(metric(metrics, R"(sluice_task_restarts_total{connector="once",task="0"})") == 1);
    CHECK(metric(metrics, R"(sluice_task_last_failure_timestamp_seconds{connector="once",task="0"})") > 1.7e9);
    const auto delays = find_numbers(w.sluice().log(), R"(task once/0 failed; automatic restart 1 in (\d+) ms)");
    REQUIRE(delays.size() == 1);
    CHECK((delays[0][0] >= 1500 && delays[0][0] <= 3000));  // the backoff, with its jitter

    // Every record arrives. The first life wrote r0..r299 and died; the second resumed where
    // the group had committed: not before the commit made before the crash, never past what
    // the first life had received (200 <= C <= 300), and from there on every record in order
    // (r<C>..r299 a second time: at least once).
    REQUIRE_MESSAGE(wait_until([&] { return committed(w, "once") == kRecords; }, 60s),
                    committed(w, "once") << "\nlog:\n" << w.sluice().log());
    const auto lines = read_lines(out);
    REQUIRE(lines.size() > static_cast<size_t>(kAt));
    for (int i = 0; i < kAt; ++i) REQUIRE_MESSAGE(lines[i] == "r" + std::to_string(i), "line " << i << ": " << lines[i]);
    const int resumed = std::stoi(lines[kAt].substr(1));
    CHECK(resumed >= kCommittedFirst);
    CHECK(resumed <= kAt);
    REQUIRE(lines.size() == static_cast<size_t>(kAt + kRecords - resumed));
    for (int i = resumed; i < kRecords; ++i) {
        const auto& line = lines[kAt + i - resumed];
        REQUIRE_MESSAGE(line == "r" + std::to_string(i), "line " << kAt + i - resumed << ": " << line);
    }
    CHECK(w.sluice().count_in_log("[once/0] task failed: ") == 1);
    CHECK(task_state(w.get("/connectors/once/status").json) == "RUNNING");
    REQUIRE(w.sluice().stop(30s));
}

// A delivery failure: the file source's third line is over the producer's message.max.bytes
// (1000000), so Kafka refuses it; errors.tolerance none fails the task on it at every start.
TEST_CASE("restart policy: a source failing on a record Kafka refuses restarts with growing backoff, is left FAILED after max attempts; a REST restart counts from zero") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "rp.big:1"});
    const std::string worker = write_rest_worker_file(dir, kafka.bootstrap(), "rest.file.allowed.paths: [\"" + dir.path().string() + "\"]\n");
    RestWorker w(dir, worker);
    const std::string big(1100 * 1000, 'x');
    write_file(dir.file("in.txt"), "a\nb\n" + big + "\nc\n");
    REQUIRE(w.call("POST", "/connectors",
                   connector_body("big", {{"connector.class", "file"}, {"topic", "rp.big"}, {"path", dir.file("in.txt")},
                                          {"restart.max.attempts", "2"}, {"restart.backoff.initial.ms", "1000"},
                                          {"restart.backoff.max.ms", "4000"}}))
                .status == 201);

    auto status = w.wait_status("big", [](const nlohmann::json& s) { return task_state(s) == "RESTARTING"; }, 30s);
    REQUIRE_MESSAGE(task_state(status) == "RESTARTING", status.dump() << "\nlog:\n" << w.sluice().log());
    CHECK(attempts(status) >= 1);
    CHECK_MESSAGE(task_trace(status).find("could not be produced to rp.big: Broker: Message size too large") != std::string::npos, status.dump());

    auto gave_up = [](const nlohmann::json& s) {
        return task_state(s) == "FAILED" && task_trace(s).find("left FAILED after 2 automatic restarts in a row") != std::string::npos;
    };
    status = w.wait_status("big", gave_up, 30s);
    REQUIRE_MESSAGE(gave_up(status), status.dump() << "\nlog:\n" << w.sluice().log());
    CHECK(attempts(status) == 2);
    CHECK(connector_state(status) == "FAILED");
    CHECK_MESSAGE(task_trace(status).find("KAFKA_PRODUCE failed") != std::string::npos, task_trace(status));
    CHECK_MESSAGE(task_trace(status).find("could not be produced to rp.big: Broker: Message size too large") != std::string::npos,
                  task_trace(status));
    CHECK(w.sluice().count_in_log("[big/0] task failed: ") == 3);  // the first run and two restarts
    CHECK(metric(w.get("/metrics").body, R"(sluice_task_restarts_total{connector="big",task="0"})") == 2);
    // Exponential backoff with jitter: the first wait in [500, 1000] ms, the second in [1000, 2000].
    const auto delays = find_numbers(w.sluice().log(), R"(task big/0 failed; automatic restart (\d+) of 2 in (\d+) ms)");
    REQUIRE(delays.size() == 2);
    CHECK(delays[0][0] == 1);
    CHECK((delays[0][1] >= 500 && delays[0][1] <= 1000));
    CHECK(delays[1][0] == 2);
    CHECK((delays[1][1] >= 1000 && delays[1][1] <= 2000));
    CHECK(w.sluice().log().find("left FAILED (restart.max.attempts is 2)") != std::string::npos);
    // Nothing past the refused record counts: no stored offset beyond "a\nb\n", no "c" in Kafka.
    const auto offsets = w.get("/connectors/big/offsets");
    REQUIRE_MESSAGE(offsets.status == 200, offsets.describe());
    for (const auto& o : offsets.json.value("offsets", nlohmann::json::array()))
        CHECK_MESSAGE(o["offset"].value("position", int64_t{0}) <= 4, offsets.describe());
    std::set<std::string> produced;
    for (const auto& r : kcat_read(dir, kafka.bootstrap(), "rp.big")) produced.insert(r.value);
    CHECK(produced == std::set<std::string>{"a", "b"});

    // A manual restart after the give-up: the count starts from zero, so the policy restarts
    // it twice more (without the reset it would be left FAILED at once).
    const int restarted = w.call("POST", "/connectors/big/tasks/0/restart").status;
    REQUIRE((restarted == 204 || restarted == 202));
    REQUIRE_MESSAGE(wait_until([&] { return w.sluice().count_in_log("[big/0] task failed: ") == 6; }, 30s), w.sluice().log());
    status = w.wait_status("big", gave_up, 30s);
    REQUIRE_MESSAGE(gave_up(status), status.dump());
    CHECK(attempts(status) == 2);
    CHECK(w.sluice().count_in_log("task big/0 failed; automatic restart 1 of 2 in ") == 2);
    CHECK(metric(w.get("/metrics").body, R"(sluice_task_restarts_total{connector="big",task="0"})") == 4);  // manual ones not counted
    CHECK(w.sluice().process().running());
    REQUIRE(w.sluice().stop(30s));
}
