#include "kafka/topic_reader.hpp"

#include "common/log.hpp"

#include <cstring>
#include <vector>

namespace sluice::kafka {

bool read_to_end(Cluster& cluster, const std::string& topic, int32_t partitions, const std::function<void(const sluice_record&)>& each,
                 std::chrono::milliseconds timeout, std::string& error) {
    Properties props = cluster.consumer_properties();
    props.erase("partition.assignment.strategy");
    props["group.id"] = "sluice-offsets-reader";  // never joins: partitions are assigned by hand
    props["enable.partition.eof"] = "true";
    Client consumer = open_client(RD_KAFKA_CONSUMER, "offsets-reader", props, nullptr, nullptr, error);
    if (!consumer) return false;
    rd_kafka_t* rk = consumer.get();

    rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(partitions);
    int pending = 0;
    // A partition is read once its record just before the high watermark arrived; waiting
    // for PARTITION_EOF instead costs a whole fetch.wait.max.ms (500 ms by default) at every
    // start, as the broker holds the empty fetch that reports the end. EOF still ends a
    // partition whose last offsets hold no record (transaction markers).
    std::vector<int64_t> ends(static_cast<size_t>(partitions), 0);
    std::vector<bool> done(static_cast<size_t>(partitions), true);
    auto finish = [&](int32_t p) {
        if (p < 0 || p >= partitions || done[static_cast<size_t>(p)]) return;
        done[static_cast<size_t>(p)] = true;
        --pending;
    };
    for (int p = 0; p < partitions; ++p) {
        int64_t low = 0, high = 0;
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 10000);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            error = "cannot read the offsets topic " + topic + " partition " + std::to_string(p) + ": " + rd_kafka_err2str(err);
            rd_kafka_topic_partition_list_destroy(assignment);
            return false;
        }
        if (high > low) {
            rd_kafka_topic_partition_list_add(assignment, topic.c_str(), p)->offset = low;
            ends[static_cast<size_t>(p)] = high;
            done[static_cast<size_t>(p)] = false;
            ++pending;
        }
    }
    rd_kafka_assign(rk, assignment);
    rd_kafka_topic_partition_list_destroy(assignment);

    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pending > 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            error = "timed out reading the offsets topic " + topic;
            return false;
        }
        rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
        if (m == nullptr) continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            finish(m->partition);
        } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            log::warn("reading offsets topic ", topic, ": ", rd_kafka_message_errstr(m));
        } else {
            sluice_record r{};
            r.struct_size = sizeof(sluice_record);
            r.topic = {topic.data(), topic.size()};
            r.partition = m->partition;
            r.offset = m->offset;
            r.key = {static_cast<const char*>(m->key), m->key ? m->key_len : 0};
            r.value = {static_cast<const char*>(m->payload), m->payload ? m->len : 0};
            each(r);
            if (m->partition >= 0 && m->partition < partitions && m->offset + 1 >= ends[static_cast<size_t>(m->partition)])
                finish(m->partition);
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    return true;
}

}  // namespace sluice::kafka
