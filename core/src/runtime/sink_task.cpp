#include "runtime/sink_task.hpp"

#include "common/log.hpp"

#include <algorithm>
#include <limits>

namespace sluice::runtime {

namespace {
constexpr int kFetchTimeoutMs = 100;

std::string list_partitions(const std::vector<kafka::PartitionOffset>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p.topic + "[" + std::to_string(p.partition) + "]";
    return out.empty() ? "none" : out;
}

std::string describe(const sluice_record& r) {
    return std::string(r.topic.data, r.topic.size) + "[" + std::to_string(r.partition) + "]@" + std::to_string(r.offset);
}
}  // namespace

SinkTask::SinkTask(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin, int task_id)
    : Task(spec.name, task_id),
      c_(std::move(env), std::move(spec), std::move(plugin), *this, counters_.errors,
         [this](std::chrono::milliseconds d) { return sleep_for(d); }),
      dead_letter_writer_(c_.spec.errors, c_.errors),
      dead_letters_(dead_letter_writer_,
                    [this](kafka::Producer::DeliveryHandler h) {
                        std::string error;
                        auto producer = c_.open_producer(std::move(h), error);
                        if (!producer) fail(error);
                        return producer;
                    }),
      commit_(positions_, dead_letters_, counters_, std::chrono::milliseconds(c_.env.worker.shutdown_timeout_ms)) {}

SinkTask::~SinkTask() {
    request_stop();
    wait(std::chrono::hours(1));
}

bool SinkTask::setup() {
    std::string error;
    instance_ = c_.create_sink(
        [this](const sluice_record& r, std::string_view m) { return errant(r, m); }, error);
    if (!instance_) {
        fail(error);
        return false;
    }
    c_.ensure_dead_letter_topic();
    kafka::Properties props = c_.env.cluster.consumer_properties();
    props["group.id"] = c_.spec.consumer_group();
    consumer_ = c_.open_consumer(props, *this, error);
    if (!consumer_) {
        fail(error);
        return false;
    }
    if (!consumer_->subscribe(c_.spec.topics, error)) {
        fail("cannot subscribe to " + error);
        return false;
    }
    return true;
}

void SinkTask::run() {
    if (!setup()) {
        c_.env.flow.remove_reader(c_.spec.name);  // a sink that never ran must not hold its source back
        consumer_.reset();
        instance_.reset();
        return;
    }
    set_state(TaskState::running);
    std::string topics;
    for (const auto& t : c_.spec.topics) topics += (topics.empty() ? "" : ", ") + t;
    log::info("started ", c_.plugin->name, " sink reading ", c_.spec.topics.size() == 1 ? "topic " : "topics ", topics,
              " as consumer group ", c_.spec.consumer_group());
    last_flush_ = Clock::now();
    const auto flush_interval = std::chrono::milliseconds(c_.env.worker.offset_flush_interval_ms);

    while (!stopping() && !failed()) {
        if (Clock::now() - last_flush_ >= flush_interval) {
            last_flush_ = Clock::now();
            if (!flush_and_commit()) break;
        }
        if (hold_while_paused()) continue;
        fetch(kFetchTimeoutMs);
        update_lag();
        if (batch_.empty()) continue;
        if (!deliver()) break;
    }

    batch_.release_all(*consumer_);
    c_.env.flow.remove_reader(c_.spec.name);
    // Closing leaves the group: the revoke callback flushes and commits a last time.
    consumer_->close();
    consumer_.reset();
    dead_letters_.close();
    instance_.reset();
    log::info("stopped: ", counters_.records_out.load(), " records written, ", counters_.commits.load(), " offset commits");
}

void SinkTask::update_lag() {
    const auto now = Clock::now();
    if (now - lag_updated_ < std::chrono::seconds(1)) return;
    lag_updated_ = now;
    auto lag = positions_.lag(*consumer_);
    std::lock_guard lock(lag_mutex_);
    lag_ = std::move(lag);
}

std::vector<PartitionLag> SinkTask::lag() const {
    std::lock_guard lock(lag_mutex_);
    return lag_;
}

// Paused: the partitions are paused (nothing is fetched, the group membership stays alive
// through the polls); a record already on its way is carried over to after the resume.
bool SinkTask::hold_while_paused() {
    if (!holding()) {
        if (held_) consumer_->pause(false);
        held_ = false;
        return false;
    }
    consumer_->pause(true);  // every round: partitions assigned by a rebalance meanwhile are paused too
    held_ = true;
    batch_.carry(*consumer_, 1, kFetchTimeoutMs);
    return true;
}

void SinkTask::fetch(int timeout_ms) {
    std::string fatal;
    batch_.fetch(*consumer_, static_cast<size_t>(c_.env.worker.sink_batch_max_records), timeout_ms, fatal);
    if (!fatal.empty()) fail(fatal);
    counters_.records_in.fetch_add(batch_.messages().size(), std::memory_order_relaxed);
    // The task failed on a gap: nothing of this batch is put or committed.
    if (!positions_.continuous(batch_.messages(), *consumer_, [this](const SinkPositions::Gap& g) { return gap(g); }))
        batch_.done(*consumer_);
}

// Records deleted before the sink read them: false when the task must fail (errors.on.gap).
bool SinkTask::gap(const SinkPositions::Gap& gap) {
    counters_.records_gap.fetch_add(static_cast<uint64_t>(gap.lost), std::memory_order_relaxed);
    if (c_.spec.errors.fail_on_gap) {
        fail(gap.what + "; errors.on.gap is fail");
        return false;
    }
    log::error(gap.what, "; going on at offset ", gap.resume, " (errors.on.gap: continue)");
    return true;
}

bool SinkTask::deliver() {
    batch_.prepare(*consumer_);
    if (!prepare_put()) return false;
    if (c_.tap.active())
        for (size_t i = 0; i < batch_.put_size(); ++i)
            c_.tap.offer([record = batch_.put_pointers()[i]](TapRecord& r) { fill_tap_record(r, *record); });
    return put_all();
}

// The records handed to put(): after the transform chain when there is one (dropped and
// tolerated records left out; their offsets still count once the batch is done).
bool SinkTask::prepare_put() {
    const auto& records = batch_.records();
    for (size_t i = 0; i < records.size(); ++i) {
        if (!c_.chain) {
            batch_.put_record(i);
            continue;
        }
        sluice_transform_record rec = transform_input(records[i], false);
        ErrantCause cause;
        switch (c_.chain->run(rec, batch_.new_output(), cause, c_.chain_retrier, c_.errors, c_.sleep)) {
        case TransformChain::Result::keep: batch_.put_output(i); break;
        case TransformChain::Result::drop: batch_.drop_output(); break;
        case TransformChain::Result::failed:
            batch_.drop_output();
            if (!tolerate(i, cause)) return false;
            break;
        case TransformChain::Result::fatal:
            fail("transform chain at record " + describe(records[i]) + ": " + cause.message);
            return false;
        }
    }
    return true;
}

bool SinkTask::put_all() {
    size_t start = 0;    // put() accepted every entry before this one
    size_t refused = 0;  // entries put() failed (given to the error policy)
    bool paused = false;
    c_.call_retrier.reset();
    while (start < batch_.put_size()) {
        const size_t count = batch_.put_size() - start;
        const auto put_at = Clock::now();
        plugin::Outcome out = instance_->put(batch_.put_pointers() + start, count);
        c_.batch_metrics.observe(count, std::chrono::duration<double>(Clock::now() - put_at).count());
        if (out.ok()) break;
        if (out.status == SLUICE_RETRY) {
            c_.errors.retried(ErrorStage::task_put);
            if (auto delay = c_.call_retrier.next_delay()) {
                if (!paused) consumer_->pause(true);
                paused = true;
                log::warn("put asked to retry ", count, " records (attempt ", c_.call_retrier.attempts(), ", next in ",
                          delay->count(), " ms): ", out.message);
                if (!sleep_for(*delay)) return false;  // not put, not committed: read again after a restart
                // Keep the group membership alive and learn about rebalances while waiting.
                batch_.carry(*consumer_, std::numeric_limits<size_t>::max(), 0);
                batch_.keep_assigned(*consumer_, positions_, start);
                if (batch_.empty()) break;
                continue;
            }
            out.status = SLUICE_ERROR;  // out of time: the records go to the error policy
            out.record_index = -1;
            out.message = "put still asked to retry after " + std::to_string(c_.call_retrier.attempts()) +
                          " retries (errors.retry.timeout=" + std::to_string(c_.spec.errors.retry_timeout_ms) + " ms): " + out.message;
        }
        const bool one = out.record_index >= 0 && static_cast<size_t>(out.record_index) < count;
        if (out.status == SLUICE_FATAL) {
            fatal_ = true;
            fail("put failed" + (one ? " at record " + describe(batch_.records()[batch_.origin(start + out.record_index)]) : "") +
                 " (FATAL): " + out.message);
            return false;
        }
        // ERROR: record_index = i: the records before i were accepted, record i failed, the
        // rest is offered again. -1 (or nonsense): every record of the call failed.
        ErrantCause cause{ErrorStage::task_put, c_.plugin->name, "sluice.PutError", out.message};
        const size_t end = one ? start + static_cast<size_t>(out.record_index) + 1 : batch_.put_size();
        for (size_t i = one ? end - 1 : start; i < end; ++i)
            if (!tolerate(batch_.origin(i), cause)) return false;
        refused += one ? 1 : end - start;
        start = end;
    }
    if (paused) consumer_->pause(false);
    put_done(refused);
    return true;
}

// The batch is written (what put() accepted; dropped, skipped and dead-lettered records
// are not counted as written): each partition continues after its last record.
void SinkTask::put_done(size_t refused) {
    positions_.put(batch_.messages());
    uint64_t bytes = 0;
    for (const auto& m : batch_.messages()) bytes += m.bytes();
    counters_.records_out.fetch_add(batch_.put_size() - refused, std::memory_order_relaxed);
    counters_.bytes_out.fetch_add(bytes, std::memory_order_relaxed);
    batch_.done(*consumer_);
    if (c_.env.flow.enabled())
        for (const auto& [tp, pos] : positions_.positions()) c_.env.flow.reader_position(c_.spec.name, tp.topic, tp.partition, pos);
}

// A failed record (record `index` of the batch, as read from Kafka): skipped, written to the dead-letter
// topic, or the task fails (false).
bool SinkTask::tolerate(size_t index, const ErrantCause& cause) {
    return errant(batch_.records()[index], cause) == SLUICE_OK;
}

// report_errant from put() or flush(): the record as the sink received it.
sluice_status SinkTask::errant(const sluice_record& record, std::string_view message) {
    return errant(record, ErrantCause{ErrorStage::task_put, c_.plugin->name, "sluice.ErrantRecord", std::string(message)});
}

sluice_status SinkTask::errant(const sluice_record& original, const ErrantCause& cause) {
    ErrantRecord record = ErrantRecord::from(original);
    auto decision = c_.errors.decide(record, cause);
    if (!decision.tolerated) {
        fail(decision.trace);
        return SLUICE_FATAL;
    }
    if (!decision.dead_letter) return SLUICE_OK;
    std::string error;
    if (dead_letters_.write(record, cause, error)) return SLUICE_OK;
    if (!error.empty()) fail(error);  // else the producer could not be opened: failed already
    return SLUICE_FATAL;
}

bool SinkTask::flush_and_commit() {
    if (instance_ == nullptr || fatal_) return true;
    SinkCommit::Result result = commit_.run(*instance_, *consumer_);
    if (result.ok()) return true;
    fatal_ = fatal_ || result.fatal;
    fail(result.failure);
    return false;
}

void SinkTask::assigned(std::vector<kafka::PartitionOffset>& partitions) {
    std::vector<sluice_topic_partition> parts;
    std::vector<sluice_topic_partition*> pointers;
    for (const auto& p : partitions) parts.push_back({p.topic.c_str(), p.partition, SLUICE_OFFSET_UNSET});
    for (auto& p : parts) pointers.push_back(&p);
    if (instance_ && !fatal_) {
        plugin::Outcome out = instance_->open(pointers.data(), pointers.size());
        if (!out.ok()) {
            fail("open of assigned partitions failed: " + out.message);
            request_stop();
        } else {
            for (size_t i = 0; i < parts.size(); ++i)
                if (parts[i].offset >= 0) {
                    // The sink keeps its own progress (e.g. read back from the target): resume there.
                    partitions[i].offset = parts[i].offset;
                    log::info(partitions[i].topic, "[", partitions[i].partition, "]: resuming at offset ", parts[i].offset,
                              " as the sink asked");
                }
        }
    }
    positions_.start(partitions, *consumer_);
    if (partitions.empty() && positions_.assignment_size() == 0)
        log::info("no partitions assigned: this connector has more tasks than its topics have partitions (the task stays idle)");
    log::info("assigned ", list_partitions(partitions));
}

void SinkTask::revoked(const std::vector<kafka::PartitionOffset>& partitions, bool lost) {
    if (!lost) flush_and_commit();  // a lost partition belongs to someone else already: no commit
    std::vector<sluice_topic_partition> parts;
    std::vector<const sluice_topic_partition*> pointers;
    for (const auto& p : partitions) parts.push_back({p.topic.c_str(), p.partition, SLUICE_OFFSET_UNSET});
    for (const auto& p : parts) pointers.push_back(&p);
    positions_.revoke(partitions);
    if (instance_ && !fatal_) {
        plugin::Outcome out = instance_->close(pointers.data(), pointers.size());
        if (!out.ok()) log::warn("close of revoked partitions failed: ", out.message);
    }
    log::info(lost ? "lost " : "revoked ", list_partitions(partitions));
}

}  // namespace sluice::runtime
