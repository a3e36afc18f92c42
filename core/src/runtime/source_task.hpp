// A source task: plugin.poll -> produce -> in-order acknowledgements -> offsets written to
// the offsets topic (only ever up to the last record Kafka acknowledged, with every record
// before it) -> plugin.commit. Composed of a Kafka producer, what follows its delivery
// reports (SourceAcks) and the dead-letter writer. With the worker's
// exactly.once.source.support enabled, the producer is transactional and the offsets are
// written and count with the transaction of their records instead (SourceTransactions).
#pragma once

#include "kafka/producer.hpp"
#include "runtime/connector_parts.hpp"
#include "runtime/dead_letter.hpp"
#include "runtime/source_acks.hpp"
#include "runtime/source_batch.hpp"
#include "runtime/source_transactions.hpp"

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace sluice::runtime {

class SourceTask : public Task {
public:
    SourceTask(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin, int task_id);
    ~SourceTask() override;

private:
    using Clock = std::chrono::steady_clock;

    ConnectorParts c_;  // first: the members below use it
    std::unique_ptr<plugin::Source> instance_;  // in this process or in a plugin host

    enum class Sent { ok, stopping, failed /* the task FAILED */ };

    void run() override;
    bool setup();
    bool poll_once();
    bool send_batch();
    Sent send_record(AckTracker::Batch* b, size_t index);
    Sent send_transformed(AckTracker::Batch* b, size_t index, const sluice_record& original);
    Sent produce(AckTracker::Batch* b, size_t index, const sluice_record& record, const sluice_record& original);
    std::string describe(size_t index) const;
    bool route(std::string_view topic, std::string& error);
    bool tolerate(AckTracker::Batch* b, const sluice_record& original, const ErrantCause& cause, std::string& error);
    // report_errant (ABI 1.1): OK when the policy tolerated the record, FATAL once the task is FAILED.
    sluice_status errant(const sluice_record& record, std::string_view message);
    bool poll_failed(const std::string& message);
    bool retry_poll(const plugin::Outcome& out);
    void abandon(AckTracker::Batch* b, const std::string& reason);
    // Serves delivery reports for up to timeout_ms; false when the task must stop.
    bool serve(int timeout_ms);
    void committed(const offsets::OffsetWriter::Settled& round);
    // Offsets move on: written every offset.flush.interval.ms, or (exactly once) committed
    // with their records when the transaction boundary is reached; false once the task FAILED.
    bool offsets_due();
    // Exactly once: the open transaction (records, then their offsets) commits; false when
    // it could not (the task FAILED, the transaction aborted). timeout_ms -1: the
    // transaction's remaining time.
    bool commit_transaction(int timeout_ms = -1);
    // Exactly once: the graceful end commits the open transaction; after a failure, or with
    // a batch not sent whole, it is aborted.
    void end_transaction();
    bool wait_for_room();
    void drain();
    std::chrono::milliseconds flush_interval() const;

    const std::string& topic_;
    std::unique_ptr<kafka::Producer> producer_;
    std::unique_ptr<SourceAcks> acks_;
    std::unique_ptr<SourceTransactions> transactions_;  // exactly.once.source.support: enabled
    bool transaction_failed_ = false;                   // the task FAILED on a transaction: no more polls
    DeadLetterWriter dead_letters_;
    SourceBatch batch_;
    AckTracker::Batch* open_batch_ = nullptr;  // opened by a dead-letter write during poll()
    std::set<std::string, std::less<>> routed_;  // topics records were routed to, checked once
    std::vector<sluice_header> headers_;
    std::vector<const sluice_header*> header_pointers_;
    int empty_fast_polls_ = 0;  // consecutive polls that returned nothing without waiting
};

}  // namespace sluice::runtime
