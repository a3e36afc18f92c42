// SinkTask against an in-memory Kafka (fake_kafka.hpp) and a scripted sink: offsets are
// committed only after flush and only as far as flush says, RETRY pauses the partitions
// and backs off, a revoke in the middle of a held batch drops that partition's records,
// each error-policy path (none, all, dead letter acknowledged before the commit), gaps,
// a graceful stop's last commit, pause and resume.
#include "runtime/sink_task.hpp"

#include "scripted_plugins.hpp"
#include "task_rig.hpp"

#include <doctest/doctest.h>

#include <atomic>

using namespace sluice;
using namespace sluice::testing;
using runtime::TaskState;

namespace {

struct SinkFixture : TaskRig {
    SinkScript script;
    config::ConnectorSpec connector = spec(config::ConnectorKind::sink, {"in"});
    std::unique_ptr<runtime::SinkTask> task;

    explicit SinkFixture(int records = 10, int partitions = 1) {
        kafka.create_topic("in", partitions);
        for (int p = 0; p < partitions; ++p)
            for (int i = 0; i < records; ++i) {
                StoredRecord r;
                r.value = "p" + std::to_string(p) + "-" + std::to_string(i);
                r.headers = {{"h", "x"}};
                kafka.append("in", p, r);
            }
    }
    void start() {
        task = std::make_unique<runtime::SinkTask>(environment(), connector, scripted_sink(script), 0);
        task->start();
    }
    std::optional<int64_t> committed(int32_t partition = 0) { return kafka.committed(connector.consumer_group(), "in", partition); }
    void stop() {
        task->request_stop();
        REQUIRE(task->wait(std::chrono::seconds(10)));
    }
};

}  // namespace

TEST_CASE("sink task: records are put with their headers, then committed after flush") {
    SinkFixture f;
    std::atomic<bool> headers_seen{false};
    f.script.put = [&](const sluice_record* const* records, size_t, sluice_error*, const sluice_host*) -> sluice_status {
        if (records[0]->header_count == 1 && std::string(records[0]->headers[0]->key.data, 1) == "h") headers_seen = true;
        return SLUICE_OK;
    };
    f.start();
    REQUIRE(eventually([&] { return f.committed() == 10; }));
    CHECK(f.script.put_count() == 10);
    CHECK(headers_seen);
    CHECK(f.script.saw("open in[0]"));
    f.stop();
    CHECK(f.script.saw("close in[0]"));  // the group is left at the stop
    CHECK(f.task->counters().records_out == 10);
}

TEST_CASE("sink task: nothing is committed before a flush succeeds, and never past what flush returns") {
    SinkFixture f;
    std::atomic<int> flushes{0};
    std::atomic<bool> durable{false};
    f.script.flush = [&](sluice_topic_partition* const* positions, size_t count, sluice_error* err) -> sluice_status {
        ++flushes;
        if (!durable) return say(err, SLUICE_RETRY, "not yet");
        for (size_t i = 0; i < count; ++i) positions[i]->offset = std::min<int64_t>(positions[i]->offset, 4);  // durable up to 4
        return SLUICE_OK;
    };
    f.start();
    REQUIRE(eventually([&] { return f.script.put_count() == 10 && flushes >= 3; }));
    CHECK_FALSE(f.committed());
    durable = true;
    REQUIRE(eventually([&] { return f.committed() == 4; }));
    f.script.flush = [](sluice_topic_partition* const*, size_t, sluice_error*) { return SLUICE_OK; };
    REQUIRE(eventually([&] { return f.committed() == 10; }));
    f.stop();
}

TEST_CASE("sink task: RETRY from put pauses the partitions, backs off, and offers the same records again") {
    SinkFixture f;
    f.connector.errors.retry_delay_max_ms = 20;
    std::atomic<int> calls{0};
    std::atomic<bool> paused_while_retrying{false};
    f.script.put = [&](const sluice_record* const*, size_t count, sluice_error* err, const sluice_host*) -> sluice_status {
        const int n = ++calls;
        if (n == 2) paused_while_retrying = f.kafka.paused();
        if (n <= 3) return say(err, SLUICE_RETRY, "store busy");
        CHECK(count == 10);
        return SLUICE_OK;
    };
    f.start();
    REQUIRE(eventually([&] { return f.committed() == 10; }));
    CHECK(paused_while_retrying);
    CHECK_FALSE(f.kafka.paused());
    CHECK(f.script.put_count() == 10);
    CHECK(f.task->counters().errors.snapshot().total().records_retried == 3);
    f.stop();
}

TEST_CASE("sink task: a partition revoked while put() retries leaves the held batch; the rest is put") {
    SinkFixture f(5, 2);
    f.connector.errors.retry_delay_max_ms = 5;
    std::atomic<int> calls{0};
    std::atomic<size_t> last_count{0};
    f.script.put = [&](const sluice_record* const* records, size_t count, sluice_error* err, const sluice_host*) -> sluice_status {
        if (++calls == 1) {
            f.kafka.revoke("in", 1);  // seen at the consumer's next poll, during the retry wait
            return say(err, SLUICE_RETRY, "busy");
        }
        for (size_t i = 0; i < count; ++i) CHECK(std::string(records[i]->value.data, 2) == "p0");
        last_count = count;
        return SLUICE_OK;
    };
    f.start();
    REQUIRE(eventually([&] { return f.committed(0) == 5; }));
    CHECK(last_count == 5);
    CHECK(f.script.saw("close in[1]"));
    CHECK_FALSE(f.committed(1));  // nothing of it was put
    f.stop();
}

TEST_CASE("sink task: errors.tolerance none: a record put() refuses fails the task, nothing after it is committed") {
    SinkFixture f;
    f.script.put = [&](const sluice_record* const*, size_t, sluice_error* err, const sluice_host*) -> sluice_status {
        return say(err, SLUICE_ERROR, "column too short", 3);
    };
    f.start();
    REQUIRE(eventually([&] { return f.task->failed(); }));
    CHECK(f.task->status().trace.find("in[0]@3") != std::string::npos);
    CHECK(f.task->status().trace.find("column too short") != std::string::npos);
    CHECK_FALSE(f.committed());
}

TEST_CASE("sink task: errors.tolerance all without a dead-letter topic skips the record and commits past it") {
    SinkFixture f;
    f.connector.errors.tolerance = config::Tolerance::all;
    std::atomic<int> calls{0};
    f.script.put = [&](const sluice_record* const*, size_t, sluice_error* err, const sluice_host*) -> sluice_status {
        return ++calls == 1 ? say(err, SLUICE_ERROR, "bad row", 2) : SLUICE_OK;
    };
    f.start();
    REQUIRE(eventually([&] { return f.committed() == 10; }));
    CHECK(f.script.put_count() == 9);
    CHECK(f.task->counters().errors.snapshot().total().records_skipped == 1);
    f.stop();
}

TEST_CASE("sink task: a dead-lettered record lets the commit pass it only once Kafka acknowledged its copy") {
    SinkFixture f;
    f.connector.errors.tolerance = config::Tolerance::all;
    f.connector.errors.dlq_topic = "dead";
    f.worker.shutdown_timeout_ms = 50;  // how long a flush waits for dead letters each time
    std::atomic<int> calls{0};
    f.script.put = [&](const sluice_record* const*, size_t, sluice_error* err, const sluice_host*) -> sluice_status {
        return ++calls == 1 ? say(err, SLUICE_ERROR, "bad row", 2) : SLUICE_OK;
    };
    f.kafka.hold_deliveries(true);
    f.start();
    REQUIRE(eventually([&] { return f.script.put_count() == 9; }));
    // Flush rounds go by; the dead letter is unacknowledged: no commit.
    const int flushes = f.script.flush_count();
    REQUIRE(eventually([&] { return f.task->counters().records_out == 9; }));
    CHECK(f.script.flush_count() == flushes);  // flush is not even asked while a dead letter is pending
    CHECK_FALSE(f.committed());
    f.kafka.hold_deliveries(false);
    REQUIRE(eventually([&] { return f.committed() == 10; }));
    REQUIRE(f.kafka.count("dead") == 1);
    CHECK(f.kafka.records("dead").front().value == "p0-2");
    f.stop();
}

TEST_CASE("sink task: a failed dead-letter write fails the task and commits nothing past it") {
    SinkFixture f;
    f.connector.errors.tolerance = config::Tolerance::all;
    f.connector.errors.dlq_topic = "dead";
    std::atomic<int> calls{0};
    f.script.put = [&](const sluice_record* const*, size_t, sluice_error* err, const sluice_host*) -> sluice_status {
        return ++calls == 1 ? say(err, SLUICE_ERROR, "bad row", 2) : SLUICE_OK;
    };
    f.kafka.fail_next_delivery("dead", "Broker: Topic authorization failed");
    f.start();
    REQUIRE(eventually([&] { return f.task->failed(); }));
    CHECK(f.task->status().trace.find("dead-letter topic dead: Broker: Topic authorization failed") != std::string::npos);
    CHECK_FALSE(f.committed());
}

TEST_CASE("sink task: records deleted before they were read are reported, and fail the task with errors.on.gap fail") {
    SinkFixture f;
    f.kafka.commit(f.connector.consumer_group(), "in", 0, 3);
    f.kafka.delete_before("in", 0, 6);
    f.connector.errors.fail_on_gap = true;
    f.start();
    REQUIRE(eventually([&] { return f.task->failed(); }));
    CHECK(f.task->status().trace.find("in[0]: offsets 3..5 (3 records) were deleted from Kafka") != std::string::npos);
    CHECK(f.task->counters().records_gap == 3);
    CHECK(f.script.put_count() == 0);
}

TEST_CASE("sink task: with errors.on.gap continue the sink goes on after the gap") {
    SinkFixture f;
    f.kafka.commit(f.connector.consumer_group(), "in", 0, 3);
    f.kafka.delete_before("in", 0, 6);
    f.start();
    REQUIRE(eventually([&] { return f.committed() == 10; }));
    CHECK(f.script.put_count() == 4);
    CHECK(f.task->counters().records_gap == 3);
    f.stop();
}

TEST_CASE("sink task: a sink that keeps its own progress resumes where open() says, ahead of the group's commit") {
    SinkFixture f;
    f.kafka.commit(f.connector.consumer_group(), "in", 0, 2);
    f.script.open = [](sluice_topic_partition* const* parts, size_t count) {
        for (size_t i = 0; i < count; ++i) parts[i]->offset = 7;
    };
    f.start();
    REQUIRE(eventually([&] { return f.committed() == 10; }));
    CHECK(f.script.put_count() == 3);
    f.stop();
}

TEST_CASE("sink task: without its own progress the sink resumes at the group's committed offset") {
    SinkFixture f;
    f.kafka.commit(f.connector.consumer_group(), "in", 0, 7);
    f.start();
    REQUIRE(eventually([&] { return f.committed() == 10; }));
    CHECK(f.script.put_count() == 3);
    f.stop();
}

TEST_CASE("sink task: a pause holds the records, a resume delivers them") {
    SinkFixture f(0);
    f.start();
    REQUIRE(eventually([&] { return f.task->status().state == TaskState::running; }));
    f.task->request_pause(true);
    REQUIRE(eventually([&] { return f.task->status().state == TaskState::paused && f.kafka.paused(); }));
    for (int i = 0; i < 3; ++i) f.kafka.append("in", 0, "late" + std::to_string(i));
    CHECK_FALSE(eventually([&] { return f.script.put_count() > 0; }, std::chrono::milliseconds(100)));
    f.task->request_pause(false);
    REQUIRE(eventually([&] { return f.committed() == 3; }));
    CHECK(f.script.put_count() == 3);
    CHECK(f.task->status().state == TaskState::running);
    f.stop();
}

TEST_CASE("sink task: FATAL from put fails the task naming the record, and the sink is not called again") {
    SinkFixture f;
    std::atomic<int> calls{0};
    f.script.put = [&](const sluice_record* const*, size_t, sluice_error* err, const sluice_host*) -> sluice_status {
        ++calls;
        return say(err, SLUICE_FATAL, "disk gone", 1);
    };
    f.start();
    REQUIRE(eventually([&] { return f.task->failed(); }));
    CHECK(f.task->status().trace.find("put failed at record in[0]@1 (FATAL): disk gone") != std::string::npos);
    f.task->wait(std::chrono::seconds(10));
    CHECK(calls == 1);
    CHECK(f.script.flush_count() == 0);
}
