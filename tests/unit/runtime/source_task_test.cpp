// SourceTask against an in-memory Kafka (fake_kafka.hpp) and a scripted source: offsets
// are stored and committed only once every earlier record is acknowledged, a failed
// delivery blocks the line, refused records follow the error policy (dead letters
// acknowledged before the offsets move), RETRY backs off, a stop drains, a pause holds.
#include "runtime/source_task.hpp"

#include "scripted_plugins.hpp"
#include "task_rig.hpp"

#include <doctest/doctest.h>

#include <atomic>

using namespace sluice;
using namespace sluice::testing;
using runtime::TaskState;

namespace {

struct SourceFixture : TaskRig {
    SourceScript script;
    config::ConnectorSpec connector = spec(config::ConnectorKind::source, {"out"});
    std::unique_ptr<runtime::SourceTask> task;

    void start() {
        task = std::make_unique<runtime::SourceTask>(environment(), connector, scripted_source(script), 0);
        task->start();
    }
    std::optional<std::string> stored() { return store.get(connector.name, kPartition); }
    std::string last_commit() {
        std::lock_guard lock(script.mutex);
        return script.commits.empty() ? "" : script.commits.back().front().second;
    }
    void stop() {
        task->request_stop();
        REQUIRE(task->wait(std::chrono::seconds(10)));
    }
};

}  // namespace

TEST_CASE("source task: offsets are stored and committed only once every record before them is acknowledged") {
    SourceFixture f;
    auto next = std::make_shared<std::atomic<int>>(1);
    f.script.poll = numbered(6, 2, next);
    f.kafka.hold_deliveries(true);
    f.start();
    REQUIRE(eventually([&] { return f.script.poll_count() >= 5; }));  // all six polled, none acknowledged
    CHECK(f.kafka.count("out") == 0);
    CHECK_FALSE(f.stored());
    CHECK(f.script.commit_count() == 0);

    f.kafka.hold_deliveries(false);
    REQUIRE(eventually([&] { return f.stored() == offset_of(6); }));
    REQUIRE(eventually([&] { return f.last_commit() == offset_of(6); }));
    CHECK(f.kafka.count("out") == 6);
    auto written = f.kafka.records("out");
    CHECK(written.front().value == "v1");
    CHECK(written.back().value == "v6");
    // The offset records themselves went to the offsets topic, keyed Connect's way.
    auto offset_records = f.kafka.records("sluice-offsets");
    REQUIRE_FALSE(offset_records.empty());
    CHECK(offset_records.back().key->find("p.c") != std::string::npos);
    f.stop();
    CHECK(f.task->status().state == TaskState::stopped);
    CHECK(f.task->counters().records_out == 6);
}

TEST_CASE("source task: a failed delivery blocks the line: the task fails and no later offset is stored") {
    SourceFixture f;
    auto next = std::make_shared<std::atomic<int>>(1);
    f.script.poll = numbered(4, 2, next);
    f.kafka.hold_deliveries(true);
    f.start();
    REQUIRE(eventually([&] { return f.script.poll_count() >= 3; }));
    f.kafka.fail_next_delivery("out", "Broker: Message size too large");  // the first record of the first batch
    f.kafka.hold_deliveries(false);
    REQUIRE(eventually([&] { return f.task->failed(); }));
    CHECK(f.task->status().trace.find("Kafka did not accept a record for out: Broker: Message size too large") != std::string::npos);
    CHECK_FALSE(f.stored());
    CHECK(f.script.commit_count() == 0);
    CHECK(f.kafka.count("out") == 3);  // the others were written, but count for nothing
}

TEST_CASE("source task: a record Kafka refuses fails the task under errors.tolerance none") {
    SourceFixture f;
    auto next = std::make_shared<std::atomic<int>>(1);
    f.script.poll = numbered(2, 2, next);
    f.kafka.refuse_sends("out", kafka::Sent::Result::refused);
    f.start();
    REQUIRE(eventually([&] { return f.task->failed(); }));
    CHECK(f.task->status().trace.find("could not be produced to out") != std::string::npos);
    CHECK_FALSE(f.stored());
}

TEST_CASE("source task: with a dead-letter topic a refused record is dead-lettered and its offset stored once that is acknowledged") {
    SourceFixture f;
    f.connector.errors.tolerance = config::Tolerance::all;
    f.connector.errors.dlq_topic = "dead";
    f.connector.errors.dlq_context_headers = true;
    auto next = std::make_shared<std::atomic<int>>(1);
    f.script.poll = numbered(3, 3, next);
    f.kafka.refuse_sends("out", kafka::Sent::Result::refused);
    f.kafka.hold_deliveries(true);
    f.start();
    REQUIRE(eventually([&] { return f.script.poll_count() >= 2; }));
    CHECK_FALSE(f.stored());  // the dead-letter copies are not acknowledged yet
    f.kafka.hold_deliveries(false);
    REQUIRE(eventually([&] { return f.stored() == offset_of(3); }));
    CHECK(f.kafka.count("dead") == 3);
    CHECK(f.kafka.count("out") == 0);
    auto dead = f.kafka.records("dead");
    CHECK(dead.front().value == "v1");
    bool has_context = false;
    for (const auto& [k, v] : dead.front().headers) has_context |= k.rfind("__connect.errors.", 0) == 0;
    CHECK(has_context);
    CHECK_FALSE(f.task->failed());
    CHECK(f.task->counters().errors.snapshot().total().records_dead_lettered == 3);
    f.stop();
}

TEST_CASE("source task: a failed dead-letter write blocks the line like any record") {
    SourceFixture f;
    f.connector.errors.tolerance = config::Tolerance::all;
    f.connector.errors.dlq_topic = "dead";
    auto next = std::make_shared<std::atomic<int>>(1);
    f.script.poll = numbered(2, 2, next);
    f.kafka.refuse_sends("out", kafka::Sent::Result::refused);
    f.kafka.fail_next_delivery("dead", "Broker: Topic authorization failed");
    f.start();
    REQUIRE(eventually([&] { return f.task->failed(); }));
    CHECK(f.task->status().trace.find("dead-letter topic dead: Broker: Topic authorization failed") != std::string::npos);
    CHECK_FALSE(f.stored());
}

TEST_CASE("source task: RETRY from poll backs off and polls again; records follow") {
    SourceFixture f;
    f.connector.errors.retry_delay_max_ms = 5;
    std::atomic<int> calls{0};
    f.script.poll = [&](sluice_batch_writer* out, sluice_error* err, const sluice_host*) -> sluice_status {
        const int n = ++calls;
        if (n <= 2) return say(err, SLUICE_RETRY, "upstream busy");
        if (n == 3) append(out, "late", kPartition, offset_of(1));
        return SLUICE_OK;
    };
    f.start();
    REQUIRE(eventually([&] { return f.stored() == offset_of(1); }));
    CHECK(f.task->counters().errors.snapshot().total().records_retried >= 2);
    CHECK(f.kafka.records("out").front().value == "late");
    f.stop();
}

TEST_CASE("source task: a graceful stop waits for the acknowledgements and stores their offsets") {
    SourceFixture f;
    f.worker.shutdown_timeout_ms = 30000;
    auto next = std::make_shared<std::atomic<int>>(1);
    f.script.poll = numbered(4, 4, next);
    f.kafka.hold_deliveries(true);
    f.start();
    REQUIRE(eventually([&] { return f.script.poll_count() >= 2; }));
    f.task->request_stop();
    // Draining: the task waits for Kafka (within shutdown.timeout.ms) instead of ending.
    CHECK_FALSE(f.task->wait(std::chrono::milliseconds(100)));
    CHECK_FALSE(f.stored());
    f.kafka.hold_deliveries(false);
    REQUIRE(f.task->wait(std::chrono::seconds(10)));
    CHECK(f.stored() == offset_of(4));
    CHECK(f.last_commit() == offset_of(4));
    CHECK(f.task->status().state == TaskState::stopped);
}

TEST_CASE("source task: a pause stops polling, a resume polls again") {
    SourceFixture f;
    auto next = std::make_shared<std::atomic<int>>(1);
    f.script.poll = numbered(1000000, 1, next);
    f.start();
    REQUIRE(eventually([&] { return f.task->status().state == TaskState::running && f.script.poll_count() > 0; }));
    f.task->request_pause(true);
    REQUIRE(eventually([&] { return f.task->status().state == TaskState::paused; }));
    const int polls = f.script.poll_count();
    // Paused: offsets of what was acknowledged are still written.
    REQUIRE(eventually([&] { return f.stored() == offset_of(static_cast<int>(f.kafka.count("out"))); }));
    CHECK(f.script.poll_count() <= polls + 1);  // at most the poll that was under way
    f.task->request_pause(false);
    REQUIRE(eventually([&] { return f.script.poll_count() > polls + 5; }));
    CHECK(f.task->status().state == TaskState::running);
    f.stop();
}

TEST_CASE("source task: report_errant during poll dead-letters the record within the poll's batch") {
    SourceFixture f;
    f.connector.errors.tolerance = config::Tolerance::all;
    f.connector.errors.dlq_topic = "dead";
    std::atomic<int> calls{0};
    f.script.poll = [&](sluice_batch_writer* out, sluice_error*, const sluice_host* host) -> sluice_status {
        if (++calls > 1) return SLUICE_OK;
        sluice_record bad{};
        bad.struct_size = sizeof(sluice_record);
        bad.value = {"garbage", 7};
        bad.source_partition = {kPartition.data(), kPartition.size()};
        const std::string o = offset_of(1);
        bad.source_offset = {o.data(), o.size()};
        if (host->report_errant(host->opaque, &bad, "unreadable", 10) != SLUICE_OK) return SLUICE_FATAL;
        append(out, "good", kPartition, offset_of(2));
        return SLUICE_OK;
    };
    f.start();
    REQUIRE(eventually([&] { return f.stored() == offset_of(2); }));
    CHECK(f.kafka.records("dead").front().value == "garbage");
    CHECK(f.kafka.records("out").front().value == "good");
    f.stop();
}
