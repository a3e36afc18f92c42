#include "runtime/source_task.hpp"

#include "common/log.hpp"
#include "runtime/bytes_view.hpp"

#include <utility>

namespace sluice::runtime {

namespace {
constexpr int kPollTimeoutMs = 100;
constexpr int kPausedServeMs = 100;

}  // namespace

std::chrono::milliseconds SourceTask::flush_interval() const {
    return std::chrono::milliseconds(c_.env.worker.offset_flush_interval_ms);
}

SourceTask::SourceTask(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin, int task_id)
    : Task(spec.name, task_id),
      c_(std::move(env), std::move(spec), std::move(plugin), *this, counters_.errors,
         [this](std::chrono::milliseconds d) { return sleep_for(d); }),
      topic_(c_.spec.topics.front()),
      dead_letters_(c_.spec.errors, c_.errors),
      batch_(static_cast<size_t>(c_.env.worker.source_batch_max_records)) {}

SourceTask::~SourceTask() {
    request_stop();
    wait(std::chrono::hours(1));
}

bool SourceTask::setup() {
    std::string error;
    const bool exactly_once = c_.env.worker.exactly_once_source_support;
    const kafka::Properties transactional = exactly_once ? transactional_properties(c_.env, c_.spec, task_id()) : kafka::Properties{};
    producer_ = c_.open_producer([this](const kafka::Delivery& d) { acks_->delivered(d); }, error, transactional);
    if (!producer_) {
        fail(error);
        return false;
    }
    acks_ = std::make_unique<SourceAcks>(*producer_, c_.env.offsets, c_.spec, c_.env.flow, c_.tap, counters_, exactly_once);
    if (exactly_once) {
        transactions_ = std::make_unique<SourceTransactions>(*producer_, acks_->offset_writer(), transactional.at("transactional.id"),
                                                             c_.spec.exactly_once.boundary, transaction_interval(c_.env, c_.spec));
        // Before the plugin starts: an older producer of this task (a zombie) is fenced and
        // the transaction it left open aborted first.
        if (!transactions_->init(c_.sleep, error)) {
            fail(error);
            return false;
        }
        const bool interval = c_.spec.exactly_once.boundary == config::TransactionBoundary::interval;
        log::info("exactly once: transactional producer ", transactions_->transactional_id(), " ready; one transaction per ",
                  interval ? std::to_string(transaction_interval(c_.env, c_.spec).count()) + " ms of polls" : std::string("poll"));
    }
    // In a cluster this task may have run on another worker until a moment ago: its last
    // offsets must be read before the plugin asks for them (with exactly-once, after the
    // older producer was fenced, so that nothing it left open can still commit).
    if (!c_.env.offsets.sync(std::chrono::seconds(30), error)) {
        fail("cannot read the latest stored offsets: " + error);
        return false;
    }
    instance_ = c_.create_source(
        &c_.env.offsets, [this](const sluice_record& r, std::string_view m) { return errant(r, m); }, error);
    if (!instance_) {
        fail(error);
        return false;
    }
    c_.ensure_dead_letter_topic();
    return true;
}

void SourceTask::run() {
    if (setup()) {
        set_state(TaskState::running);
        log::info("started ", c_.plugin->name, " source writing to topic ", topic_);
        while (!stopping() && poll_once()) {
        }
    }
    drain();
}

// One round of the task loop; false when the task must stop.
bool SourceTask::poll_once() {
    if (!serve(0)) return false;
    if (!offsets_due()) return false;
    if (holding()) return serve(kPausedServeMs);  // paused: acknowledgements and offset writes go on, no poll
    if (acks_->progress().watched() && !wait_for_room()) return true;

    batch_.clear();
    const auto polled_at = Clock::now();
    plugin::Outcome out = instance_->poll(batch_.writer(), kPollTimeoutMs);
    counters_.records_in.fetch_add(batch_.size(), std::memory_order_relaxed);
    if (!batch_.empty()) c_.batch_metrics.observe(batch_.size(), std::chrono::duration<double>(Clock::now() - polled_at).count());
    // A plugin that answers "nothing" at once instead of waiting would spin a core.
    empty_fast_polls_ =
        out.ok() && batch_.empty() && Clock::now() - polled_at < std::chrono::milliseconds(1) ? empty_fast_polls_ + 1 : 0;
    if (empty_fast_polls_ >= 3 && !sleep_for(std::chrono::milliseconds(10))) return false;
    if (out.status == SLUICE_ERROR && !poll_failed(out.message)) return false;
    if (out.status != SLUICE_FATAL && !batch_.empty() && !send_batch()) return false;
    if (open_batch_ != nullptr && out.status != SLUICE_FATAL) {  // only dead-letter writes in this poll
        AckTracker::seal(open_batch_);
        open_batch_ = nullptr;
    }
    // Exactly once, transaction.boundary poll: this poll's records and offsets commit now.
    if (transactions_ && out.status != SLUICE_FATAL && !offsets_due()) return false;
    return retry_poll(out);
}

bool SourceTask::offsets_due() {
    if (!transactions_) {
        acks_->flush_offsets_every(flush_interval());
        return true;
    }
    if (transaction_failed_) return false;
    return !transactions_->due() || commit_transaction();
}

bool SourceTask::commit_transaction(int timeout_ms) {
    SourceTransactions::Outcome out = transactions_->commit(timeout_ms);
    switch (out.result) {
    case SourceTransactions::Result::nothing: return true;
    case SourceTransactions::Result::committed:
        counters_.commits.fetch_add(1, std::memory_order_relaxed);
        if (out.stored && !out.stored->offsets.empty()) committed(*out.stored);
        return true;
    case SourceTransactions::Result::aborted:
    case SourceTransactions::Result::fatal: break;
    }
    counters_.commit_failures.fetch_add(1, std::memory_order_relaxed);
    transaction_failed_ = true;
    // A record Kafka refused is what failed the commit: its report says which and why.
    if (auto delivery = acks_->advance()) out.error += " (" + *delivery + ")";
    fail(out.error);
    return false;
}

void SourceTask::end_transaction() {
    const int budget = static_cast<int>(c_.env.worker.shutdown_timeout_ms);
    if (!failed() && !transactions_->spoiled()) {
        if (transactions_->pending() && commit_transaction(budget))
            log::info("the last transaction committed: its records and offsets count");
    } else if (transactions_->open()) {
        transactions_->abort(failed() ? "the task failed" : "the task stopped in the middle of a batch", budget);
    }
    producer_->serve(0);
    acks_->advance();  // publishes the counters
}

// After a poll: OK and ERROR go on, RETRY waits (errors.retry.*), FATAL fails the task.
bool SourceTask::retry_poll(const plugin::Outcome& out) {
    if (out.status == SLUICE_OK || out.status == SLUICE_ERROR) {
        c_.call_retrier.reset();
        return true;
    }
    if (out.status != SLUICE_RETRY) {
        fail("poll failed (" + std::string(plugin::status_name(out.status)) + "): " + out.message);
        return false;
    }
    c_.errors.retried(ErrorStage::task_poll);
    auto delay = c_.call_retrier.next_delay();
    if (!delay) {
        fail("poll still asked to retry after " + std::to_string(c_.call_retrier.attempts()) +
             " retries (errors.retry.timeout=" + std::to_string(c_.spec.errors.retry_timeout_ms) + " ms): " + out.message);
        return false;
    }
    log::warn("poll asked to retry (attempt ", c_.call_retrier.attempts(), ", next in ", delay->count(), " ms): ", out.message);
    return sleep_for(*delay);
}

bool SourceTask::wait_for_room() {
    auto why = acks_->progress().blocked();
    const auto since = Clock::now();
    auto last_log = since;
    while (why && !stopping()) {
        if (!serve(10) || !offsets_due()) return false;
        if (Clock::now() - last_log > std::chrono::seconds(10)) {
            log::info("waiting for sinks to catch up (backpressure) for ",
                      std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - since).count(), " s: ", *why);
            last_log = Clock::now();
        }
        why = acks_->progress().blocked();
    }
    return !why;
}

bool SourceTask::serve(int timeout_ms) {
    producer_->serve(timeout_ms);
    if (auto round = acks_->settled(); round && round->ok) committed(*round);
    if (auto error = acks_->advance()) {
        fail(*error + (transactions_ ? "; transactional producer " + transactions_->transactional_id() +
                                           ": its transaction is aborted, none of its records or offsets count"
                                     : std::string(" (offsets are committed up to the last record before it)")));
        return false;
    }
    return true;
}

// A round of offset writes is stored: the plugin hears of it.
void SourceTask::committed(const offsets::OffsetWriter::Settled& round) {
    std::vector<sluice_source_offset> raw;
    std::vector<const sluice_source_offset*> pointers;
    raw.reserve(round.offsets.size());
    for (const auto& [partition, offset] : round.offsets) raw.push_back({{partition.data(), partition.size()}, {offset.data(), offset.size()}});
    for (const auto& r : raw) pointers.push_back(&r);
    plugin::Outcome out = instance_->commit(pointers.data(), pointers.size());
    if (!out.ok()) log::warn("commit callback failed (offsets are stored regardless): ", out.message);
}

// A topic a record is routed to: a valid name, and on the embedded cluster (which creates
// no topic by itself: its partitions are counted) created here, or an error.
bool SourceTask::route(std::string_view topic, std::string& error) {
    if (topic == topic_ || routed_.find(topic) != routed_.end()) return true;
    std::string name(topic);
    if (auto problem = config::topic_name_problem(name)) {
        error = *problem;
        return false;
    }
    if (c_.env.cluster.embedded() &&
        !c_.env.cluster.ensure_topic(name, c_.env.worker.topic_creation_partitions, c_.env.worker.topic_creation_replication, {}, error))
        return false;
    routed_.insert(std::move(name));
    return true;
}

bool SourceTask::send_batch() {
    // Dead-letter writes made during this poll (report_errant) already opened the batch.
    AckTracker::Batch* b = open_batch_ != nullptr ? std::exchange(open_batch_, nullptr) : acks_->tracker().open();
    std::string error;
    // Offsets of every polled record count, also of those dropped or dead-lettered below:
    // the batch retires once what it produced (records, dead-letter records) is acknowledged.
    if (!batch_.last_offsets(b->offsets, error)) {
        abandon(b, "poll returned a malformed record: " + error);
        return false;
    }
    for (size_t i = 0; i < batch_.size(); ++i) {
        const Sent sent = send_record(b, i);
        if (sent == Sent::failed) return false;
        if (sent == Sent::stopping) {
            // A stalled broker must not hold the stop: the rest of the batch is not
            // sent, so none of its offsets is ever stored and a restart polls it again.
            b->abandoned = true;
            AckTracker::seal(b);
            if (transactions_) transactions_->spoil();
            log::info("stopping with ", batch_.size() - i, " records of the last batch not sent; they are polled again after a restart");
            return false;
        }
    }
    AckTracker::seal(b);
    if (transactions_) transactions_->add(*b);
    return true;
}

// Polled record i, through the transform chain when there is one, to Kafka.
SourceTask::Sent SourceTask::send_record(AckTracker::Batch* b, size_t i) {
    const sluice_record original = batch_.record(i, topic_, headers_, header_pointers_);
    if (c_.chain) return send_transformed(b, i, original);
    std::string error;
    if (!route(bytes_view(original.topic), error)) {
        abandon(b, "record " + std::to_string(i) + " of the batch names an invalid topic: " + error);
        return Sent::failed;
    }
    return produce(b, i, original, original);
}

// Record i through the transform chain, then to Kafka; a failure goes to the error policy.
SourceTask::Sent SourceTask::send_transformed(AckTracker::Batch* b, size_t i, const sluice_record& original) {
    sluice_transform_record rec = transform_input(original, true);
    if (batch_[i].topic.null) rec.topic = {nullptr, 0};  // the connector's topic unless a transform routes it
    ErrantCause cause;
    std::string error;
    switch (c_.chain->run(rec, c_.chain_out, cause, c_.chain_retrier, c_.errors, c_.sleep)) {
    case TransformChain::Result::drop: return Sent::ok;
    case TransformChain::Result::fatal:
        abandon(b, describe(i) + ": transform chain: " + cause.message);
        return Sent::failed;
    case TransformChain::Result::failed:
        if (tolerate(b, original, cause, error)) return Sent::ok;
        abandon(b, error);
        return Sent::failed;
    case TransformChain::Result::keep: break;
    }
    sluice_record out = c_.chain_out.record();
    if (!out.topic.data) out.topic = {topic_.data(), topic_.size()};
    if (!route(bytes_view(out.topic), error)) {
        cause = {ErrorStage::transformation, c_.chain->size() ? c_.spec.transforms.back().type : "", "sluice.InvalidTopic",
                 "the transformed record names an invalid topic: " + error};
        if (tolerate(b, original, cause, error)) return Sent::ok;
        abandon(b, error);
        return Sent::failed;
    }
    return produce(b, i, out, original);
}

// Hands one record to the producer; a record Kafka refuses (too large, a partition that
// does not exist) goes to the error policy as one that failed a transform.
SourceTask::Sent SourceTask::produce(AckTracker::Batch* b, size_t i, const sluice_record& record, const sluice_record& original) {
    if (std::string error; transactions_ && !transactions_->join(error)) {
        abandon(b, error);
        return Sent::failed;
    }
    kafka::Sent sent = producer_->send(record, b, [this] { return stopping(); });
    if (sent.ok()) {
        acks_->sent(b, record.key.size + record.value.size);
        return Sent::ok;
    }
    if (sent.result == kafka::Sent::Result::stopped) return Sent::stopping;
    std::string error = "could not be produced to " + std::string(bytes_view(record.topic)) + ": " + sent.error;
    if (sent.result == kafka::Sent::Result::refused) {
        ErrantCause cause{ErrorStage::kafka_produce, "kafka", "sluice.ProduceError", error};
        if (tolerate(b, original, cause, error)) return Sent::ok;
        abandon(b, error);
        return Sent::failed;
    }
    if (transactions_) error += " (transactional producer " + transactions_->transactional_id() + ")";
    abandon(b, describe(i) + ": " + error);
    return Sent::failed;
}

std::string SourceTask::describe(size_t i) const {
    const auto& offset = batch_[i].source_offset;
    return "record " + std::to_string(i) + " of the batch" +
           (offset.null ? "" : " (source offset " + std::string(batch_.view(offset)) + ")");
}

// A failed record: skipped, dead-lettered (as part of batch b, so its offset is stored only
// once the dead-letter write is acknowledged), or the task fails (false, error set).
bool SourceTask::tolerate(AckTracker::Batch* b, const sluice_record& original, const ErrantCause& cause, std::string& error) {
    ErrantRecord record = ErrantRecord::from(original);
    record.offset = -1;
    auto decision = c_.errors.decide(record, cause);
    if (!decision.tolerated) {
        error = decision.trace;
        return false;
    }
    if (!decision.dead_letter) return true;
    if (!route(dead_letters_.topic(), error)) {
        error = "cannot write the failed record (" + record.where() + ") to the dead-letter topic " + dead_letters_.topic() +
                ": " + error + "; the failure was: " + cause.message;
        return false;
    }
    if (transactions_ && !transactions_->join(error)) return false;
    if (!dead_letters_.write(*producer_, record, cause, b, error)) return false;
    AckTracker::produced(b);
    return true;
}

// report_errant from inside poll(): the record joins the batch this poll is filling.
sluice_status SourceTask::errant(const sluice_record& record, std::string_view message) {
    if (open_batch_ == nullptr) open_batch_ = acks_->tracker().open();
    ErrantCause cause{ErrorStage::task_poll, c_.plugin->name, "sluice.ErrantRecord", std::string(message)};
    std::string error;
    if (tolerate(open_batch_, record, cause, error)) return SLUICE_OK;
    fail(error);
    return SLUICE_FATAL;
}

// poll() returned ERROR for the whole call: the policy decides whether the task goes on
// (the records appended before the error are sent).
bool SourceTask::poll_failed(const std::string& message) {
    ErrantRecord nothing;
    auto decision = c_.errors.decide(nothing, {ErrorStage::task_poll, c_.plugin->name, "sluice.PollError", message});
    if (decision.tolerated) return true;
    fail(decision.trace);
    return false;
}

// A batch that could not be sent whole must never commit its offsets: it blocks the
// line, so only the batches before it count.
void SourceTask::abandon(AckTracker::Batch* b, const std::string& reason) {
    b->error = reason;
    AckTracker::seal(b);
    fail(reason);
}

// Graceful end: wait (within shutdown.timeout.ms) for every produced record to be
// acknowledged, then write the offsets of what was acknowledged.
void SourceTask::drain() {
    if (transactions_) {
        end_transaction();
    } else if (producer_ && acks_) {
        const auto deadline = Clock::now() + std::chrono::milliseconds(c_.env.worker.shutdown_timeout_ms);
        while (producer_->queued() > 0 && Clock::now() < deadline) {
            producer_->serve(50);
            if (acks_->tracker().advance()) break;  // a failed delivery: nothing after it is committable
        }
        if (producer_->queued() > 0)
            log::warn(producer_->queued(), " records were not acknowledged within shutdown.timeout.ms; they are "
                      "polled again after a restart");
        serve(0);
        for (int round = 0; round < 2; ++round) {  // a write still in flight first, then the final one
            while (acks_->writing_offsets() && Clock::now() < deadline) producer_->serve(50);
            serve(0);
            acks_->flush_offsets();
        }
        while (acks_->writing_offsets() && Clock::now() < deadline) producer_->serve(50);
        serve(0);
        if (acks_->writing_offsets()) log::warn("the last source offsets were not acknowledged before the shutdown deadline");
    }
    instance_.reset();
    transactions_.reset();
    acks_.reset();
    producer_.reset();
    log::info("stopped: ", counters_.records_out.load(), " records acknowledged by Kafka, ", counters_.commits.load(),
              " offset commits");
}

}  // namespace sluice::runtime
