#include "runtime/source_task.hpp"

#include "common/backoff.hpp"
#include "common/log.hpp"
#include "common/text.hpp"
#include "kafka/produce.hpp"
#include "offsets/offset_codec.hpp"
#include "runtime/dead_letter.hpp"

#include <unordered_map>
#include <utility>

namespace sluice::runtime {

namespace {
constexpr int kPollTimeoutMs = 100;
constexpr int kPausedServeMs = 100;
}

SourceTask::SourceTask(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin, int task_id)
    : ConnectorTask(std::move(env), std::move(spec), std::move(plugin), task_id),
      topic_(spec_.topics.front()),
      batch_(static_cast<size_t>(env_.worker.source_batch_max_records)) {}

SourceTask::~SourceTask() {
    request_stop();
    wait(std::chrono::hours(1));
}

void SourceTask::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    static_cast<SourceTask*>(static_cast<kafka::ClientContext*>(opaque)->owner)->delivered(message);
}

void SourceTask::delivered(const rd_kafka_message_t* m) {
    if (m->_private == &offset_write_marker_) {
        if (m->err) {
            offset_write_failed_ = true;
            log::warn("writing offsets to ", env_.offsets.topic(), " failed: ", rd_kafka_err2str(m->err));
        }
        --offset_writes_pending_;
        return;
    }
    auto* batch = static_cast<AckTracker::Batch*>(m->_private);
    if (dead_letter_topic_ != nullptr && m->rkt == dead_letter_topic_) {
        // A dead-letter copy: it holds its batch back like a record, but is neither
        // in-flight payload nor a record written to the connector's topic.
        std::string error = m->err ? "Kafka did not accept a record for the dead-letter topic " + spec_.errors.dlq_topic + ": " +
                                         rd_kafka_err2str(m->err)
                                   : std::string();
        AckTracker::delivered(batch, m->err ? error.c_str() : nullptr);
        return;
    }
    const uint64_t bytes = m->len + m->key_len;
    in_flight_bytes_ -= static_cast<int64_t>(bytes);
    if (m->err) {
        std::string error = "Kafka did not accept a record for " + std::string(rd_kafka_topic_name(m->rkt)) + ": " +
                            rd_kafka_err2str(m->err);
        AckTracker::delivered(batch, error.c_str());
        return;
    }
    if (tap_.active()) tap_.offer([m](TapRecord& r) { fill_tap_record(r, m); });
    AckTracker::delivered(batch, nullptr);
    ++acked_records_;  // published to the shared counters once per serve(), not per record
    acked_bytes_ += bytes;
    if (watched_ && m->rkt == main_topic_ && m->partition >= 0) {
        if (static_cast<size_t>(m->partition) >= progress_.size()) progress_.resize(m->partition + 1);
        PartitionProgress& p = progress_[m->partition];
        p.end = std::max(p.end, m->offset + 1);
        p.bytes += bytes;
        ++p.records;
        p.changed = true;
    }
}

bool SourceTask::setup() {
    producer_ = open_client(RD_KAFKA_PRODUCER, env_.cluster.producer_properties(),
                            [](rd_kafka_conf_t* conf) { rd_kafka_conf_set_dr_msg_cb(conf, &SourceTask::on_delivery); });
    if (!producer_) return false;
    main_topic_ = rd_kafka_topic_new(producer_.get(), topic_.c_str(), nullptr);
    offsets_topic_ = rd_kafka_topic_new(producer_.get(), env_.offsets.topic().c_str(), nullptr);

    if (!create_instance(&env_.offsets)) return false;
    ensure_dead_letter_topic();
    watched_ = env_.flow.watched(topic_);
    return true;
}

void SourceTask::run() {
    if (!setup()) {
        producer_.reset();
        return;
    }
    set_state(TaskState::running);
    log::info("started ", plugin_->name, " source writing to topic ", topic_);
    last_offset_flush_ = Clock::now();
    const auto flush_interval = std::chrono::milliseconds(env_.worker.offset_flush_interval_ms);

    while (!stopping()) {
        if (!serve(0)) break;
        if (Clock::now() - last_offset_flush_ >= flush_interval) flush_offsets();
        if (holding()) {  // paused: keep serving acknowledgements and offset writes, poll nothing
            if (!serve(kPausedServeMs)) break;
            continue;
        }
        if (watched_ && !wait_for_room()) continue;

        batch_.clear();
        const auto polled_at = Clock::now();
        plugin::Outcome out = instance_->poll(batch_.writer(), kPollTimeoutMs);
        counters_.records_in.fetch_add(batch_.size(), std::memory_order_relaxed);
        if (!batch_.empty())
            batch_metrics_.observe(batch_.size(), std::chrono::duration<double>(Clock::now() - polled_at).count());
        // A plugin that answers "nothing" at once instead of waiting would spin a core.
        empty_fast_polls_ = out.ok() && batch_.empty() && Clock::now() - polled_at < std::chrono::milliseconds(1)
                                ? empty_fast_polls_ + 1
                                : 0;
        if (empty_fast_polls_ >= 3 && !sleep_for(std::chrono::milliseconds(10))) break;
        if (out.status == SLUICE_ERROR && !poll_failed(out.message)) break;
        if (out.status == SLUICE_OK || out.status == SLUICE_RETRY || out.status == SLUICE_ERROR) {
            if (!batch_.empty() && !send_batch()) break;
        }
        if (open_batch_ != nullptr && out.status != SLUICE_FATAL) {  // only dead-letter writes in this poll
            AckTracker::seal(open_batch_);
            open_batch_ = nullptr;
        }
        if (out.status == SLUICE_OK || out.status == SLUICE_ERROR) {
            call_retrier_.reset();
        } else if (out.status == SLUICE_RETRY) {
            errors_.retried(ErrorStage::task_poll);
            auto delay = call_retrier_.next_delay();
            if (!delay) {
                fail("poll still asked to retry after " + std::to_string(call_retrier_.attempts()) +
                     " retries (errors.retry.timeout=" + std::to_string(spec_.errors.retry_timeout_ms) + " ms): " + out.message);
                break;
            }
            log::warn("poll asked to retry (attempt ", call_retrier_.attempts(), ", next in ", delay->count(), " ms): ", out.message);
            if (!sleep_for(*delay)) break;
        } else {
            fail("poll failed (" + std::string(plugin::status_name(out.status)) + "): " + out.message);
            break;
        }
    }
    drain();
}

bool SourceTask::wait_for_room() {
    auto why = env_.flow.blocked(topic_, in_flight_bytes_);
    if (!why) return true;
    auto since = Clock::now();
    auto last_log = since;
    while (why && !stopping()) {
        if (!serve(10)) return false;
        if (Clock::now() - last_offset_flush_ >= std::chrono::milliseconds(env_.worker.offset_flush_interval_ms))
            flush_offsets();
        if (Clock::now() - last_log > std::chrono::seconds(10)) {
            log::info("waiting for sinks to catch up (backpressure) for ",
                      std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - since).count(), " s: ", *why);
            last_log = Clock::now();
        }
        why = env_.flow.blocked(topic_, in_flight_bytes_);
    }
    return !why;
}

bool SourceTask::serve(int timeout_ms) {
    rd_kafka_poll(producer_.get(), timeout_ms);
    if (acked_records_ > 0) {
        counters_.records_out.fetch_add(std::exchange(acked_records_, 0), std::memory_order_relaxed);
        counters_.bytes_out.fetch_add(std::exchange(acked_bytes_, 0), std::memory_order_relaxed);
    }
    if (watched_) {
        for (size_t p = 0; p < progress_.size(); ++p) {
            PartitionProgress& pp = progress_[p];
            if (!pp.changed) continue;
            pp.changed = false;
            env_.flow.writer_progress(topic_, static_cast<int32_t>(p), pp.end,
                                      pp.records ? static_cast<double>(pp.bytes) / static_cast<double>(pp.records) : 0);
        }
    }
    if (offset_writes_pending_ == 0 && !offsets_in_flight_.empty()) {
        if (offset_write_failed_) {
            tracker_.restore(offsets_in_flight_);
            counters_.commit_failures.fetch_add(1, std::memory_order_relaxed);
        } else {
            std::vector<sluice_source_offset> raw;
            std::vector<const sluice_source_offset*> pointers;
            raw.reserve(offsets_in_flight_.size());
            for (const auto& [partition, offset] : offsets_in_flight_) {
                env_.offsets.put(spec_.name, partition, offset);
                raw.push_back({{partition.data(), partition.size()}, {offset.data(), offset.size()}});
            }
            for (const auto& r : raw) pointers.push_back(&r);
            counters_.commits.fetch_add(1, std::memory_order_relaxed);
            plugin::Outcome out = instance_->commit(pointers.data(), pointers.size());
            if (!out.ok()) log::warn("commit callback failed (offsets are stored regardless): ", out.message);
        }
        offsets_in_flight_.clear();
        offset_write_failed_ = false;
    }
    if (auto error = tracker_.advance()) {
        fail(*error + " (offsets are committed up to the last record before it)");
        return false;
    }
    return true;
}

rd_kafka_topic_t* SourceTask::topic_handle(std::string_view topic, std::string& error) {
    if (topic == topic_) return main_topic_;
    auto it = other_topics_.find(topic);
    if (it != other_topics_.end()) return it->second;
    std::string name(topic);
    if (auto problem = config::topic_name_problem(name)) {
        error = *problem;
        return nullptr;
    }
    // The embedded cluster creates no topic by itself (its partitions are counted): a record
    // routed to a new topic creates it here, or fails when the cluster is full.
    if (env_.cluster.embedded() &&
        !env_.cluster.ensure_topic(name, env_.worker.topic_creation_partitions, env_.worker.topic_creation_replication, {}, error))
        return nullptr;
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(producer_.get(), name.c_str(), nullptr);
    other_topics_.emplace(name, rkt);
    return rkt;
}

// The last offset of each source partition in the batch, checked and in canonical form,
// before a single record is produced: a malformed offset must not reach Kafka half-way.
bool SourceTask::collect_offsets(AckTracker::Batch* b, std::string& error) {
    struct Last {
        std::string_view partition, offset;
        size_t index;
    };
    std::vector<Last> last;
    std::unordered_map<std::string_view, size_t> index;  // used once partitions are many
    for (size_t i = 0; i < batch_.size(); ++i) {
        const auto& r = batch_[i];
        if (r.source_partition.null) continue;
        std::string_view p = batch_.view(r.source_partition), o = batch_.view(r.source_offset);
        if (!last.empty() && last.back().partition == p) {
            last.back().offset = o;
            last.back().index = i;
            continue;
        }
        if (last.size() < 8) {
            auto it = std::find_if(last.begin(), last.end(), [&](const Last& l) { return l.partition == p; });
            if (it != last.end()) {
                it->offset = o;
                it->index = i;
                continue;
            }
            last.push_back({p, o, i});
            if (last.size() == 8)
                for (size_t j = 0; j < last.size(); ++j) index.emplace(last[j].partition, j);
            continue;
        }
        auto [it, inserted] = index.emplace(p, last.size());
        if (inserted) last.push_back({p, o, i});
        else last[it->second] = {p, o, i};
    }
    for (const auto& l : last) {
        auto partition = offsets::canonical_object(l.partition);
        if (!partition) {
            error = "record " + std::to_string(l.index) + " of the batch has a source_partition that is not a JSON object: " +
                    text::shown(l.partition, 120);
            return false;
        }
        auto offset = offsets::canonical_object(l.offset);
        if (!offset) {
            error = "record " + std::to_string(l.index) + " of the batch has a source_offset that is not a JSON object: " +
                    text::shown(l.offset, 120);
            return false;
        }
        b->offsets.emplace_back(std::move(*partition), std::move(*offset));
    }
    return true;
}

bool SourceTask::send_batch() {
    // Dead-letter writes made during this poll (report_errant) already opened the batch.
    AckTracker::Batch* b = open_batch_ != nullptr ? std::exchange(open_batch_, nullptr) : tracker_.open();
    std::string error;
    // Offsets of every polled record count, also of those dropped or dead-lettered below:
    // the batch retires once what it produced (records, dead-letter records) is acknowledged.
    if (!collect_offsets(b, error)) {
        abandon(b, "poll returned a malformed record: " + error);
        return false;
    }
    for (size_t i = 0; i < batch_.size(); ++i) {
        const auto& r = batch_[i];
        Produced result;
        if (chain_) {
            result = send_transformed(b, i, error);
        } else {
            rd_kafka_topic_t* rkt = r.topic.null ? main_topic_ : topic_handle(batch_.view(r.topic), error);
            if (rkt == nullptr) {
                abandon(b, "record " + std::to_string(i) + " of the batch names an invalid topic: " + error);
                return false;
            }
            rd_kafka_headers_t* headers = nullptr;
            if (r.header_count > 0) {
                headers = rd_kafka_headers_new(r.header_count);
                for (uint32_t h = 0; h < r.header_count; ++h) {
                    const auto& hdr = batch_.header(r.header_begin + h);
                    rd_kafka_header_add(headers, batch_.data(hdr.key), hdr.key.size, batch_.data(hdr.value),
                                        hdr.value.null ? 0 : static_cast<ssize_t>(hdr.value.size));
                }
            }
            result = produce(b, rkt, r.partition, {batch_.data(r.key), r.key.size}, {batch_.data(r.value), r.value.size},
                             r.timestamp_ms, headers, error);
        }
        if (result == Produced::stopping) {
            // A stalled broker must not hold the stop: the rest of the batch is not
            // sent, so none of its offsets is ever stored and a restart polls it again.
            b->abandoned = true;
            AckTracker::seal(b);
            log::info("stopping with ", batch_.size() - i, " records of the last batch not sent; they are polled again after a restart");
            return false;
        }
        if (result == Produced::rejected) {  // the error policy's verdict names the record itself
            abandon(b, error);
            return false;
        }
        if (result == Produced::failed && record_refused(last_produce_error_)) {
            // This record cannot be produced (too large, a partition that does not exist):
            // the error policy decides, as for a record that failed a transform.
            std::vector<sluice_header> headers;
            std::vector<const sluice_header*> pointers;
            ErrantCause cause{ErrorStage::kafka_produce, "kafka", "sluice.ProduceError", error};
            if (tolerate(b, polled_record(i, headers, pointers), cause, error)) continue;
            abandon(b, error);
            return false;
        }
        if (result == Produced::failed) {
            std::string where = r.source_offset.null ? "" : " (source offset " + std::string(batch_.view(r.source_offset)) + ")";
            abandon(b, "record " + std::to_string(i) + " of the batch" + where + ": " + error);
            return false;
        }
    }
    AckTracker::seal(b);
    return true;
}

// Errors of producev() that concern the record, not the producer or the cluster.
bool SourceTask::record_refused(rd_kafka_resp_err_t err) {
    return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
           err == RD_KAFKA_RESP_ERR__INVALID_ARG;
}

// Hands one record to the producer, waiting while its queue is full. `headers` is owned
// (passed to Kafka on success, destroyed otherwise).
SourceTask::Produced SourceTask::produce(AckTracker::Batch* b, rd_kafka_topic_t* rkt, int32_t partition, sluice_bytes key,
                                         sluice_bytes value, int64_t timestamp_ms, rd_kafka_headers_t* headers,
                                         std::string& error) {
    kafka::OutgoingRecord record;
    record.topic = rkt;
    record.partition = partition;
    record.key = key.data;
    record.key_size = key.size;
    record.value = value.data;
    record.value_size = value.size;
    record.timestamp_ms = timestamp_ms >= 0 ? timestamp_ms : 0;
    record.headers = headers;
    record.opaque = b;
    const rd_kafka_resp_err_t err = kafka::produce(producer_.get(), record, [this] { return stopping(); });
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) return Produced::stopping;  // stopped while waiting for room
    last_produce_error_ = err;
    if (err) {
        error = std::string("could not be produced to ") + rd_kafka_topic_name(rkt) + ": " + rd_kafka_err2str(err);
        return Produced::failed;
    }
    AckTracker::produced(b);
    in_flight_bytes_ += static_cast<int64_t>(key.size + value.size);
    return Produced::ok;
}

// The polled record as the plugin produced it (what a dead-letter record carries).
sluice_record SourceTask::polled_record(size_t i, std::vector<sluice_header>& headers,
                                        std::vector<const sluice_header*>& pointers) const {
    const auto& r = batch_[i];
    headers.resize(r.header_count);
    pointers.resize(r.header_count);
    for (uint32_t h = 0; h < r.header_count; ++h) {
        const auto& hdr = batch_.header(r.header_begin + h);
        headers[h] = {{batch_.data(hdr.key), hdr.key.size}, {batch_.data(hdr.value), hdr.value.null ? 0 : hdr.value.size}};
        pointers[h] = &headers[h];
    }
    sluice_record rec{};
    rec.struct_size = sizeof(sluice_record);
    rec.key = {batch_.data(r.key), r.key.size};
    rec.value = {batch_.data(r.value), r.value.size};
    rec.timestamp_ms = r.timestamp_ms;
    rec.headers = pointers.data();
    rec.header_count = r.header_count;
    rec.topic = r.topic.null ? sluice_bytes{topic_.data(), topic_.size()} : sluice_bytes{batch_.data(r.topic), r.topic.size};
    rec.partition = r.partition;
    rec.offset = -1;
    rec.source_partition = {batch_.data(r.source_partition), r.source_partition.size};
    rec.source_offset = {batch_.data(r.source_offset), r.source_offset.size};
    return rec;
}

// Record i through the transform chain, then to Kafka; a failure goes to the error policy.
SourceTask::Produced SourceTask::send_transformed(AckTracker::Batch* b, size_t i, std::string& error) {
    std::vector<sluice_header> headers;
    std::vector<const sluice_header*> pointers;
    const sluice_record original = polled_record(i, headers, pointers);
    sluice_transform_record rec = transform_input(original, true);
    if (batch_[i].topic.null) rec.topic = {nullptr, 0};  // the connector's topic unless a transform routes it
    ErrantCause cause;
    switch (chain_->run(rec, chain_out_, cause, chain_retrier_, errors_, sleeper())) {
    case TransformChain::Result::drop: return Produced::ok;
    case TransformChain::Result::fatal:
        error = "transform chain: " + cause.message;
        return Produced::failed;
    case TransformChain::Result::failed:
        return tolerate(b, original, cause, error) ? Produced::ok : Produced::rejected;
    case TransformChain::Result::keep: break;
    }
    const sluice_record& out = chain_out_.record();
    rd_kafka_topic_t* rkt = out.topic.data ? topic_handle(std::string_view(out.topic.data, out.topic.size), error) : main_topic_;
    if (rkt == nullptr) {
        cause = {ErrorStage::transformation, chain_->size() ? spec_.transforms.back().type : "", "sluice.InvalidTopic",
                 "the transformed record names an invalid topic: " + error};
        return tolerate(b, original, cause, error) ? Produced::ok : Produced::rejected;
    }
    rd_kafka_headers_t* kh = nullptr;
    if (out.header_count > 0) {
        kh = rd_kafka_headers_new(out.header_count);
        for (size_t h = 0; h < out.header_count; ++h)
            rd_kafka_header_add(kh, out.headers[h]->key.data, static_cast<ssize_t>(out.headers[h]->key.size),
                                out.headers[h]->value.data, out.headers[h]->value.data ? static_cast<ssize_t>(out.headers[h]->value.size) : 0);
    }
    return produce(b, rkt, out.partition, out.key, out.value, out.timestamp_ms, kh, error);
}

// A failed record: skipped, dead-lettered (as part of batch b, so its offset is stored only
// once the dead-letter write is acknowledged), or the task fails (false, error set).
bool SourceTask::tolerate(AckTracker::Batch* b, const sluice_record& original, const ErrantCause& cause, std::string& error) {
    ErrantRecord record = ErrantRecord::from(original);
    record.offset = -1;
    auto decision = errors_.decide(record, cause);
    if (!decision.tolerated) {
        error = decision.trace;
        return false;
    }
    if (!decision.dead_letter) return true;
    rd_kafka_topic_t* dlq = topic_handle(spec_.errors.dlq_topic, error);
    dead_letter_topic_ = dlq;
    auto context = spec_.errors.dlq_context_headers ? errors_.context_headers(record, cause)
                                                    : std::vector<std::pair<std::string, std::string>>{};
    rd_kafka_resp_err_t err = dlq ? produce_dead_letter(producer_.get(), dlq, record, context, b) : RD_KAFKA_RESP_ERR__INVALID_ARG;
    if (err) {
        error = "cannot write the failed record (" + record.where() + ") to the dead-letter topic " + spec_.errors.dlq_topic +
                ": " + rd_kafka_err2str(err) + "; the failure was: " + cause.message;
        return false;
    }
    AckTracker::produced(b);
    errors_.dead_lettered(cause.stage);
    return true;
}

// report_errant from inside poll(): the record joins the batch this poll is filling.
sluice_status SourceTask::errant(const sluice_record& record, std::string_view message) {
    if (open_batch_ == nullptr) open_batch_ = tracker_.open();
    ErrantCause cause{ErrorStage::task_poll, plugin_->name, "sluice.ErrantRecord", std::string(message)};
    std::string error;
    if (tolerate(open_batch_, record, cause, error)) return SLUICE_OK;
    fail(error);
    return SLUICE_FATAL;
}

// poll() returned ERROR for the whole call: the policy decides whether the task goes on
// (the records appended before the error are sent).
bool SourceTask::poll_failed(const std::string& message) {
    ErrantRecord nothing;
    auto decision = errors_.decide(nothing, {ErrorStage::task_poll, plugin_->name, "sluice.PollError", message});
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

void SourceTask::flush_offsets() {
    last_offset_flush_ = Clock::now();
    if (offset_writes_pending_ > 0 || !offsets_in_flight_.empty()) return;  // the previous write is still on its way
    auto offsets = tracker_.take_committable();
    if (offsets.empty()) return;
    rd_kafka_t* rk = producer_.get();
    for (const auto& [partition, offset] : offsets) {
        std::string key = offsets::encode_key(spec_.name, partition);
        kafka::OutgoingRecord record;
        record.topic = offsets_topic_;
        record.key = key.data();
        record.key_size = key.size();
        record.value = offset.data();
        record.value_size = offset.size();
        record.opaque = &offset_write_marker_;
        const rd_kafka_resp_err_t err = kafka::produce(rk, record, [] { return false; });
        if (err) {
            log::warn("cannot write offsets to ", env_.offsets.topic(), ": ", rd_kafka_err2str(err));
            offset_write_failed_ = true;
            continue;
        }
        ++offset_writes_pending_;
    }
    offsets_in_flight_ = std::move(offsets);
}

// Graceful end: wait (within shutdown.timeout.ms) for every produced record to be
// acknowledged, then write the offsets of what was acknowledged.
void SourceTask::drain() {
    const auto deadline = Clock::now() + std::chrono::milliseconds(env_.worker.shutdown_timeout_ms);
    rd_kafka_t* rk = producer_.get();
    while (rd_kafka_outq_len(rk) > 0 && Clock::now() < deadline) {
        rd_kafka_poll(rk, 50);
        if (tracker_.advance()) break;  // a failed delivery: nothing after it is committable
    }
    if (rd_kafka_outq_len(rk) > 0)
        log::warn(rd_kafka_outq_len(rk), " records were not acknowledged within shutdown.timeout.ms; they are "
                  "polled again after a restart");
    serve(0);
    for (int round = 0; round < 2; ++round) {  // a write still in flight first, then the final one
        while (offset_writes_pending_ > 0 && Clock::now() < deadline) rd_kafka_poll(rk, 50);
        serve(0);
        flush_offsets();
    }
    while (offset_writes_pending_ > 0 && Clock::now() < deadline) rd_kafka_poll(rk, 50);
    serve(0);
    if (offset_writes_pending_ > 0) log::warn("the last source offsets were not acknowledged before the shutdown deadline");
    instance_.reset();
    for (auto& [name, rkt] : other_topics_) rd_kafka_topic_destroy(rkt);
    other_topics_.clear();
    if (main_topic_) rd_kafka_topic_destroy(main_topic_);
    if (offsets_topic_) rd_kafka_topic_destroy(offsets_topic_);
    main_topic_ = offsets_topic_ = nullptr;
    producer_.reset();
    log::info("stopped: ", counters_.records_out.load(), " records acknowledged by Kafka, ", counters_.commits.load(),
              " offset commits");
}

}  // namespace sluice::runtime
