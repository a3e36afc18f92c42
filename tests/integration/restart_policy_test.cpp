// restart.policy end to end: a file sink whose directory does not exist yet fails at start
// and restarts by itself, with backoff, until the directory appears; REST status shows it
// RESTARTING with the failure's trace and its attempts, the metrics count the restarts, and
// once the directory exists the records arrive. With restart.policy never the same sink
// stays FAILED.
#include "rest_client.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <regex>

using namespace sluice::it;

namespace {

double metric(const std::string& text, const std::string& series) {
    const auto at = text.find(series + " ");
    return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 1));
}

int attempts(const nlohmann::json& status) { return status["tasks"][0].value("restart_attempts", 0); }

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
