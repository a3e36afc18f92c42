// Sink and source connectors restarted, stopped, reconfigured and deleted over REST right
// after they were created, in a tight loop from several clients, for
// SLUICE_LIFECYCLE_STRESS_SECONDS (default 20). Sink tasks are then still joining their
// consumer group, the window in which librdkafka 2.0.2's cooperative-sticky assignor aborts
// the process when a consumer is closed. The worker must live, answer every call within
// rest.lifecycle.wait.ms plus a margin, answer /health within 2 s throughout, and stop
// gracefully at the end.
#include "rest_client.hpp"

#include <doctest/doctest.h>

#include <atomic>
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

using Clock = std::chrono::steady_clock;

struct Tally {
    std::mutex mutex;
    std::vector<std::string> problems;
    std::map<std::string, std::map<long, int>> seen;  // operation -> status -> count
    std::map<std::string, double> slowest;            // operation -> seconds

    void note(const std::string& op, const Reply& r, const std::set<long>& allowed, double seconds, double bound) {
        std::lock_guard lock(mutex);
        ++seen[op][r.status];
        slowest[op] = std::max(slowest[op], seconds);
        if (!allowed.count(r.status) && problems.size() < 20) problems.push_back(op + " -> " + r.describe());
        if (seconds > bound && problems.size() < 20)
            problems.push_back(op + " took " + std::to_string(seconds) + " s (bound " + std::to_string(bound) + " s)");
    }
};

std::string sink_pipeline(const std::string& name, int tasks) {
    return "name: " + name + "\n"
           "source:\n  name: gen\n  plugin: datagen\n  topic: " + name + ".t\n  config: {rate: 50}\n"
           "sinks:\n  - name: bh\n    plugin: blackhole\n    topics: [" + name + ".t]\n    tasks: " + std::to_string(tasks) + "\n";
}

}  // namespace

TEST_CASE("lifecycle stress: restart, stop, reconfigure and delete connectors right after creating them") {
    const int seconds = env_int("SLUICE_LIFECYCLE_STRESS_SECONDS", 20);
    const int clients = env_int("SLUICE_LIFECYCLE_STRESS_CLIENTS", 4);
    const double lifecycle_wait_s = 1.0;
    // A call waits at most rest.lifecycle.wait.ms for its tasks; the rest is request handling
    // and curl's own start. What this bound must catch is a call that waits for the tasks
    // themselves (up to shutdown.timeout.ms, 30 s here), not a slow machine: with the suite
    // running beside a CPU hog, calls were seen taking 6.6 s with a 1 s wait.
    const double bound = lifecycle_wait_s + 14.0;
    TempDir dir;
    // librdkafka's default session timeout (45 s), as a user has it: a group whose members
    // come and go then takes long to settle, which kept the crash window open for seconds.
    const std::string worker_file = dir.file("worker.yaml");
    sluice::testing::write_file(worker_file, "rest.listener: 127.0.0.1:0\n"
                                             "log.progress.interval.ms: 0\n"
                                             "offset.flush.interval.ms: 500\n"
                                             "shutdown.timeout.ms: 10000\n"
                                             "rest.lifecycle.wait.ms: 1000\n");
    RestWorker w(dir, worker_file);

    Tally tally;
    std::atomic<bool> done{false};
    std::atomic<int> health_failures{0};
    double health_slowest = 0;
    std::thread health([&] {
        while (!done) {
            const auto t0 = Clock::now();
            auto r = curl_request(dir, "GET", w.base() + "/health");
            const double s = std::chrono::duration<double>(Clock::now() - t0).count();
            health_slowest = std::max(health_slowest, s);
            if (r.status != 200 || s > 2.0) ++health_failures;
            sluice::testing::wait_until([&] { return done.load(); }, 100ms, 100ms);  // the probe's pace
        }
    });

    const auto deadline = Clock::now() + std::chrono::seconds(seconds);
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c)
        threads.emplace_back([&, c] {
            std::mt19937 rng(static_cast<unsigned>(c) * 7919u + 17);
            auto timed = [&](const std::string& op, const std::set<long>& allowed, const std::function<Reply()>& call) {
                const auto t0 = Clock::now();
                Reply r = call();
                tally.note(op, r, allowed, std::chrono::duration<double>(Clock::now() - t0).count(), bound);
                return r;
            };
            while (Clock::now() < deadline) {
                const std::string name = "bh" + std::to_string(c) + "-" + std::to_string(rng() % 3);
                const std::string tasks = std::to_string(1 + rng() % 4);
                timed("create", {201, 409}, [&] {
                    return w.call("POST", "/connectors",
                                  connector_body(name, {{"connector.class", "blackhole"}, {"topics", "a,b"}, {"tasks.max", tasks}}));
                });
                switch (rng() % 7) {
                case 0:
                    timed("restart", {202}, [&] { return w.call("POST", "/connectors/" + name + "/restart?includeTasks=true&onlyFailed=false"); });
                    break;
                // 404: the tasks of a connector whose deleted predecessor is still ending do not exist yet
                case 1: timed("task restart", {204, 404}, [&] { return w.call("POST", "/connectors/" + name + "/tasks/0/restart"); }); break;
                case 2:
                    timed("stop", {202}, [&] { return w.call("PUT", "/connectors/" + name + "/stop"); });
                    timed("resume", {202}, [&] { return w.call("PUT", "/connectors/" + name + "/resume"); });
                    break;
                case 3: timed("pause", {202}, [&] { return w.call("PUT", "/connectors/" + name + "/pause"); }); break;
                case 4:
                    timed("reconfigure", {200}, [&] {
                        return w.call("PUT", "/connectors/" + name + "/config",
                                      nlohmann::json{{"connector.class", "blackhole"}, {"topics", "a,b"}, {"tasks.max", std::to_string(1 + rng() % 4)}}.dump());
                    });
                    break;
                case 5: {
                    const std::string p = "p" + std::to_string(c);
                    timed("pipeline put", {200, 201}, [&] {
                        return w.call("PUT", "/pipelines/" + p, sink_pipeline(p, 1 + static_cast<int>(rng() % 3)), "application/yaml");
                    });
                    if (rng() % 2) timed("pipeline delete", {204}, [&] { return w.call("DELETE", "/pipelines/" + p); });
                    break;
                }
                default: break;
                }
                timed("delete", {204}, [&] { return w.call("DELETE", "/connectors/" + name); });
            }
        });
    // The reproduction reported against 0.1: one sink restarted again and again, all its
    // tasks and then task 0, each time before its group's rebalance completes.
    threads.emplace_back([&] {
        const std::string name = "bh";
        tally.note("create", w.call("POST", "/connectors", connector_body(name, {{"connector.class", "blackhole"}, {"topics", "a,b"}, {"tasks.max", "2"}})),
                   {201}, 0, bound);
        while (Clock::now() < deadline) {
            auto t0 = Clock::now();
            Reply r = w.call("POST", "/connectors/" + name + "/restart?includeTasks=true&onlyFailed=false");
            tally.note("restart", r, {202}, std::chrono::duration<double>(Clock::now() - t0).count(), bound);
            t0 = Clock::now();
            r = w.call("POST", "/connectors/" + name + "/tasks/0/restart");
            tally.note("task restart", r, {204}, std::chrono::duration<double>(Clock::now() - t0).count(), bound);
        }
    });
    for (auto& t : threads) t.join();
    done = true;
    health.join();

    for (const auto& [op, statuses] : tally.seen) {
        std::string line = op + ":";
        for (const auto& [status, count] : statuses) line += " " + std::to_string(status) + "x" + std::to_string(count);
        line += " (slowest " + std::to_string(tally.slowest[op]) + " s)";
        MESSAGE(line);
    }
    MESSAGE("slowest /health: " << health_slowest << " s");
    CHECK_MESSAGE(tally.problems.empty(), [&] {
        std::string all;
        for (const auto& p : tally.problems) all += p + "\n";
        for (const auto& line : sluice::testing::read_lines(w.sluice().process().stderr_path()))
            if (line.find("REST") != std::string::npos && line.find(" took ") != std::string::npos) all += line + "\n";
        return all;
    }());
    CHECK(health_failures == 0);
    REQUIRE_MESSAGE(w.sluice().process().running(), "the worker died; log:\n" << w.sluice().log());
    const auto t0 = Clock::now();
    auto status = w.sluice().stop(40s);
    REQUIRE_MESSAGE(status, "no exit within 40 s of SIGTERM; log:\n" << w.sluice().log());
    CHECK_MESSAGE(*status == exited(0), status->describe() << "; log:\n" << w.sluice().log());
    MESSAGE("graceful stop took " << std::chrono::duration<double>(Clock::now() - t0).count() << " s");
    CHECK(w.sluice().log().find("Assertion") == std::string::npos);
}
