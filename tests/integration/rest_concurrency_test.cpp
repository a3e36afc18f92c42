// 50 clients at once creating, pausing, resuming, deleting and reading connectors through
// the REST API of one worker, for SLUICE_REST_STRESS_SECONDS (default 6 here; the bench
// runs the full 20 s): no crash, no deadlock, every answer well-formed JSON with a status
// the operation may give, and a consistent state at the end.
#include "rest_client.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <mutex>
#include <random>
#include <set>
#include <thread>

using namespace sluice::it;

namespace {

int env_int(const char* name, int fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::atoi(v) : fallback;
}

}  // namespace

TEST_CASE("rest: 50 concurrent clients creating, pausing, resuming, deleting and reading connectors") {
    const int seconds = env_int("SLUICE_REST_STRESS_SECONDS", 6);
    const int clients = env_int("SLUICE_REST_STRESS_CLIENTS", 50);
    const int names = 16;
    TempDir dir;
    RestWorker w(dir, write_rest_worker_file(dir));

    std::mutex mutex;
    std::vector<std::string> problems;
    std::map<std::string, std::map<long, int>> seen;  // operation -> status -> count
    auto note = [&](const std::string& op, const Reply& r, const std::set<long>& allowed, bool body_json) {
        std::lock_guard lock(mutex);
        ++seen[op][r.status];
        bool ok = allowed.count(r.status) > 0;
        if (ok && body_json) ok = r.is_json();
        if (ok && r.status >= 400) ok = r.is_json() && r.json.value("error_code", 0) == r.status && r.json.contains("message");
        if (ok && (r.status == 202 || r.status == 204)) ok = r.status == 204 ? r.body.empty() : true;
        if (!ok && problems.size() < 20) problems.push_back(op + " -> " + r.describe());
    };

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c)
        threads.emplace_back([&, c] {
            std::mt19937 rng(static_cast<unsigned>(c) * 7919u + 1);
            while (std::chrono::steady_clock::now() < deadline) {
                const std::string name = "c" + std::to_string(rng() % names);
                switch (rng() % 6) {
                case 0:
                    note("create", w.call("POST", "/connectors", connector_body(name, {{"connector.class", "datagen"}, {"topic", "stress"}, {"rate", "5"}})),
                         {201, 409}, true);
                    break;
                case 1: note("pause", w.call("PUT", "/connectors/" + name + "/pause"), {202, 404}, false); break;
                case 2: note("resume", w.call("PUT", "/connectors/" + name + "/resume"), {202, 404}, false); break;
                case 3: note("delete", w.call("DELETE", "/connectors/" + name), {204, 404}, false); break;
                case 4: {
                    auto r = w.get("/connectors/" + name + "/status");
                    note("status", r, {200, 404}, true);
                    if (r.status == 200 && !(r.json.contains("connector") && r.json.contains("tasks"))) {
                        std::lock_guard lock(mutex);
                        problems.push_back("status without connector/tasks: " + r.body);
                    }
                    break;
                }
                default: note("list", w.get("/connectors?expand=status"), {200}, true); break;
                }
            }
        });
    for (auto& t : threads) t.join();

    for (const auto& [op, statuses] : seen) {
        std::string line = op + ":";
        for (const auto& [status, count] : statuses) line += " " + std::to_string(status) + "x" + std::to_string(count);
        MESSAGE(line);
    }
    for (const auto& p : problems) FAIL_CHECK(p);
    CHECK(seen["create"][201] > 0);
    CHECK(seen["delete"][204] > 0);
    CHECK(seen["pause"][202] > 0);
    REQUIRE(w.sluice().process().running());

    // Consistent at the end: every listed connector answers its status, its tasks reach the
    // state its target asks for, and deleting them all leaves nothing.
    auto list = w.get("/connectors");
    REQUIRE(list.status == 200);
    for (const auto& n : list.json) {
        const std::string name = n.get<std::string>();
        auto status = w.get("/connectors/" + name + "/status");
        REQUIRE(status.status == 200);
        const std::string target = connector_state(status.json);
        CHECK((target == "RUNNING" || target == "PAUSED"));
        auto settled = w.wait_status(name, [&](const auto& s) {
            auto states = task_states(s);
            return !states.empty() && std::all_of(states.begin(), states.end(), [&](const auto& st) { return st == target; });
        });
        CHECK_MESSAGE(task_states(settled) == std::vector<std::string>{target}, name, ": ", settled.dump());
        CHECK(w.call("DELETE", "/connectors/" + name).status == 204);
    }
    CHECK(w.get("/connectors").json.empty());
    CHECK(w.get("/health").status == 200);
    auto stopped = w.sluice().stop();
    REQUIRE(stopped);
    CHECK(*stopped == exited(0));
}
