// Worker against the embedded cluster for its own topics and an in-memory Kafka
// (fake_kafka.hpp) for its tasks, with scripted plugins registered in-process: records flow
// from a source connector to a sink connector, targets (pause, resume, stop) reach every
// task, a failed task restarts, reconfiguring changes the task count, names conflict and
// unknown plugins are refused, removing stops the tasks and destroys the instances.
#include "runtime/worker.hpp"

#include "scripted_plugins.hpp"
#include "task_rig.hpp"

#include <doctest/doctest.h>

#include <atomic>

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

    WorkerFixture() {
        log::set_level(log::Level::error);
        registry.add(scripted_source(source));
        registry.add(scripted_sink(sink));
        config::WorkerConfig config;  // embedded cluster: the worker's own topics
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
        std::string message;
        return worker->create(definition(kind, name, tasks), target, message);
    }
    bool all_tasks(const std::string& name, TaskState state) {
        auto report = worker->report(name);
        if (!report || report->tasks.empty()) return false;
        for (const auto& t : report->tasks)
            if (t.status.state != state) return false;
        return true;
    }
};

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
    for (int i = 0; i < 4; ++i) f.kafka.append("traffic", 0, StoredRecord{std::nullopt, "x" + std::to_string(i), -1, {}});
    std::atomic<int> calls{0};
    f.sink.put = [&](const sluice_record* const*, size_t, sluice_error* err, const sluice_host*) -> sluice_status {
        return ++calls == 1 ? say(err, SLUICE_FATAL, "store down") : SLUICE_OK;
    };
    REQUIRE(f.create(config::ConnectorKind::sink, "p.snk") == Worker::Change::created);
    REQUIRE(eventually([&] { return f.all_tasks("p.snk", TaskState::failed); }));
    CHECK(f.worker->report("p.snk")->tasks.at(0).status.trace.find("store down") != std::string::npos);
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
