#include "runtime/sink_task.hpp"

#include "common/backoff.hpp"
#include "common/log.hpp"
#include "runtime/dead_letter.hpp"

#include <algorithm>
#include <cstring>

namespace sluice::runtime {

namespace {
constexpr int kFetchTimeoutMs = 100;
constexpr int kCommittedTimeoutMs = 10000;

struct ListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

std::string list_partitions(const rd_kafka_topic_partition_list_t* parts) {
    std::string out;
    for (int i = 0; i < parts->cnt; ++i) {
        if (i) out += ", ";
        out += std::string(parts->elems[i].topic) + "[" + std::to_string(parts->elems[i].partition) + "]";
    }
    return out.empty() ? "none" : out;
}
}  // namespace

SinkTask::SinkTask(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin, int task_id)
    : ConnectorTask(std::move(env), std::move(spec), std::move(plugin), task_id) {}

SinkTask::~SinkTask() {
    request_stop();
    wait(std::chrono::hours(1));
}

bool SinkTask::setup() {
    if (!create_instance(nullptr)) return false;
    ensure_dead_letter_topic();
    kafka::Properties props = env_.cluster.consumer_properties();
    props["group.id"] = spec_.consumer_group();
    consumer_ = open_client(RD_KAFKA_CONSUMER, props,
                            [](rd_kafka_conf_t* conf) { rd_kafka_conf_set_rebalance_cb(conf, &SinkTask::on_rebalance); });
    if (!consumer_) return false;
    rd_kafka_poll_set_consumer(consumer_.get());
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(static_cast<int>(spec_.topics.size()));
    for (const auto& t : spec_.topics) rd_kafka_topic_partition_list_add(topics, t.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer_.get(), topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err) {
        fail(std::string("cannot subscribe to ") + rd_kafka_err2str(err));
        return false;
    }
    return true;
}

void SinkTask::run() {
    if (!setup()) {
        env_.flow.remove_reader(spec_.name);  // a sink that never ran must not hold its source back
        consumer_.reset();
        instance_.reset();
        return;
    }
    set_state(TaskState::running);
    log::info("started ", plugin_->name, " sink reading ", spec_.topics.size() == 1 ? "topic " : "topics ",
              [&] {
                  std::string t;
                  for (const auto& s : spec_.topics) t += (t.empty() ? "" : ", ") + s;
                  return t;
              }(),
              " as consumer group sluice-", spec_.name);
    last_flush_ = Clock::now();
    const auto flush_interval = std::chrono::milliseconds(env_.worker.offset_flush_interval_ms);

    while (!stopping() && !failed()) {
        if (Clock::now() - last_flush_ >= flush_interval) {
            last_flush_ = Clock::now();
            if (!flush_and_commit()) break;
        }
        if (hold_while_paused()) continue;
        fetch(kFetchTimeoutMs);
        update_lag();
        if (messages_.empty()) continue;
        if (!deliver()) break;
    }

    for (auto* m : messages_) rd_kafka_message_destroy(m);
    for (auto* m : carried_) rd_kafka_message_destroy(m);
    messages_.clear();
    carried_.clear();
    env_.flow.remove_reader(spec_.name);
    // Closing leaves the group: the revoke callback flushes and commits a last time.
    rd_kafka_consumer_close(consumer_.get());
    consumer_.reset();
    if (dlq_topic_) rd_kafka_topic_destroy(dlq_topic_);
    dlq_topic_ = nullptr;
    dlq_producer_.reset();
    instance_.reset();
    log::info("stopped: ", counters_.records_out.load(), " records written, ", counters_.commits.load(), " offset commits");
}

// The watermarks librdkafka caches from fetch answers: no request to the broker here.
void SinkTask::update_lag() {
    const auto now = Clock::now();
    if (now - lag_updated_ < std::chrono::seconds(1)) return;
    lag_updated_ = now;
    std::vector<PartitionLag> lag;
    for (const auto& tp : assignment_) {
        int64_t low = 0, high = 0;
        if (rd_kafka_get_watermark_offsets(consumer_.get(), tp.first.c_str(), tp.second, &low, &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
            high < 0)
            continue;
        auto pos = positions_.find(tp);
        auto committed = committed_.find(tp);
        int64_t position = pos != positions_.end() ? pos->second : committed != committed_.end() ? committed->second : low;
        lag.push_back({tp.first, tp.second, std::max<int64_t>(0, high - position)});
    }
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
    const bool hold = holding();
    if (!hold) {
        if (held_) set_paused(false);
        held_ = false;
        return false;
    }
    set_paused(true);  // every round: partitions assigned by a rebalance meanwhile are paused too
    held_ = true;
    if (rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_.get(), kFetchTimeoutMs)) {
        if (m->err) rd_kafka_message_destroy(m);
        else carried_.push_back(m);
    }
    return true;
}

std::string SinkTask::describe(const rd_kafka_message_t* m) const {
    return std::string(rd_kafka_topic_name(m->rkt)) + "[" + std::to_string(m->partition) + "]@" + std::to_string(m->offset);
}

void SinkTask::fetch(int timeout_ms) {
    messages_.swap(carried_);
    carried_.clear();
    const size_t max = static_cast<size_t>(env_.worker.sink_batch_max_records);
    rd_kafka_t* rk = consumer_.get();
    rd_kafka_message_t* m = messages_.empty() ? rd_kafka_consumer_poll(rk, timeout_ms) : rd_kafka_consumer_poll(rk, 0);
    while (m != nullptr) {
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                if (rd_kafka_fatal_error(rk, nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR)
                    fail(std::string("Kafka consumer failed: ") + rd_kafka_message_errstr(m));
                else
                    log::warn("consumer: ", rd_kafka_message_errstr(m));
            }
            rd_kafka_message_destroy(m);
        } else {
            messages_.push_back(m);
            if (messages_.size() >= max) break;
        }
        m = rd_kafka_consumer_poll(rk, 0);
    }
    counters_.records_in.fetch_add(messages_.size(), std::memory_order_relaxed);
    if (!check_continuity()) {  // the task failed: nothing of this batch is put or committed
        for (auto* msg : messages_) rd_kafka_message_destroy(msg);
        messages_.clear();
    }
}

// librdkafka moves a fetch position that is no longer on the broker (retention, a recreated
// topic) to the partition's start with one WARN line: the records in between are lost to
// the sink's user. Each batch is checked against where its partitions should continue: a
// jump forward that the partition's start explains is such a loss (a jump within the log is
// a transaction marker or compaction), a jump backward a recreated topic. One map lookup
// per run of records of a partition; watermarks are librdkafka's cached ones.
bool SinkTask::check_continuity() {
    const rd_kafka_topic_t* run_rkt = nullptr;
    int32_t run_partition = -1;
    int64_t* expected = nullptr;
    for (rd_kafka_message_t* m : messages_) {
        if (m->rkt != run_rkt || m->partition != run_partition) {
            auto it = expected_.find({rd_kafka_topic_name(m->rkt), m->partition});
            expected = it == expected_.end() ? nullptr : &it->second;
            run_rkt = m->rkt;
            run_partition = m->partition;
        }
        if (expected == nullptr) continue;  // no committed offset: nothing to compare with
        if (*expected >= 0 && m->offset != *expected && !gap(m, *expected)) return false;
        *expected = m->offset + 1;
    }
    return true;
}

// `m` arrived where `expected` should have: false when the task must fail (errors.on.gap).
bool SinkTask::gap(const rd_kafka_message_t* m, int64_t expected) {
    const std::string topic = rd_kafka_topic_name(m->rkt);
    const std::string where = topic + "[" + std::to_string(m->partition) + "]";
    std::string what;
    if (m->offset > expected) {
        int64_t low = -1, high = -1;
        rd_kafka_get_watermark_offsets(consumer_.get(), topic.c_str(), m->partition, &low, &high);
        if (low <= expected) return true;  // still on the broker: a transaction marker or compaction
        const int64_t last = std::min(m->offset, low) - 1;
        const int64_t lost = last - expected + 1;
        counters_.records_gap.fetch_add(static_cast<uint64_t>(lost), std::memory_order_relaxed);
        what = where + ": offsets " + std::to_string(expected) + ".." + std::to_string(last) + " (" + std::to_string(lost) +
               " records) were deleted from Kafka before this sink read them (retention, or a recreated topic)";
    } else {
        what = where + ": Kafka restarted the partition at offset " + std::to_string(m->offset) + " where " +
               std::to_string(expected) + " was next (a recreated topic): the records this sink had not read are lost";
    }
    if (spec_.errors.fail_on_gap) {
        fail(what + "; errors.on.gap is fail");
        return false;
    }
    log::error(what, "; going on at offset ", m->offset, " (errors.on.gap: continue)");
    return true;
}

// Where each partition the sink did not position itself continues: its committed offset,
// read here so that check_continuity() knows what to expect; without one, the consumer
// starts where auto.offset.reset says.
void SinkTask::set_start_offsets(rd_kafka_topic_partition_list_t* partitions) {
    PartitionList unset(rd_kafka_topic_partition_list_new(partitions->cnt));
    for (int i = 0; i < partitions->cnt; ++i) {
        const auto& p = partitions->elems[i];
        if (p.offset == RD_KAFKA_OFFSET_INVALID) rd_kafka_topic_partition_list_add(unset.get(), p.topic, p.partition);
        else expected_[{p.topic, p.partition}] = p.offset;
    }
    if (unset->cnt == 0) return;
    if (rd_kafka_committed(consumer_.get(), unset.get(), kCommittedTimeoutMs) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        log::warn("cannot read the committed offsets of the assigned partitions: records deleted before they are read "
                  "go undetected until they are");
        return;
    }
    for (int i = 0; i < unset->cnt; ++i) {
        const auto& u = unset->elems[i];
        if (u.offset < 0) continue;
        if (auto* p = rd_kafka_topic_partition_list_find(partitions, u.topic, u.partition)) p->offset = u.offset;
        expected_[{u.topic, u.partition}] = u.offset;
    }
}

void SinkTask::build_records() {
    // librdkafka parses a record's headers on the first rd_kafka_message_headers() (for
    // every record: the header count is part of the header bytes); ask once per message.
    message_headers_.resize(messages_.size());
    size_t header_total = 0;
    for (size_t i = 0; i < messages_.size(); ++i) {
        rd_kafka_headers_t* h = nullptr;
        if (rd_kafka_message_headers(messages_[i], &h) != RD_KAFKA_RESP_ERR_NO_ERROR) h = nullptr;
        message_headers_[i] = h;
        if (h) header_total += rd_kafka_header_cnt(h);
    }
    records_.assign(messages_.size(), sluice_record{});
    record_pointers_.resize(messages_.size());
    headers_.resize(header_total);  // sized once: records point into it
    header_pointers_.resize(header_total);
    size_t next_header = 0;
    const rd_kafka_topic_t* last_rkt = nullptr;
    sluice_bytes topic{};
    for (size_t i = 0; i < messages_.size(); ++i) {
        rd_kafka_message_t* m = messages_[i];
        sluice_record& r = records_[i];
        r.struct_size = sizeof(sluice_record);
        r.key = {static_cast<const char*>(m->key), m->key ? m->key_len : 0};
        r.value = {static_cast<const char*>(m->payload), m->payload ? m->len : 0};
        rd_kafka_timestamp_type_t type;
        r.timestamp_ms = rd_kafka_message_timestamp(m, &type);
        if (r.timestamp_ms < 0) r.timestamp_ms = SLUICE_NO_TIMESTAMP;
        if (m->rkt != last_rkt) {  // a batch holds runs of records of the same topic
            const char* name = rd_kafka_topic_name(m->rkt);
            topic = {name, std::strlen(name)};
            last_rkt = m->rkt;
        }
        r.topic = topic;
        r.partition = m->partition;
        r.offset = m->offset;
        if (rd_kafka_headers_t* h = message_headers_[i]) {
            size_t count = rd_kafka_header_cnt(h);
            r.headers = header_pointers_.data() + next_header;
            r.header_count = count;
            for (size_t j = 0; j < count; ++j) {
                const char* name = nullptr;
                const void* value = nullptr;
                size_t size = 0;
                rd_kafka_header_get_all(h, j, &name, &value, &size);
                headers_[next_header] = {{name, std::strlen(name)}, {static_cast<const char*>(value), value ? size : 0}};
                header_pointers_[next_header] = &headers_[next_header];
                ++next_header;
            }
        }
        record_pointers_[i] = &r;
    }
}

// The records handed to put(): after the transform chain when there is one (dropped and
// tolerated records left out; their offsets still count once the batch is done).
bool SinkTask::prepare_put() {
    put_pointers_.clear();
    put_entries_.clear();
    outputs_.clear();
    for (size_t i = 0; i < records_.size(); ++i) {
        if (!chain_) {
            put_pointers_.push_back(&records_[i]);
            put_entries_.push_back({i, messages_[i]});
            continue;
        }
        sluice_transform_record rec = transform_input(records_[i], false);
        ErrantCause cause;
        ChainOutput& out = outputs_.emplace_back();
        switch (chain_->run(rec, out, cause, chain_retrier_, errors_, sleeper())) {
        case TransformChain::Result::keep:
            put_pointers_.push_back(&out.record());
            put_entries_.push_back({i, messages_[i]});
            break;
        case TransformChain::Result::drop: outputs_.pop_back(); break;
        case TransformChain::Result::failed:
            outputs_.pop_back();
            if (!tolerate(i, cause)) return false;
            break;
        case TransformChain::Result::fatal:
            fail("transform chain at record " + describe(messages_[i]) + ": " + cause.message);
            return false;
        }
    }
    return true;
}

bool SinkTask::deliver() {
    build_records();
    if (!prepare_put()) return false;
    if (tap_.active())
        for (const sluice_record* record : put_pointers_) tap_.offer([record](TapRecord& r) { fill_tap_record(r, *record); });
    bool paused = false;
    size_t start = 0;  // put() accepted every entry before this one
    size_t refused = 0;  // entries put() failed (given to the error policy)
    call_retrier_.reset();
    while (start < put_pointers_.size()) {
        const size_t count = put_pointers_.size() - start;
        const auto put_at = Clock::now();
        plugin::Outcome out = instance_->put(put_pointers_.data() + start, count);
        batch_metrics_.observe(count, std::chrono::duration<double>(Clock::now() - put_at).count());
        if (out.ok()) break;
        if (out.status == SLUICE_RETRY) {
            errors_.retried(ErrorStage::task_put);
            auto delay = call_retrier_.next_delay();
            if (!delay) {
                out.status = SLUICE_ERROR;  // out of time: the records go to the error policy
                out.record_index = -1;
                out.message = "put still asked to retry after " + std::to_string(call_retrier_.attempts()) +
                              " retries (errors.retry.timeout=" + std::to_string(spec_.errors.retry_timeout_ms) + " ms): " + out.message;
            } else {
                if (!paused) set_paused(true);
                paused = true;
                log::warn("put asked to retry ", count, " records (attempt ", call_retrier_.attempts(), ", next in ",
                          delay->count(), " ms): ", out.message);
                if (!sleep_for(*delay)) return false;  // not put, not committed: read again after a restart
                // Keep the group membership alive and learn about rebalances while waiting.
                rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_.get(), 0);
                for (; m != nullptr; m = rd_kafka_consumer_poll(consumer_.get(), 0)) {
                    if (m->err) rd_kafka_message_destroy(m);
                    else carried_.push_back(m);
                }
                keep_assigned(start);
                drop_unassigned();
                if (messages_.empty()) break;
                continue;
            }
        }
        if (out.status == SLUICE_FATAL) {
            std::string where;
            if (out.record_index >= 0 && static_cast<size_t>(out.record_index) < count)
                where = " at record " + describe(put_entries_[start + out.record_index].message);
            fatal_ = true;
            fail("put failed" + where + " (FATAL): " + out.message);
            return false;
        }
        // ERROR: record_index = i: the records before i were accepted, record i failed, the
        // rest is offered again. -1 (or nonsense): every record of the call failed.
        ErrantCause cause{ErrorStage::task_put, plugin_->name, "sluice.PutError", out.message};
        if (out.record_index >= 0 && static_cast<size_t>(out.record_index) < count) {
            size_t failed = start + static_cast<size_t>(out.record_index);
            if (!tolerate(put_entries_[failed].origin, cause)) return false;
            ++refused;
            start = failed + 1;
        } else {
            for (size_t i = start; i < put_pointers_.size(); ++i)
                if (!tolerate(put_entries_[i].origin, cause)) return false;
            refused += put_pointers_.size() - start;
            start = put_pointers_.size();
        }
    }
    if (paused) set_paused(false);
    // Records of one partition come in runs: look the position up once per run.
    const rd_kafka_topic_t* run_rkt = nullptr;
    int32_t run_partition = -1;
    int64_t* next = nullptr;  // the run's partition position
    uint64_t bytes = 0;
    for (auto* m : messages_) {
        if (next == nullptr || m->rkt != run_rkt || m->partition != run_partition) {
            next = &positions_[{rd_kafka_topic_name(m->rkt), m->partition}];  // std::map: stays valid
            run_rkt = m->rkt;
            run_partition = m->partition;
        }
        *next = m->offset + 1;  // a jump here is a transaction marker or compaction; deletions come as resets
        bytes += m->len + m->key_len;
    }
    // Written: what put() accepted (dropped, skipped and dead-lettered records are not).
    counters_.records_out.fetch_add(put_pointers_.size() - refused, std::memory_order_relaxed);
    counters_.bytes_out.fetch_add(bytes, std::memory_order_relaxed);
    for (auto* m : messages_) rd_kafka_message_destroy(m);
    messages_.clear();
    outputs_.clear();
    if (env_.flow.enabled())
        for (const auto& [tp, pos] : positions_) env_.flow.reader_position(spec_.name, tp.first, tp.second, pos);
    return true;
}

// After a rebalance during put() retries: entries of partitions no longer assigned go.
void SinkTask::keep_assigned(size_t& start) {
    size_t out = 0, new_start = 0;
    for (size_t i = 0; i < put_entries_.size(); ++i) {
        rd_kafka_message_t* m = put_entries_[i].message;
        if (!assignment_.count({rd_kafka_topic_name(m->rkt), m->partition})) continue;
        if (i < start) ++new_start;
        put_entries_[out] = put_entries_[i];
        put_pointers_[out] = put_pointers_[i];
        ++out;
    }
    put_entries_.resize(out);
    put_pointers_.resize(out);
    start = new_start;
}

// A failed record (records_[index], as read from Kafka): skipped, written to the dead-letter
// topic, or the task fails (false).
bool SinkTask::tolerate(size_t index, const ErrantCause& cause) {
    ErrantRecord record = ErrantRecord::from(records_[index]);
    auto decision = errors_.decide(record, cause);
    if (!decision.tolerated) {
        fail(decision.trace);
        return false;
    }
    if (decision.dead_letter && !dead_letter(record, cause)) return false;
    return true;
}

// report_errant from put() or flush(): the record as the sink received it.
sluice_status SinkTask::errant(const sluice_record& record, std::string_view message) {
    ErrantRecord r = ErrantRecord::from(record);
    ErrantCause cause{ErrorStage::task_put, plugin_->name, "sluice.ErrantRecord", std::string(message)};
    auto decision = errors_.decide(r, cause);
    if (!decision.tolerated) {
        fail(decision.trace);
        return SLUICE_FATAL;
    }
    if (decision.dead_letter && !dead_letter(r, cause)) return SLUICE_FATAL;
    return SLUICE_OK;
}

// Hands the record to the dead-letter producer. Offsets are committed only once every
// dead-letter record is acknowledged (see flush_and_commit).
bool SinkTask::dead_letter(const ErrantRecord& record, const ErrantCause& cause) {
    if (!dlq_producer_) {
        dlq_producer_ = open_client(RD_KAFKA_PRODUCER, env_.cluster.producer_properties(),
                                    [](rd_kafka_conf_t* conf) { rd_kafka_conf_set_dr_msg_cb(conf, &SinkTask::on_dead_letter_delivery); });
        if (!dlq_producer_) return false;
        dlq_topic_ = rd_kafka_topic_new(dlq_producer_.get(), spec_.errors.dlq_topic.c_str(), nullptr);
    }
    auto context = spec_.errors.dlq_context_headers ? errors_.context_headers(record, cause)
                                                    : std::vector<std::pair<std::string, std::string>>{};
    rd_kafka_resp_err_t err = produce_dead_letter(dlq_producer_.get(), dlq_topic_, record, context, nullptr);
    if (err) {
        fail("cannot write the failed record " + record.where() + " to the dead-letter topic " + spec_.errors.dlq_topic +
             ": " + rd_kafka_err2str(err) + "; the failure was: " + cause.message);
        return false;
    }
    ++dlq_pending_;
    errors_.dead_lettered(cause.stage);
    rd_kafka_poll(dlq_producer_.get(), 0);
    return true;
}

void SinkTask::on_dead_letter_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<SinkTask*>(static_cast<kafka::ClientContext*>(opaque)->owner);
    --self->dlq_pending_;
    if (m->err && self->dlq_failure_.empty())
        self->dlq_failure_ = std::string("Kafka did not accept a record for the dead-letter topic ") +
                             rd_kafka_topic_name(m->rkt) + ": " + rd_kafka_err2str(m->err);
}

// Offsets may pass a dead-lettered record only once Kafka has it: wait (bounded) for every
// dead-letter write; false when one failed (nothing is committed) or is still pending.
bool SinkTask::dead_letters_settled() {
    if (!dlq_producer_) return true;
    const auto deadline = Clock::now() + std::chrono::milliseconds(env_.worker.shutdown_timeout_ms);
    while (dlq_pending_ > 0 && dlq_failure_.empty() && Clock::now() < deadline) rd_kafka_poll(dlq_producer_.get(), 20);
    if (!dlq_failure_.empty()) {
        fail(dlq_failure_ + " (offsets are committed up to the records before it)");
        fatal_ = true;
        return false;
    }
    if (dlq_pending_ > 0) {
        log::warn(dlq_pending_, " dead-letter records are not acknowledged yet; offsets stay uncommitted until they are");
        return false;
    }
    return true;
}

void SinkTask::drop_unassigned() {
    auto keep = [&](rd_kafka_message_t* m) {
        if (assignment_.count({rd_kafka_topic_name(m->rkt), m->partition})) return true;
        rd_kafka_message_destroy(m);
        return false;
    };
    messages_.erase(std::remove_if(messages_.begin(), messages_.end(), [&](auto* m) { return !keep(m); }), messages_.end());
    carried_.erase(std::remove_if(carried_.begin(), carried_.end(), [&](auto* m) { return !keep(m); }), carried_.end());
}

void SinkTask::set_paused(bool paused) {
    rd_kafka_topic_partition_list_t* parts = nullptr;
    if (rd_kafka_assignment(consumer_.get(), &parts) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
    if (paused) rd_kafka_pause_partitions(consumer_.get(), parts);
    else rd_kafka_resume_partitions(consumer_.get(), parts);
    rd_kafka_topic_partition_list_destroy(parts);
}

bool SinkTask::flush_and_commit() {
    if (positions_.empty() || instance_ == nullptr || fatal_) return true;
    if (!dead_letters_settled()) return !fatal_;
    std::vector<sluice_topic_partition> parts;
    std::vector<sluice_topic_partition*> pointers;
    parts.reserve(positions_.size());
    for (const auto& [tp, pos] : positions_) parts.push_back({tp.first.c_str(), tp.second, pos});
    for (auto& p : parts) pointers.push_back(&p);
    plugin::Outcome out = instance_->flush(pointers.data(), pointers.size());
    if (out.status == SLUICE_RETRY) {
        log::warn("flush asked to retry; offsets stay uncommitted until it succeeds: ", out.message);
        return true;
    }
    if (!out.ok()) {
        if (out.status == SLUICE_FATAL) fatal_ = true;
        fail("flush failed (" + std::string(plugin::status_name(out.status)) + "): " + out.message);
        return false;
    }
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(parts.size()));
    std::vector<std::pair<TopicPartition, int64_t>> committing;
    for (const auto& p : parts) {
        TopicPartition tp{p.topic, p.partition};
        // The sink may keep offsets back (not yet durable), never push them past what it got.
        int64_t offset = std::min(p.offset, positions_[tp]);
        auto done = committed_.find(tp);
        if (offset < 0 || (done != committed_.end() && done->second >= offset)) continue;
        rd_kafka_topic_partition_list_add(list, p.topic, p.partition)->offset = offset;
        committing.emplace_back(tp, offset);
    }
    if (list->cnt > 0) {
        rd_kafka_resp_err_t err = rd_kafka_commit(consumer_.get(), list, 0);
        if (err) {
            counters_.commit_failures.fetch_add(1, std::memory_order_relaxed);
            log::warn("offset commit failed (retried at the next flush): ", rd_kafka_err2str(err));
        } else {
            counters_.commits.fetch_add(1, std::memory_order_relaxed);
            for (const auto& [tp, offset] : committing) committed_[tp] = offset;
        }
    }
    rd_kafka_topic_partition_list_destroy(list);
    return true;
}

void SinkTask::on_rebalance(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                            void* opaque) {
    static_cast<SinkTask*>(static_cast<kafka::ClientContext*>(opaque)->owner)->rebalance(err, partitions);
}

void SinkTask::rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
    rd_kafka_t* rk = consumer_.get();
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        assigned(partitions);
        rd_kafka_error_t* e = cooperative ? rd_kafka_incremental_assign(rk, partitions) : nullptr;
        if (!cooperative) rd_kafka_assign(rk, partitions);
        if (e) {
            log::error("assigning partitions failed: ", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        }
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        revoked(partitions);
        rd_kafka_error_t* e = cooperative ? rd_kafka_incremental_unassign(rk, partitions) : nullptr;
        if (!cooperative) rd_kafka_assign(rk, nullptr);
        if (e) {
            log::error("unassigning partitions failed: ", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        }
    } else {
        log::error("rebalance failed: ", rd_kafka_err2str(err));
        rd_kafka_assign(rk, nullptr);
        assignment_.clear();
    }
}

void SinkTask::assigned(rd_kafka_topic_partition_list_t* partitions) {
    std::vector<sluice_topic_partition> parts(partitions->cnt);
    std::vector<sluice_topic_partition*> pointers;
    for (int i = 0; i < partitions->cnt; ++i) {
        parts[i] = {partitions->elems[i].topic, partitions->elems[i].partition, SLUICE_OFFSET_UNSET};
        pointers.push_back(&parts[i]);
        assignment_.insert({partitions->elems[i].topic, partitions->elems[i].partition});
    }
    if (instance_ && !fatal_) {
        plugin::Outcome out = instance_->open(pointers.data(), pointers.size());
        if (!out.ok()) {
            fail("open of assigned partitions failed: " + out.message);
            request_stop();
        } else {
            for (int i = 0; i < partitions->cnt; ++i)
                if (parts[i].offset >= 0) {
                    // The sink keeps its own progress (e.g. read back from the target): resume there.
                    partitions->elems[i].offset = parts[i].offset;
                    log::info(partitions->elems[i].topic, "[", partitions->elems[i].partition,
                              "]: resuming at offset ", parts[i].offset, " as the sink asked");
                }
        }
    }
    set_start_offsets(partitions);
    if (partitions->cnt == 0 && assignment_.empty())
        log::info("no partitions assigned: this connector has more tasks than its topics have partitions (the task stays idle)");
    log::info("assigned ", list_partitions(partitions));
}

void SinkTask::revoked(rd_kafka_topic_partition_list_t* partitions) {
    const bool lost = rd_kafka_assignment_lost(consumer_.get());
    if (!lost) flush_and_commit();  // a lost partition belongs to someone else already: no commit
    std::vector<sluice_topic_partition> parts(partitions->cnt);
    std::vector<const sluice_topic_partition*> pointers;
    for (int i = 0; i < partitions->cnt; ++i) {
        parts[i] = {partitions->elems[i].topic, partitions->elems[i].partition, SLUICE_OFFSET_UNSET};
        pointers.push_back(&parts[i]);
        TopicPartition tp{partitions->elems[i].topic, partitions->elems[i].partition};
        assignment_.erase(tp);
        expected_.erase(tp);
        positions_.erase(tp);
        committed_.erase(tp);
    }
    if (instance_ && !fatal_) {
        plugin::Outcome out = instance_->close(pointers.data(), pointers.size());
        if (!out.ok()) log::warn("close of revoked partitions failed: ", out.message);
    }
    log::info(lost ? "lost " : "revoked ", list_partitions(partitions));
}

}  // namespace sluice::runtime
