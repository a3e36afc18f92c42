#include "raw_clients.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <stdexcept>

namespace bench {

namespace {

struct DeliveryState {
    uint64_t total = 0;
    uint64_t acked = 0;
    uint64_t failed = 0;
    std::string first_error;
    Clock::time_point last{};
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* s = static_cast<DeliveryState*>(opaque);
    if (m->err) {
        if (s->failed++ == 0) s->first_error = rd_kafka_err2str(m->err);
    } else {
        ++s->acked;
    }
    if (s->acked + s->failed == s->total) s->last = Clock::now();
}

}  // namespace

ProduceResult raw_produce(const Properties& properties, const std::string& topic, const RecordSet& records,
                          std::chrono::milliseconds timeout, const std::function<void()>& before_destroy) {
    DeliveryState state;
    state.total = records.size();
    rd_kafka_conf_t* conf = new_conf(properties);
    rd_kafka_conf_set_opaque(conf, &state);
    rd_kafka_conf_set_dr_msg_cb(conf, &on_delivery);
    rd_kafka_t* rk = new_client(RD_KAFKA_PRODUCER, conf);
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);

    // Connected, with the topic's metadata and an idempotent producer id, before the clock
    // starts: sluice's clock also starts at its first record in the topic.
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_metadata_destroy(md);
    rd_kafka_poll(rk, 100);

    ProduceResult result;
    const auto deadline = Clock::now() + timeout;
    result.first_produce = Clock::now();
    for (size_t i = 0; i < records.size() && !g_interrupted.load(std::memory_order_relaxed); ++i) {
        const auto& r = records[i];
        rd_kafka_resp_err_t err;
        while (true) {
            err = rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                    RD_KAFKA_V_VALUE(const_cast<char*>(records.value(r)), r.value_size),
                                    RD_KAFKA_V_KEY(records.key(r), r.key_size),
                                    RD_KAFKA_V_TIMESTAMP(r.timestamp_ms >= 0 ? r.timestamp_ms : 0), RD_KAFKA_V_END);
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
            rd_kafka_poll(rk, 10);  // the queue is full: serve delivery reports until there is room
        }
        if (err) {
            state.failed += records.size() - i;
            if (state.first_error.empty()) state.first_error = std::string("produce: ") + rd_kafka_err2str(err);
            break;
        }
        if ((i & 1023) == 1023) rd_kafka_poll(rk, 0);
    }
    while (state.acked + state.failed < state.total && Clock::now() < deadline && !g_interrupted.load()) rd_kafka_poll(rk, 50);

    result.acked = state.acked;
    result.failed = state.failed + (state.total - state.acked - state.failed);
    result.first_error = state.first_error;
    if (result.first_error.empty() && result.failed > 0) result.first_error = "delivery reports missing at the timeout";
    result.last_delivery = state.last;
    if (before_destroy) before_destroy();
    rd_kafka_flush(rk, 5000);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return result;
}

Clock::time_point ConsumeResult::time_at(uint64_t count) const {
    if (checkpoints.empty()) return first;
    auto it = std::lower_bound(checkpoints.begin(), checkpoints.end(), count,
                               [](const auto& c, uint64_t n) { return c.first < n; });
    if (it == checkpoints.end()) return checkpoints.back().second;
    if (it->first == count) return it->second;
    // Between the previous checkpoint (or the first record) and this one.
    const std::pair<uint64_t, Clock::time_point> before =
        it == checkpoints.begin() ? std::make_pair(uint64_t{1}, first) : *(it - 1);
    if (count <= before.first) return before.second;
    const double f = static_cast<double>(count - before.first) / static_cast<double>(it->first - before.first);
    return before.second + std::chrono::duration_cast<Clock::duration>((it->second - before.second) * f);
}

double process_cpu_seconds() {
    struct rusage u {};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

ConsumeResult raw_consume(const Properties& properties, const std::string& topic, uint64_t expected,
                          std::chrono::milliseconds timeout, const std::function<CpuReading()>& cpu) {
    rd_kafka_t* rk = new_client(RD_KAFKA_CONSUMER, properties);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err) {
        rd_kafka_destroy(rk);
        throw std::runtime_error(std::string("subscribe: ") + rd_kafka_err2str(err));
    }
    ConsumeResult result;
    result.checkpoints.reserve(expected / ConsumeResult::kCheckpointEvery + 2);
    result.subscribed = Clock::now();
    const auto deadline = result.subscribed + timeout;
    while (result.records < expected && Clock::now() < deadline && !g_interrupted.load(std::memory_order_relaxed)) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
        if (m == nullptr) continue;
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            const auto now = Clock::now();
            if (result.records == 0) {
                result.first = now;
                result.cpu_first = cpu();
            }
            ++result.records;
            result.bytes += m->len + m->key_len;
            result.last = now;
            if (result.records % ConsumeResult::kCheckpointEvery == 0 || result.records == expected)
                result.checkpoints.emplace_back(result.records, now);
            if (result.records == expected) result.cpu_last = cpu();
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return result;
}

}  // namespace bench
