// Exactly-once delivery for a source task (Kafka Connect's KIP-618; docs/exactly-once.md).
// The task's producer is transactional (transactional.id "<cluster.group.id or worker
// id>-<connector>-<task>"); each transaction holds the records of the polls within its
// boundary (one poll, or every poll of an interval) and, written last, the source offsets
// those polls reached, in the offsets topic. Only once Kafka committed the transaction do
// the offsets count (OffsetStore, then the plugin's commit). A transaction that fails is
// aborted: consumers reading read_committed never see its records, its offsets were never
// stored, and the task (failed, then restarted by its policy) resumes from the last
// committed ones. Everything runs on the task's thread.
#pragma once

#include "config/exactly_once_config.hpp"
#include "config/pipeline_config.hpp"
#include "kafka/producer.hpp"
#include "offsets/offset_writer.hpp"
#include "runtime/ack_tracker.hpp"
#include "runtime/environment.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace sluice::runtime {

class SourceTransactions {
public:
    using Clock = std::chrono::steady_clock;
    // Sleeps unless the task stops first; false when it does.
    using Sleep = std::function<bool(std::chrono::milliseconds)>;

    SourceTransactions(kafka::Producer& producer, offsets::OffsetWriter& offsets, std::string transactional_id,
                       config::TransactionBoundary boundary, std::chrono::milliseconds interval);

    const std::string& transactional_id() const { return id_; }

    // init_transactions: fences every older producer with this id (a zombie of this task)
    // and has its open transaction aborted. Tried again while the broker says to (its
    // coordinator not ready, a zombie's transaction still being aborted) for up to a minute,
    // unless the task stops. false with `error`.
    bool init(const Sleep& sleep, std::string& error);
    // Before anything is produced: the transaction open (begun here when none is); false
    // with `error` when the producer cannot (a fatal error).
    bool join(std::string& error);
    // A batch sent whole in this transaction (sealed): its source offsets are the
    // transaction's (a later batch's offset for a source partition replaces an earlier one).
    void add(const AckTracker::Batch& batch);
    // A batch of this transaction was not sent whole (the task stopped mid-batch): the
    // transaction must not commit, or its records would count without their offsets.
    void spoil() { spoiled_ = true; }
    bool spoiled() const { return spoiled_; }
    bool open() const { return open_; }
    // Records or offsets wait for a commit.
    bool pending() const { return pending_; }
    // The boundary is reached: poll: anything waits; interval: the interval has passed
    // since the transaction's first record or offset.
    bool due() const;

    enum class Result { nothing, committed, aborted, fatal };
    struct Outcome {
        Result result = Result::nothing;
        std::string error;  // aborted, fatal: why, naming the transactional id
        std::optional<offsets::OffsetWriter::Settled> stored;  // committed: the offsets now stored
    };
    // Writes the offsets into the transaction and commits it (again, while librdkafka says
    // the commit may be retried; `timeout_ms` each, -1: the transaction's remaining time).
    // An abortable failure aborts it; after a fatal one nothing more can be done.
    Outcome commit(int timeout_ms = -1);
    // Aborts the open transaction: nothing of it counts. `why` goes to the log. Whatever
    // the abort answered (a fenced producer cannot abort: its successor did, or will).
    kafka::TransactionError abort(const std::string& why, int timeout_ms = -1);

private:
    Outcome aborted(const std::string& what, const std::string& error, int timeout_ms);
    Outcome fatal(const std::string& what, const std::string& error);

    kafka::Producer& producer_;
    offsets::OffsetWriter& writer_;
    std::string id_;
    config::TransactionBoundary boundary_;
    std::chrono::milliseconds interval_;
    bool open_ = false;
    bool pending_ = false;
    bool spoiled_ = false;
    bool dead_ = false;  // a fatal error: no transactional call any more
    Clock::time_point since_{};
    std::map<std::string, std::string> offsets_;  // canonical source partition -> offset
};

// A task's transactional.id: "<cluster.group.id>-<connector>-<task>", or with the worker id
// in place of the group id when the worker runs alone.
std::string transactional_id(const Environment& env, const std::string& connector, int task_id);
// The producer properties a transactional task adds to the worker's.
kafka::Properties transactional_properties(const Environment& env, const config::ConnectorSpec& spec, int task_id);
// How long an interval-bounded transaction gathers polls.
std::chrono::milliseconds transaction_interval(const Environment& env, const config::ConnectorSpec& spec);

}  // namespace sluice::runtime
