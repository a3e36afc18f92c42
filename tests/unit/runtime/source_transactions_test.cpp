// Exactly-once sources (exactly.once.source.support: enabled) against the in-memory Kafka's
// transactions (fake_kafka.hpp): a poll's records and their offsets go in one transaction
// of a producer with the task's transactional.id; the offsets are stored and the plugin's
// commit called only once the transaction committed; a failed commit or delivery aborts it
// and leaves no offset behind; the interval boundary gathers several polls; a stop commits
// what is open; a newer producer with the same id fences the task; init failing fails the
// task before the plugin polls. (The broker's side of fencing and read_committed is the
// fake's here; the integration test and docs/exactly-once.md say what a real broker adds.)
#include "runtime/source_task.hpp"

#include "scripted_plugins.hpp"
#include "task_rig.hpp"

#include <doctest/doctest.h>

#include <atomic>

using namespace sluice;
using namespace sluice::testing;
using runtime::TaskState;

namespace {

const std::string kTransactionalId = "worker-1-p.c-0";  // <worker id>-<connector>-<task>: the rig runs standalone

struct ExactlyOnceFixture : TaskRig {
    SourceScript script;
    config::ConnectorSpec connector = spec(config::ConnectorKind::source, {"out"});
    std::unique_ptr<runtime::SourceTask> task;

    ExactlyOnceFixture() { worker.exactly_once_source_support = true; }

    std::unique_ptr<runtime::SourceTask> make_task() {
        auto t = std::make_unique<runtime::SourceTask>(environment(), connector, scripted_source(script), 0);
        t->start();
        return t;
    }
    void start() { task = make_task(); }
    std::optional<std::string> stored() { return store.get(connector.name, kPartition); }
    std::string last_commit() {
        std::lock_guard lock(script.mutex);
        return script.commits.empty() ? "" : script.commits.back().front().second;
    }
    std::vector<FakeTransaction> committed() {
        std::vector<FakeTransaction> out;
        for (auto& t : kafka.transactions())
            if (t.committed) out.push_back(t);
        return out;
    }
    void stop() {
        task->request_stop();
        REQUIRE(task->wait(std::chrono::seconds(10)));
    }
};

}  // namespace

TEST_CASE("exactly once: each poll's records and their offsets are one transaction; offsets count only once it committed") {
    ExactlyOnceFixture f;
    auto next = std::make_shared<std::atomic<int>>(1);
    f.script.poll = numbered(6, 2, next);
    f.kafka.hold_deliveries(true);
    f.start();
    // The first transaction's commit waits for its deliveries: nothing counts yet.
    REQUIRE(eventually([&] { return f.kafka.committing(); }));
    CHECK_FALSE(f.stored());
    CHECK(f.script.commit_count() == 0);
    CHECK(f.kafka.count("out") == 0);
    CHECK(f.kafka.inits(kTransactionalId) == 1);  // init_transactions before the first poll

    f.kafka.hold_deliveries(false);
    REQUIRE(eventually([&] { return f.stored() == offset_of(6); }));
    REQUIRE(eventually([&] { return f.last_commit() == offset_of(6); }));
    const auto transactions = f.kafka.transactions();
    REQUIRE(transactions.size() == 3);
    for (const auto& t : transactions) {
        CHECK(t.committed);
        CHECK(t.transactional_id == kTransactionalId);
        CHECK(t.records.at("out") == 2);             // one poll's records
        CHECK(t.records.at("sluice-offsets") == 1);  // and the offset they reached, in the same transaction
    }
    CHECK(f.kafka.count("out") == 6);
    auto offsets = f.kafka.records("sluice-offsets");
    REQUIRE(offsets.size() == 3);
    CHECK(offsets.back().key->find("p.c") != std::string::npos);
    CHECK(offsets.back().value == offset_of(6));
    CHECK(f.script.commit_count() == 3);  // the plugin hears of each committed transaction
    f.stop();
    CHECK(f.task->status().state == TaskState::stopped);
    CHECK(f.task->counters().commits == 3);
}

TEST_CASE("exactly once: an abortable commit failure aborts: none of its records or offsets count, the task fails naming its id") {
    ExactlyOnceFixture f;
    auto next = std::make_shared<std::atomic<int>>(1);
    auto second = std::make_shared<std::atomic<bool>>(false);  // the second poll's records, once the test says so
    f.script.poll = [next, second, first = numbered(4, 2, next)](sluice_batch_writer* out, sluice_error* err,
                                                                 const sluice_host* host) -> sluice_status {
        return *next <= 2 || *second ? first(out, err, host) : SLUICE_OK;
    };
    f.start();
    // The first transaction commits; the second one's commit fails.
    REQUIRE(eventually([&] { return f.stored() == offset_of(2); }));
    f.kafka.fail_next_commit({kafka::TransactionError::Kind::abortable, "NOT_ENOUGH_REPLICAS: Broker: Not enough in-sync replicas"});
    *second = true;
    REQUIRE(eventually([&] { return f.task->failed(); }));
    const std::string trace = f.task->status().trace;
    CHECK(trace.find("transactional producer " + kTransactionalId) != std::string::npos);
    CHECK(trace.find("Not enough in-sync replicas") != std::string::npos);
    CHECK(trace.find("aborted") != std::string::npos);
    // Only the first transaction counts: offsets, the plugin's commits, what consumers read.
    CHECK(f.stored() == offset_of(2));
    CHECK(f.last_commit() == offset_of(2));
    CHECK(f.script.commit_count() == 1);
    CHECK(f.kafka.count("out") == 2);
    CHECK(f.kafka.count("out", false) == 4);  // the aborted records are in the log, marked aborted
    CHECK(f.kafka.records("sluice-offsets").size() == 1);
    const auto transactions = f.kafka.transactions();
    REQUIRE(transactions.size() == 2);
    CHECK(transactions[0].committed);
    CHECK_FALSE(transactions[1].committed);
    CHECK(transactions[1].records.at("sluice-offsets") == 1);  // its offsets were written, and aborted with it
    CHECK(f.task->counters().commit_failures == 1);
}

TEST_CASE("exactly once: a failed delivery aborts the transaction; a restarted task resumes from the last committed offsets") {
    ExactlyOnceFixture f;
    auto next = std::make_shared<std::atomic<int>>(1);
    f.script.poll = numbered(2, 2, next);
    f.kafka.fail_next_delivery("out", "Broker: Message size too large");
    f.start();
    REQUIRE(eventually([&] { return f.task->failed(); }));
    CHECK(f.task->status().trace.find("Message size too large") != std::string::npos);
    CHECK(f.task->status().trace.find(kTransactionalId) != std::string::npos);
    CHECK_FALSE(f.stored());
    CHECK(f.script.commit_count() == 0);
    CHECK(f.kafka.count("out") == 0);
    REQUIRE(f.kafka.transactions().size() == 1);
    CHECK_FALSE(f.kafka.transactions()[0].committed);
    REQUIRE(f.task->wait(std::chrono::seconds(10)));

    // A new task with the same id (what a restart makes) starts from the stored offsets
    // (none: the beginning) and commits.
    *next = 1;
    f.task = f.make_task();
    REQUIRE(eventually([&] { return f.stored() == offset_of(2); }));
    CHECK(f.kafka.inits(kTransactionalId) == 2);
    CHECK(f.kafka.count("out") == 2);  // each record once, for a read_committed reader
    auto out = f.kafka.records("out");
    CHECK(out.front().value == "v1");
    CHECK(out.back().value == "v2");
    f.stop();
}

TEST_CASE("exactly once: transaction.boundary interval gathers several polls in one transaction") {
    ExactlyOnceFixture f;
    f.connector.exactly_once.boundary = config::TransactionBoundary::interval;
    f.connector.exactly_once.interval_ms = 1000;
    auto next = std::make_shared<std::atomic<int>>(1);
    f.script.poll = numbered(20, 1, next);  // one record per poll
    f.start();
    REQUIRE(eventually([&] { return f.stored() == offset_of(20); }));
    const auto transactions = f.committed();
    REQUIRE_FALSE(transactions.empty());
    CHECK(transactions.front().records.at("out") > 1);  // polls, not a poll
    size_t records = 0;
    for (const auto& t : transactions) {
        records += t.records.at("out");
        CHECK(t.records.at("sluice-offsets") == 1);
    }
    CHECK(records == 20);
    CHECK(f.script.poll_count() > static_cast<int>(transactions.size()));
    f.stop();
}

TEST_CASE("exactly once: a graceful stop commits the open transaction") {
    ExactlyOnceFixture f;
    f.connector.exactly_once.boundary = config::TransactionBoundary::interval;
    f.connector.exactly_once.interval_ms = 600000;  // never reached in this test
    auto next = std::make_shared<std::atomic<int>>(1);
    f.script.poll = numbered(3, 1, next);
    f.start();
    REQUIRE(eventually([&] { return f.script.poll_count() >= 4; }));  // all three polled
    CHECK(f.kafka.transactions().empty());
    CHECK_FALSE(f.stored());
    f.stop();
    CHECK(f.task->status().state == TaskState::stopped);
    CHECK(f.stored() == offset_of(3));
    CHECK(f.last_commit() == offset_of(3));
    REQUIRE(f.kafka.transactions().size() == 1);
    CHECK(f.kafka.transactions()[0].committed);
    CHECK(f.kafka.transactions()[0].records.at("out") == 3);
}

TEST_CASE("exactly once: a newer producer with the same transactional.id fences the task, which fails naming the id") {
    ExactlyOnceFixture f;
    auto next = std::make_shared<std::atomic<int>>(1);
    f.script.poll = numbered(1000000, 1, next);
    f.start();
    REQUIRE(eventually([&] { return f.stored().has_value(); }));
    // A second instance of task 0 (a zombie's successor): its init_transactions fences the first.
    auto successor = f.make_task();
    REQUIRE(eventually([&] { return f.task->failed(); }));
    const std::string trace = f.task->status().trace;
    CHECK(trace.find(kTransactionalId) != std::string::npos);
    CHECK(trace.find("fenced") != std::string::npos);
    CHECK(f.kafka.inits(kTransactionalId) == 2);
    CHECK_FALSE(successor->failed());
    successor->request_stop();
    REQUIRE(successor->wait(std::chrono::seconds(10)));
    CHECK(successor->status().state == TaskState::stopped);
    // Whatever the zombie had open was aborted: every record a reader sees is committed
    // with its offset, and every committed offset was stored.
    for (const auto& t : f.kafka.transactions())
        if (t.committed) CHECK(t.records.at("sluice-offsets") == 1);
}

TEST_CASE("exactly once: init_transactions failing fails the task before the plugin polls") {
    ExactlyOnceFixture f;
    f.kafka.fail_next_init({kafka::TransactionError::Kind::fatal,
                            "_UNSUPPORTED_FEATURE: Local: Required feature not supported by broker"});
    f.start();
    REQUIRE(eventually([&] { return f.task->failed(); }));
    const std::string trace = f.task->status().trace;
    CHECK(trace.find("transactional producer " + kTransactionalId + ": init_transactions failed") != std::string::npos);
    CHECK(trace.find("Required feature not supported") != std::string::npos);
    CHECK(f.script.poll_count() == 0);
}

TEST_CASE("exactly once: the transactional.id is the cluster's group id, the connector and the task in a cluster") {
    TaskRig rig;
    config::ConnectorSpec spec = TaskRig::spec(config::ConnectorKind::source, {"out"});
    CHECK(runtime::transactional_id(rig.environment(), "p.c", 3) == "worker-1-p.c-3");
    rig.worker.cluster.group_id = "prod";
    CHECK(runtime::transactional_id(rig.environment(), "p.c", 3) == "prod-p.c-3");
    auto props = runtime::transactional_properties(rig.environment(), spec, 3);
    CHECK(props.at("transactional.id") == "prod-p.c-3");
    CHECK(props.count("transaction.timeout.ms") == 0);  // librdkafka's 60 s for one poll
    spec.exactly_once.boundary = config::TransactionBoundary::interval;
    spec.exactly_once.interval_ms = 120000;
    CHECK(runtime::transactional_properties(rig.environment(), spec, 3).at("transaction.timeout.ms") == "180000");
    spec.exactly_once.interval_ms.reset();  // unset: the worker's offset.flush.interval.ms
    CHECK(runtime::transaction_interval(rig.environment(), spec) == std::chrono::milliseconds(rig.worker.offset_flush_interval_ms));
}
