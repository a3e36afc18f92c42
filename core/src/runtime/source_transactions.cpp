#include "runtime/source_transactions.hpp"

#include "common/log.hpp"

#include <algorithm>
#include <utility>

namespace sluice::runtime {
namespace {

constexpr int kInitCallTimeoutMs = 10000;
constexpr auto kInitPatience = std::chrono::seconds(60);
constexpr int kCommitAttempts = 3;
// librdkafka's transaction.timeout.ms: what a transaction of the poll boundary gets. An
// interval-bounded one gets its interval on top, so the broker never aborts it for
// lasting as long as it was told to.
constexpr int64_t kTransactionTimeoutMs = 60000;

std::string error_kind_name(kafka::TransactionError::Kind kind) {
    switch (kind) {
    case kafka::TransactionError::Kind::none: return "ok";
    case kafka::TransactionError::Kind::retriable: return "retriable";
    case kafka::TransactionError::Kind::abortable: return "abortable";
    case kafka::TransactionError::Kind::fatal: return "fatal";
    }
    return "unknown";
}

}  // namespace

std::string transactional_id(const Environment& env, const std::string& connector, int task_id) {
    const std::string& owner = env.worker.cluster.enabled() ? env.worker.cluster.group_id : env.worker_id;
    return owner + "-" + connector + "-" + std::to_string(task_id);
}

std::chrono::milliseconds transaction_interval(const Environment& env, const config::ConnectorSpec& spec) {
    const int64_t ms = spec.exactly_once.interval_ms.value_or(env.worker.offset_flush_interval_ms);
    return std::chrono::milliseconds(std::min(ms, config::kMaxTransactionIntervalMs));
}

kafka::Properties transactional_properties(const Environment& env, const config::ConnectorSpec& spec, int task_id) {
    kafka::Properties p = {{"transactional.id", transactional_id(env, spec.name, task_id)}};
    const bool chosen = env.worker.producer_properties.count("transaction.timeout.ms") > 0 ||
                        env.worker.kafka_properties.count("transaction.timeout.ms") > 0;
    if (!chosen && spec.exactly_once.boundary == config::TransactionBoundary::interval)
        p["transaction.timeout.ms"] = std::to_string(kTransactionTimeoutMs + transaction_interval(env, spec).count());
    return p;
}

SourceTransactions::SourceTransactions(kafka::Producer& producer, offsets::OffsetWriter& offsets, std::string transactional_id,
                                       config::TransactionBoundary boundary, std::chrono::milliseconds interval)
    : producer_(producer), writer_(offsets), id_(std::move(transactional_id)), boundary_(boundary), interval_(interval) {}

bool SourceTransactions::init(const Sleep& sleep, std::string& error) {
    const auto deadline = Clock::now() + kInitPatience;
    for (int attempt = 1;; ++attempt) {
        const kafka::TransactionError e = producer_.init_transactions(kInitCallTimeoutMs);
        if (e.ok()) return true;
        if (e.kind != kafka::TransactionError::Kind::retriable || Clock::now() >= deadline) {
            dead_ = e.kind == kafka::TransactionError::Kind::fatal;
            error = "transactional producer " + id_ + ": init_transactions failed: " + e.message +
                    " (exactly.once.source.support needs a broker with transactions, Kafka 0.11 or newer, whose "
                    "transaction coordinator is up: on a small cluster transaction.state.log.replication.factor and "
                    "transaction.state.log.min.isr must not exceed its brokers)";
            return false;
        }
        log::warn("transactional producer ", id_, ": init_transactions, attempt ", attempt, ": ", e.message, "; trying again");
        if (!sleep(std::chrono::milliseconds(200))) {
            error = "transactional producer " + id_ + ": stopped while initializing transactions";
            return false;
        }
    }
}

bool SourceTransactions::join(std::string& error) {
    if (!open_) {
        if (dead_) {
            error = "transactional producer " + id_ + " failed earlier and cannot begin a transaction";
            return false;
        }
        const kafka::TransactionError e = producer_.begin_transaction();
        if (!e.ok()) {
            dead_ = true;
            error = "transactional producer " + id_ + ": begin_transaction failed: " + e.message;
            return false;
        }
        open_ = true;
    }
    if (!pending_) since_ = Clock::now();
    pending_ = true;
    return true;
}

void SourceTransactions::add(const AckTracker::Batch& batch) {
    if (batch.abandoned) return;
    if (!pending_) since_ = Clock::now();
    pending_ = pending_ || !batch.offsets.empty();
    for (const auto& [partition, offset] : batch.offsets) offsets_[partition] = offset;
}

bool SourceTransactions::due() const {
    if (!pending_) return false;
    return boundary_ == config::TransactionBoundary::poll || Clock::now() - since_ >= interval_;
}

SourceTransactions::Outcome SourceTransactions::commit(int timeout_ms) {
    if (!pending_) return {};
    std::string error;
    if (!join(error)) return fatal("begin", error);  // only offsets so far: nothing began the transaction
    if (!offsets_.empty()) {
        // A write still reported from an earlier round would leave this one's unwritten.
        if (writer_.busy()) return aborted("write offsets", "an earlier write of offsets is still unreported", timeout_ms);
        writer_.write(offsets_);
        if (writer_.failed()) return aborted("write offsets", writer_.failure(), timeout_ms);
    }
    // A retriable failure (a timeout) may be resumed: the commit goes on in librdkafka.
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? kTransactionTimeoutMs : timeout_ms);
    kafka::TransactionError e;
    for (int attempt = 1; attempt <= kCommitAttempts; ++attempt) {
        e = producer_.commit_transaction(timeout_ms);
        if (e.kind != kafka::TransactionError::Kind::retriable || Clock::now() >= deadline) break;
        log::warn("transactional producer ", id_, ": commit, attempt ", attempt, ": ", e.message,
                  attempt < kCommitAttempts ? "; trying again" : "");
    }
    if (e.kind == kafka::TransactionError::Kind::fatal) return fatal("commit", e.message);
    if (!e.ok()) return aborted("commit", e.message + " (" + error_kind_name(e.kind) + ")", timeout_ms);
    open_ = pending_ = false;
    offsets_.clear();
    Outcome out;
    out.result = Result::committed;
    out.stored = writer_.transaction_committed();
    if (out.stored && !out.stored->ok) {
        // librdkafka commits only when every record was delivered; should an offsets write
        // still be unreported, nothing is stored and the task starts again from the last
        // offsets that were.
        out.result = Result::aborted;
        out.error = "transactional producer " + id_ + ": the transaction committed before its offsets were acknowledged; "
                    "they are not stored";
    }
    return out;
}

kafka::TransactionError SourceTransactions::abort(const std::string& why, int timeout_ms) {
    kafka::TransactionError e;
    if (open_ && !dead_) {
        e = producer_.abort_transaction(timeout_ms);
        if (e.ok()) log::warn("transactional producer ", id_, ": transaction aborted (", why, ")");
        else log::warn("transactional producer ", id_, ": aborting the transaction (", why, ") failed: ", e.message,
                       "; the broker aborts it after transaction.timeout.ms, or when this task starts again");
        dead_ = e.kind == kafka::TransactionError::Kind::fatal;
    }
    writer_.transaction_aborted();
    open_ = pending_ = false;
    offsets_.clear();
    return e;
}

SourceTransactions::Outcome SourceTransactions::aborted(const std::string& what, const std::string& error, int timeout_ms) {
    const kafka::TransactionError refused = abort(what + " failed", timeout_ms);
    if (refused.kind == kafka::TransactionError::Kind::fatal) return fatal(what, error + "; then abort failed: " + refused.message);
    return {Result::aborted,
            "transactional producer " + id_ + ": " + what + " failed: " + error +
                "; the transaction was aborted: none of its records or offsets count, and the task starts again from the "
                "last committed offsets",
            std::nullopt};
}

SourceTransactions::Outcome SourceTransactions::fatal(const std::string& what, const std::string& error) {
    dead_ = true;
    writer_.transaction_aborted();
    open_ = pending_ = false;
    offsets_.clear();
    return {Result::fatal,
            "transactional producer " + id_ + ": " + what + " failed: " + error +
                "; the producer cannot go on (fenced by a newer producer with the same transactional.id, i.e. another "
                "instance of this task, or refused by the broker); its open transaction is aborted by the broker and the "
                "task starts again from the last committed offsets",
            std::nullopt};
}

}  // namespace sluice::runtime
