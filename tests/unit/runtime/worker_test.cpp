// Worker against the embedded cluster for its own topics and an in-memory Kafka
// (fake_kafka.hpp) for its tasks, with scripted plugins registered in-process: records flow
// from a source connector to a sink connector, targets (pause, resume, stop) reach every
// task, a failed task restarts (on request, and by itself as restart.policy says),
// reconfiguring changes the task count, names conflict and unknown plugins are refused,
// removing stops the tasks and destroys the instances.
#include "runtime/worker.hpp"

#include "scripted_plugins.hpp"
#include "task_rig.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <limits>
#include <string>

using namespace sluice;
using namespace sluice::testing;
using runtime::TargetState;
using runtime::TaskState;
using runtime::Worker;

namespace {

struct WorkerFixture {
    SourceScript source;
    SinkScript sink;
    FakeKafka kafka;
    plugin::Registry registry;
    std::unique_ptr<Worker> worker;

    explicit WorkerFixture(bool exactly_once = false) {
        log::set_level(log::Level::error);
        registry.add(scripted_source(source));
        registry.add(scripted_sink(sink));
        config::WorkerConfig config;  // embedded cluster: the worker's own topics
        config.exactly_once_source_support = exactly_once;
        config.offset_flush_interval_ms = 10;
        config.shutdown_timeout_ms = 2000;
        config.rest_lifecycle_wait_ms = 5000;
        worker = std::make_unique<Worker>(config, registry);
        worker->use_kafka_clients(&kafka);
        std::string error;
        REQUIRE_MESSAGE(worker->start(error), error);
    }
    ~WorkerFixture() {
        worker->request_stop();
        worker->wait(std::chrono::steady_clock::now() + std::chrono::seconds(20));
    }

    static runtime::ConnectorDefinition definition(config::ConnectorKind kind, const std::string& name, int tasks = 1) {
        runtime::ConnectorDefinition d;
        d.spec = TaskRig::spec(kind, {"traffic"});
        d.spec.name = name;
        d.spec.tasks = tasks;
        d.origin = runtime::Origin::rest;
        return d;
    }
    Worker::Change create(config::ConnectorKind kind, const std::string& name, int tasks = 1,
                          TargetState target = TargetState::running) {
        return create(definition(kind, name, tasks), target);
    }
    Worker::Change create(const runtime::ConnectorDefinition& d, TargetState target = TargetState::running) {
        std::string message;
        return worker->create(d, target, message);
    }
    // A sink connector with the given restart policy (waits in milliseconds).
    Worker::Change create_sink(const std::string& name, config::RestartPolicy policy) {
        auto d = definition(config::ConnectorKind::sink, name);
        d.spec.restart = policy;
        return create(d);
    }
    runtime::TaskReport task(const std::string& name, int id = 0) {
        auto report = worker->report(name);
        REQUIRE(report);
        return report->tasks.at(static_cast<size_t>(id));
    }
    bool all_tasks(const std::string& name, TaskState state) {
        auto report = worker->report(name);
        if (!report || report->tasks.empty()) return false;
        for (const auto& t : report->tasks)
            if (t.status.state != state) return false;
        return true;
    }
};

// A put() that counts its calls in `calls` and fails FATAL with `message` the first
// `failures` times (every time by default), accepting the batch after that.
std::function<sluice_status(const sluice_record* const*, size_t, sluice_error*, const sluice_host*)> failing_put(
    std::atomic<int>& calls, std::string message, int failures = std::numeric_limits<int>::max()) {
    return [&calls, message, failures](const sluice_record* const*, size_t, sluice_error* err, const sluice_host*) -> sluice_status {
        return ++calls <= failures ? say(err, SLUICE_FATAL, message) : SLUICE_OK;
    };
}

std::function<sluice_status(sluice_batch_writer*, sluice_error*, const sluice_host*)> counting_up(std::shared_ptr<std::atomic<int>> next,
                                                                                                 int total) {
    return [=](sluice_batch_writer* out, sluice_error*, const sluice_host*) -> sluice_status {
        if (*next <= total) {
            const std::string v = "r" + std::to_string(next->load());
            append(out, v.c_str(), R"({"s":1})", R"({"i":)" + std::to_string(next->load()) + "}");
            ++*next;
        }
        return SLUICE_OK;
    };
}

}  // namespace

TEST_CASE("worker: records flow from a source connector to a sink connector; offsets and commits follow") {
    WorkerFixture f;
    auto next = std::make_shared<std::atomic<int>>(1);
    f.source.poll = counting_up(next, 5);
    REQUIRE(f.create(config::ConnectorKind::source, "p.src") == Worker::Change::created);
    REQUIRE(f.create(config::ConnectorKind::sink, "p.snk") == Worker::Change::created);
    REQUIRE(eventually([&] { return f.sink.put_count() == 5; }));
    REQUIRE(eventually([&] { return f.kafka.committed("sluice-p.snk", "traffic", 0) == 5; }));
    REQUIRE(eventually([&] { return f.worker->offsets()->get("p.src", R"({"s":1})") == std::string(R"({"i":5})"); }));
    auto report = f.worker->report("p.snk");
    REQUIRE(report);
    CHECK(report->state == TaskState::running);
    CHECK(report->tasks.at(0).records_out == 5);
}

TEST_CASE("worker: pause, resume and stop reach every task of a connector") {
    WorkerFixture f;
    REQUIRE(f.create(config::ConnectorKind::sink, "p.snk", 2) == Worker::Change::created);
    REQUIRE(eventually([&] { return f.all_tasks("p.snk", TaskState::running); }));
    REQUIRE(f.worker->set_target("p.snk", TargetState::paused) == Worker::Change::ok);
    REQUIRE(eventually([&] { return f.all_tasks("p.snk", TaskState::paused); }));
    CHECK(f.worker->report("p.snk")->state == TaskState::paused);
    REQUIRE(f.worker->set_target("p.snk", TargetState::running) == Worker::Change::ok);
    REQUIRE(eventually([&] { return f.all_tasks("p.snk", TaskState::running); }));
    REQUIRE(f.worker->set_target("p.snk", TargetState::stopped) == Worker::Change::ok);
    REQUIRE(eventually([&] {
        auto r = f.worker->report("p.snk");
        return r && r->state == TaskState::stopped;
    }));
    CHECK(f.worker->set_target("nobody", TargetState::paused) == Worker::Change::not_found);
}

TEST_CASE("worker: a failed task restarts on request and goes on where its offsets say") {
    WorkerFixture f;
    for (int i = 0; i < 4; ++i) f.kafka.append("traffic", 0, "x" + std::to_string(i));
    std::atomic<int> calls{0};
    f.sink.put = failing_put(calls, "store down", 1);
    config::RestartPolicy never;
    never.on_failure = false;
    REQUIRE(f.create_sink("p.snk", never) == Worker::Change::created);
    REQUIRE(eventually([&] { return f.all_tasks("p.snk", TaskState::failed); }));
    CHECK(f.worker->report("p.snk")->tasks.at(0).status.trace.find("store down") != std::string::npos);
    CHECK(f.task("p.snk").restarts == 0);  // restart.policy never: left FAILED
    CHECK(eventually([&] { return f.task("p.snk").last_failure_seconds > 0; }));  // recorded just after FAILED shows
    CHECK_FALSE(f.kafka.committed("sluice-p.snk", "traffic", 0));
    REQUIRE(f.worker->restart_task("p.snk", 0) == Worker::Change::ok);
    REQUIRE(eventually([&] { return f.kafka.committed("sluice-p.snk", "traffic", 0) == 4; }));
    CHECK(f.sink.put_count() == 4);
    CHECK(f.worker->restart_task("p.snk", 7) == Worker::Change::not_found);
}

TEST_CASE("worker: reconfiguring a connector restarts it with the new task count") {
    WorkerFixture f;
    REQUIRE(f.create(config::ConnectorKind::sink, "p.snk", 1) == Worker::Change::created);
    REQUIRE(eventually([&] { return f.all_tasks("p.snk", TaskState::running); }));
    std::string message;
    REQUIRE(f.worker->put(WorkerFixture::definition(config::ConnectorKind::sink, "p.snk", 3), message) == Worker::Change::ok);
    REQUIRE(eventually([&] { return f.worker->report("p.snk")->tasks.size() == 3 && f.all_tasks("p.snk", TaskState::running); }));
}

TEST_CASE("worker: a second connector of the same name and an unknown plugin are refused") {
    WorkerFixture f;
    REQUIRE(f.create(config::ConnectorKind::sink, "p.snk") == Worker::Change::created);
    CHECK(f.create(config::ConnectorKind::sink, "p.snk") == Worker::Change::conflict);
    auto unknown = WorkerFixture::definition(config::ConnectorKind::sink, "p.other");
    unknown.spec.plugin = "nonexistent";
    std::string message;
    CHECK(f.worker->create(unknown, TargetState::running, message) == Worker::Change::invalid);
    CHECK(message == "plugin nonexistent is not loaded");
    CHECK(f.worker->names() == std::vector<std::string>{"p.snk"});
}

TEST_CASE("worker: removing a connector stops its tasks and destroys its plugin instances; the name is free again") {
    WorkerFixture f;
    auto next = std::make_shared<std::atomic<int>>(1);
    f.source.poll = counting_up(next, 1000000);
    REQUIRE(f.create(config::ConnectorKind::source, "p.src", 2) == Worker::Change::created);
    REQUIRE(eventually([&] { return f.all_tasks("p.src", TaskState::running); }));
    REQUIRE(f.worker->remove("p.src") == Worker::Change::ok);
    CHECK_FALSE(f.worker->report("p.src"));
    REQUIRE(eventually([&] {
        std::lock_guard lock(f.source.mutex);
        return f.source.destroyed == 2;
    }));
    CHECK(f.worker->remove("p.src") == Worker::Change::not_found);
    CHECK(f.create(config::ConnectorKind::source, "p.src") == Worker::Change::created);
}

namespace {
config::RestartPolicy quick_restarts(int64_t max_attempts) {
    config::RestartPolicy p;
    p.backoff_initial_ms = 20;
    p.backoff_max_ms = 40;
    p.max_attempts = max_attempts;
    return p;
}
}  // namespace

TEST_CASE("restart policy: a failed task restarts by itself after its backoff, RESTARTING meanwhile, and resumes at its commits") {
    WorkerFixture f;
    for (int i = 0; i < 4; ++i) f.kafka.append("traffic", 0, "x" + std::to_string(i));
    std::atomic<int> calls{0};
    f.sink.put = failing_put(calls, "store down", 1);
    config::RestartPolicy slow;  // long enough to see RESTARTING, short enough for a unit test
    slow.backoff_initial_ms = 400;
    slow.backoff_max_ms = 400;
    REQUIRE(f.create_sink("p.snk", slow) == Worker::Change::created);
    REQUIRE(eventually([&] { return f.task("p.snk").status.state == TaskState::restarting; }));
    auto waiting = f.task("p.snk");
    CHECK(waiting.restart_attempts == 1);
    CHECK(waiting.status.trace.find("store down") != std::string::npos);  // the failure's trace stays shown
    CHECK(f.worker->report("p.snk")->state == TaskState::running);        // the connector is not FAILED
    REQUIRE(eventually([&] { return f.kafka.committed("sluice-p.snk", "traffic", 0) == 4; }));
    auto after = f.task("p.snk");
    CHECK(after.status.state == TaskState::running);
    CHECK(after.restarts == 1);
    CHECK(f.sink.put_count() == 4);  // nothing lost, nothing twice: the first put failed whole
}

TEST_CASE("restart policy: gives up after restart.max.attempts; a manual restart starts the count again") {
    WorkerFixture f;
    f.kafka.append("traffic", 0, "x");
    std::atomic<int> calls{0};
    f.sink.put = failing_put(calls, "always broken");
    REQUIRE(f.create_sink("p.snk", quick_restarts(2)) == Worker::Change::created);
    REQUIRE(eventually([&] {
        auto t = f.task("p.snk");
        return t.status.state == TaskState::failed && t.status.trace.find("left FAILED after 2 automatic restarts") != std::string::npos;
    }));
    CHECK(calls == 3);  // the first run and two restarts
    CHECK(f.task("p.snk").restarts == 2);
    CHECK(f.worker->report("p.snk")->state == TaskState::failed);

    REQUIRE(f.worker->restart_task("p.snk", 0) == Worker::Change::ok);
    REQUIRE(eventually([&] { return calls == 6 && f.task("p.snk").status.state == TaskState::failed; }));
    CHECK(f.task("p.snk").restarts == 4);  // two more automatic ones after the manual one
    CHECK(f.task("p.snk").restart_attempts == 2);
}

TEST_CASE("restart policy: a task that ran healthy for restart.reset.after.ms counts its attempts from zero") {
    WorkerFixture f;
    f.kafka.append("traffic", 0, "x");
    std::atomic<int> calls{0};
    f.sink.put = failing_put(calls, "broken again");
    auto policy = quick_restarts(1);
    policy.reset_after_ms = 0;  // every run counts as healthy long enough
    REQUIRE(f.create_sink("p.snk", policy) == Worker::Change::created);
    REQUIRE(eventually([&] { return f.task("p.snk").restarts >= 3; }));
    CHECK(f.task("p.snk").restart_attempts == 1);  // never more than one in a row: max.attempts 1 never reached
    REQUIRE(f.worker->set_target("p.snk", TargetState::stopped) == Worker::Change::ok);
}

TEST_CASE("restart policy: stopping or deleting a connector whose task waits to restart ends it; no restart follows") {
    WorkerFixture f;
    f.kafka.append("traffic", 0, "x");
    std::atomic<int> calls{0};
    f.sink.put = failing_put(calls, "down");
    config::RestartPolicy long_wait;
    long_wait.backoff_initial_ms = 60000;
    REQUIRE(f.create_sink("p.stop", long_wait) == Worker::Change::created);
    REQUIRE(eventually([&] { return f.task("p.stop").status.state == TaskState::restarting; }));
    REQUIRE(f.worker->set_target("p.stop", TargetState::stopped) == Worker::Change::ok);
    REQUIRE(eventually([&] {
        auto r = f.worker->report("p.stop");
        return r && r->state == TaskState::stopped && r->tasks.empty();
    }));
    REQUIRE(f.create_sink("p.gone", long_wait) == Worker::Change::created);
    REQUIRE(eventually([&] { return f.task("p.gone").status.state == TaskState::restarting; }));
    const auto before = std::chrono::steady_clock::now();
    REQUIRE(f.worker->remove("p.gone") == Worker::Change::ok);  // does not wait out the 60 s backoff
    CHECK(std::chrono::steady_clock::now() - before < std::chrono::seconds(10));
    CHECK(calls == 2);
}

namespace {
// Tasks 1 and 3 here at first, then 0 and 1.
struct MovingPlacement : runtime::TaskPlacement {
    std::atomic<bool> moved{false};
    bool runs(const std::string&, int task) const override { return moved ? task <= 1 : task % 2 == 1; }
};

std::vector<int> task_ids(const Worker& worker, const std::string& name) {
    std::vector<int> out;
    const auto report = worker.report(name);
    for (const auto& t : report->tasks) out.push_back(t.task_id);
    return out;
}
}  // namespace

TEST_CASE("worker: with a placement (cluster) only the tasks placed here run; a new placement ends and starts only those that move") {
    WorkerFixture f;
    MovingPlacement placement;
    f.worker->use_placement(&placement);
    REQUIRE(f.create(config::ConnectorKind::source, "p.src", 4) == Worker::Change::created);
    REQUIRE(eventually([&] { return f.all_tasks("p.src", TaskState::running); }));
    CHECK(task_ids(*f.worker, "p.src") == std::vector<int>{1, 3});
    const int destroyed_before = [&] {
        std::lock_guard lock(f.source.mutex);
        return f.source.destroyed;
    }();
    placement.moved = true;
    REQUIRE(f.worker->rebalance(std::chrono::steady_clock::now() + std::chrono::seconds(10)));
    CHECK(task_ids(*f.worker, "p.src") == std::vector<int>{0, 1});
    REQUIRE(eventually([&] { return f.all_tasks("p.src", TaskState::running); }));
    std::lock_guard lock(f.source.mutex);
    CHECK(f.source.destroyed == destroyed_before + 1);  // task 3 only: task 1 kept running
}

TEST_CASE("worker: a source requiring exactly-once delivery is refused on a worker without exactly.once.source.support") {
    WorkerFixture f;
    auto d = WorkerFixture::definition(config::ConnectorKind::source, "p.src");
    d.spec.exactly_once.required = true;
    std::string message;
    CHECK(f.worker->create(d, TargetState::running, message) == Worker::Change::invalid);
    CHECK(message.find("exactly.once.support is required") != std::string::npos);
    CHECK(message.find("exactly.once.source.support") != std::string::npos);
    CHECK_FALSE(f.worker->entry("p.src"));
    // Requested (the default) runs, at least once; asking for required afterwards is refused too.
    d.spec.exactly_once.required = false;
    REQUIRE(f.create(d) == Worker::Change::created);
    d.spec.exactly_once.required = true;
    message.clear();
    CHECK(f.worker->put(d, message) == Worker::Change::invalid);
    CHECK(message.find("exactly.once.source.support is disabled") != std::string::npos);
    CHECK(f.kafka.transactions().empty());
}

TEST_CASE("worker: with exactly.once.source.support enabled a source writes in transactions of <worker id>-<connector>-<task>") {
    WorkerFixture f(true);
    auto next = std::make_shared<std::atomic<int>>(1);
    f.source.poll = counting_up(next, 5);
    auto d = WorkerFixture::definition(config::ConnectorKind::source, "p.src");
    d.spec.exactly_once.required = true;
    REQUIRE(f.create(d) == Worker::Change::created);
    REQUIRE(eventually([&] { return f.worker->offsets()->get("p.src", R"({"s":1})") == std::string(R"({"i":5})"); }));
    const auto transactions = f.kafka.transactions();
    REQUIRE_FALSE(transactions.empty());
    size_t records = 0;
    for (const auto& t : transactions) {
        CHECK(t.committed);
        CHECK(t.transactional_id == f.worker->id() + "-p.src-0");
        records += t.records.count("traffic") ? t.records.at("traffic") : 0;
    }
    CHECK(records == 5);
    CHECK(f.kafka.count("traffic") == 5);
}
