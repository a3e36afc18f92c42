#include "offsets/offset_store.hpp"

#include "common/log.hpp"
#include "offsets/offset_codec.hpp"

#include <chrono>
#include <vector>

namespace sluice::offsets {

bool OffsetStore::load(kafka::Cluster& cluster, std::string& error) {
    auto partitions = cluster.partition_count(topic_, 10000, error);
    if (!partitions) {
        if (!error.empty()) return false;
        log::info("offsets topic ", topic_, " does not exist yet: no stored source offsets");
        return true;
    }
    kafka::ClientConfig config("offsets-reader");
    kafka::Properties props = cluster.consumer_properties();
    props.erase("partition.assignment.strategy");
    props["group.id"] = "sluice-offsets-reader";  // never joins: partitions are assigned by hand
    props["enable.partition.eof"] = "true";
    if (auto e = config.set_all(props)) {
        error = *e;
        return false;
    }
    kafka::Client consumer(RD_KAFKA_CONSUMER, config, error);
    if (!consumer) return false;
    rd_kafka_t* rk = consumer.get();

    rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(*partitions);
    int pending = 0;
    // A partition is read once its record just before the high watermark arrived; waiting
    // for PARTITION_EOF instead costs a whole fetch.wait.max.ms (500 ms by default) at every
    // start, as the broker holds the empty fetch that reports the end. EOF still ends a
    // partition whose last offsets hold no record (transaction markers).
    std::vector<int64_t> ends(static_cast<size_t>(*partitions), 0);
    std::vector<bool> done(static_cast<size_t>(*partitions), true);
    auto finish = [&](int32_t p) {
        if (p < 0 || p >= *partitions || done[static_cast<size_t>(p)]) return;
        done[static_cast<size_t>(p)] = true;
        --pending;
    };
    for (int p = 0; p < *partitions; ++p) {
        int64_t low = 0, high = 0;
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, topic_.c_str(), p, &low, &high, 10000);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            error = "cannot read the offsets topic " + topic_ + " partition " + std::to_string(p) + ": " + rd_kafka_err2str(err);
            rd_kafka_topic_partition_list_destroy(assignment);
            return false;
        }
        if (high > low) {
            rd_kafka_topic_partition_list_add(assignment, topic_.c_str(), p)->offset = low;
            ends[static_cast<size_t>(p)] = high;
            done[static_cast<size_t>(p)] = false;
            ++pending;
        }
    }
    rd_kafka_assign(rk, assignment);
    rd_kafka_topic_partition_list_destroy(assignment);

    size_t records = 0, malformed = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (pending > 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            error = "timed out reading the offsets topic " + topic_;
            return false;
        }
        rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
        if (m == nullptr) continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            finish(m->partition);
        } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            log::warn("reading offsets topic ", topic_, ": ", rd_kafka_message_errstr(m));
        } else {
            ++records;
            auto key = m->key ? decode_key({static_cast<const char*>(m->key), m->key_len}) : std::nullopt;
            if (!key) {
                ++malformed;
            } else if (m->payload == nullptr) {
                erase(key->connector, key->partition);
            } else if (auto value = canonical_object({static_cast<const char*>(m->payload), m->len})) {
                put(key->connector, key->partition, *value);
            } else {
                ++malformed;
            }
            if (m->partition >= 0 && m->partition < *partitions && m->offset + 1 >= ends[static_cast<size_t>(m->partition)])
                finish(m->partition);
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    if (malformed) log::warn("offsets topic ", topic_, ": ignored ", malformed, " records not in Kafka Connect's format");
    log::info("read ", records, " records from offsets topic ", topic_, ": ", size(), " stored source offsets");
    return true;
}

std::optional<std::string> OffsetStore::get(const std::string& connector, const std::string& partition) const {
    std::lock_guard lock(mutex_);
    auto it = offsets_.find({connector, partition});
    if (it == offsets_.end()) return std::nullopt;
    return it->second;
}

void OffsetStore::put(const std::string& connector, const std::string& partition, const std::string& offset) {
    std::lock_guard lock(mutex_);
    offsets_[{connector, partition}] = offset;
}

void OffsetStore::erase(const std::string& connector, const std::string& partition) {
    std::lock_guard lock(mutex_);
    offsets_.erase({connector, partition});
}

std::vector<std::pair<std::string, std::string>> OffsetStore::offsets_of(const std::string& connector) const {
    std::lock_guard lock(mutex_);
    std::vector<std::pair<std::string, std::string>> out;
    for (auto it = offsets_.lower_bound({connector, ""}); it != offsets_.end() && it->first.first == connector; ++it)
        out.emplace_back(it->first.second, it->second);
    return out;
}

size_t OffsetStore::size() const {
    std::lock_guard lock(mutex_);
    return offsets_.size();
}

}  // namespace sluice::offsets
