#include "kafka/group_offsets.hpp"

#include "kafka/cluster.hpp"
#include "kafka/partition_list.hpp"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>

namespace sluice::kafka {

GroupOffsets::GroupOffsets(Cluster& cluster, std::string group, int timeout_ms)
    : cluster_(cluster), group_(std::move(group)), timeout_ms_(timeout_ms) {}

Client GroupOffsets::client(const std::string& purpose) {
    Properties props = cluster_.consumer_properties();
    props["group.id"] = group_;
    props["enable.auto.commit"] = "false";
    props["enable.auto.offset.store"] = "false";
    // Same assignor as the sink's members (a group has one protocol). A short session: a
    // member of an earlier call that did not leave cleanly holds the next join up no longer.
    props["session.timeout.ms"] = "3000";
    props["heartbeat.interval.ms"] = "500";
    std::string error;
    Client c = open_client(RD_KAFKA_CONSUMER, purpose, props, nullptr, nullptr, error);
    if (!c) throw GroupOffsetsError("Kafka client for group " + group_ + ": " + error);
    return c;
}

std::vector<PartitionOffset> GroupOffsets::committed(const std::vector<std::string>& topics) {
    auto list = make_partition_list(8);
    for (const auto& topic : topics) {
        std::string error;
        auto count = cluster_.partition_count(topic, timeout_ms_, error);
        if (!count) {
            if (!error.empty()) throw GroupOffsetsError("topic " + topic + ": " + error);
            continue;  // not created yet: nothing committed
        }
        for (int p = 0; p < *count; ++p) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p);
    }
    std::vector<PartitionOffset> out;
    if (list->cnt == 0) return out;
    auto reader = client("rest-offsets");  // OffsetFetch needs no membership
    if (rd_kafka_resp_err_t err = rd_kafka_committed(reader.get(), list.get(), timeout_ms_))
        throw GroupOffsetsError("cannot read the committed offsets of group " + group_ + ": " + rd_kafka_err2str(err));
    for (int i = 0; i < list->cnt; ++i) out.push_back({list->elems[i].topic, list->elems[i].partition, list->elems[i].offset});
    return out;
}

int64_t GroupOffsets::earliest(const std::string& topic, int32_t partition) {
    if (!watermarks_) watermarks_ = client("rest-offsets");
    int64_t low = 0, high = 0;
    if (rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(watermarks_.get(), topic.c_str(), partition, &low, &high, timeout_ms_))
        throw GroupOffsetsError("cannot read the earliest offset of " + topic + "[" + std::to_string(partition) +
                                "]: " + rd_kafka_err2str(err));
    return low;
}

void GroupOffsets::commit(const std::vector<std::string>& topics, const std::vector<PartitionOffset>& offsets) {
    if (offsets.empty()) return;
    auto member = client("rest-offsets");
    rd_kafka_t* rk = member.get();
    auto subscription = make_partition_list(topics.size());
    for (const auto& t : topics) rd_kafka_topic_partition_list_add(subscription.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
    if (auto err = rd_kafka_subscribe(rk, subscription.get()))
        throw GroupOffsetsError("cannot join group " + group_ + ": " + rd_kafka_err2str(err));
    auto wanted = to_partition_list(offsets);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    auto assigned = [&] {
        rd_kafka_topic_partition_list_t* a = nullptr;
        if (rd_kafka_assignment(rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
        bool all = true;
        for (int i = 0; i < wanted->cnt; ++i)
            if (!rd_kafka_topic_partition_list_find(a, wanted->elems[i].topic, wanted->elems[i].partition)) all = false;
        rd_kafka_topic_partition_list_destroy(a);
        return all;
    };
    while (!assigned()) {
        if (std::chrono::steady_clock::now() > deadline) {
            rd_kafka_consumer_close(rk);
            throw GroupOffsetsError("group " + group_ + " did not assign the partitions within 30 s (is a consumer of it still running?)",
                                    true);
        }
        if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100)) rd_kafka_message_destroy(m);  // nothing is committed from these
    }
    rd_kafka_resp_err_t err = rd_kafka_commit(rk, wanted.get(), 0);
    rd_kafka_consumer_close(rk);
    if (err) throw GroupOffsetsError("cannot commit offsets for group " + group_ + ": " + rd_kafka_err2str(err));
}

}  // namespace sluice::kafka
