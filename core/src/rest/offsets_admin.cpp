#include "rest/offsets_admin.hpp"

#include "common/log.hpp"
#include "offsets/offset_codec.hpp"
#include "rest/router.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <memory>

namespace sluice::rest {

namespace {

constexpr int kTimeoutMs = 10000;

using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)>;

PartitionList make_list(int size) { return {rd_kafka_topic_partition_list_new(size), &rd_kafka_topic_partition_list_destroy}; }

std::string group_of(const config::ConnectorSpec& spec) { return "sluice-" + spec.name; }

// A consumer of the connector's group "sluice-<connector>".
kafka::Client group_client(runtime::Worker& worker, const config::ConnectorSpec& spec) {
    kafka::ClientConfig config("rest-offsets");
    kafka::Properties props = worker.cluster()->consumer_properties();
    props["group.id"] = group_of(spec);
    props["enable.auto.commit"] = "false";
    props["enable.auto.offset.store"] = "false";
    // Same assignor as the sink's members (a group has one protocol). A short session: a
    // member of an earlier call that did not leave cleanly holds the next join up no longer.
    props["session.timeout.ms"] = "3000";
    props["heartbeat.interval.ms"] = "500";
    if (auto e = config.set_all(props)) throw ApiError(503, "Kafka client for group " + group_of(spec) + ": " + *e);
    std::string error;
    kafka::Client client(RD_KAFKA_CONSUMER, config, error);
    if (!client) throw ApiError(503, "Kafka client for group " + group_of(spec) + ": " + error);
    return client;
}

PartitionList all_partitions(runtime::Worker& worker, const config::ConnectorSpec& spec) {
    auto list = make_list(8);
    for (const auto& topic : spec.topics) {
        std::string error;
        auto count = worker.cluster()->partition_count(topic, kTimeoutMs, error);
        if (!count) {
            if (!error.empty()) throw ApiError(503, "topic " + topic + ": " + error);
            continue;  // not created yet: nothing committed
        }
        for (int p = 0; p < *count; ++p) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p);
    }
    return list;
}

// OffsetFetch needs no membership.
PartitionList committed(runtime::Worker& worker, const config::ConnectorSpec& spec) {
    auto list = all_partitions(worker, spec);
    if (list->cnt == 0) return list;
    auto client = group_client(worker, spec);
    rd_kafka_resp_err_t err = rd_kafka_committed(client.get(), list.get(), kTimeoutMs);
    if (err) throw ApiError(503, "cannot read the committed offsets of group " + group_of(spec) + ": " + rd_kafka_err2str(err));
    return list;
}

// Commits offsets for the group as a member of it: the group joins (it has no other
// member, the connector being STOPPED), commits synchronously and leaves. A plain
// commit from outside the group is refused by some brokers (the embedded cluster answers
// UNKNOWN_MEMBER_ID), and the Admin API's group calls are not served by it.
void commit_as_member(runtime::Worker& worker, const config::ConnectorSpec& spec, const rd_kafka_topic_partition_list_t* offsets) {
    if (offsets->cnt == 0) return;
    auto client = group_client(worker, spec);
    rd_kafka_t* rk = client.get();
    auto topics = make_list(static_cast<int>(spec.topics.size()));
    for (const auto& t : spec.topics) rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
    if (auto err = rd_kafka_subscribe(rk, topics.get()))
        throw ApiError(503, "cannot join group " + group_of(spec) + ": " + rd_kafka_err2str(err));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    auto assigned = [&] {
        rd_kafka_topic_partition_list_t* a = nullptr;
        if (rd_kafka_assignment(rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
        bool all = true;
        for (int i = 0; i < offsets->cnt; ++i)
            if (!rd_kafka_topic_partition_list_find(a, offsets->elems[i].topic, offsets->elems[i].partition)) all = false;
        rd_kafka_topic_partition_list_destroy(a);
        return all;
    };
    while (!assigned()) {
        if (std::chrono::steady_clock::now() > deadline) {
            rd_kafka_consumer_close(rk);
            throw ApiError(409, "group " + group_of(spec) + " did not assign the partitions within 30 s (is a consumer of it still running?)");
        }
        if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100)) rd_kafka_message_destroy(m);  // nothing is committed from these
    }
    rd_kafka_resp_err_t err = rd_kafka_commit(rk, offsets, 0);
    rd_kafka_consumer_close(rk);
    if (err) throw ApiError(503, "cannot commit offsets for group " + group_of(spec) + ": " + rd_kafka_err2str(err));
}

// "Reset" for a sink: the committed offset becomes the partition's earliest one (what a
// group without a committed offset reads with sluice's auto.offset.reset=earliest).
void add_earliest(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* out, const std::string& topic, int32_t partition) {
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &low, &high, kTimeoutMs);
    if (err) throw ApiError(503, "cannot read the earliest offset of " + topic + "[" + std::to_string(partition) + "]: " + rd_kafka_err2str(err));
    rd_kafka_topic_partition_list_add(out, topic.c_str(), partition)->offset = low;
}

struct Delivery {
    int failed = 0;
    std::string error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    auto* d = static_cast<Delivery*>(m->_private);
    if (d && m->err) {
        ++d->failed;
        d->error = rd_kafka_err2str(m->err);
    }
}

// Writes offset records (value "" = tombstone) as a source task would, and updates the store.
void write_source_offsets(runtime::Worker& worker, const std::string& connector,
                          const std::vector<std::pair<std::string, std::optional<std::string>>>& records) {
    if (records.empty()) return;
    kafka::ClientConfig config("rest-offsets");
    if (auto e = config.set_all(worker.cluster()->producer_properties())) throw ApiError(503, "offsets producer: " + *e);
    rd_kafka_conf_set_dr_msg_cb(config.get(), &on_delivery);
    std::string error;
    kafka::Client producer(RD_KAFKA_PRODUCER, config, error);
    if (!producer) throw ApiError(503, "offsets producer: " + error);
    Delivery delivery;
    const std::string& topic = worker.offsets()->topic();
    for (const auto& [partition, offset] : records) {
        std::string key = offsets::encode_key(connector, partition);
        void* value = offset ? const_cast<char*>(offset->data()) : nullptr;
        const size_t value_size = offset ? offset->size() : 0;
        rd_kafka_resp_err_t err = rd_kafka_producev(
            producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(key.data(), key.size()),
            RD_KAFKA_V_VALUE(value, value_size),
            RD_KAFKA_V_OPAQUE(&delivery), RD_KAFKA_V_END);
        if (err) throw ApiError(503, "cannot write to the offsets topic " + topic + ": " + rd_kafka_err2str(err));
    }
    if (rd_kafka_flush(producer.get(), kTimeoutMs) != RD_KAFKA_RESP_ERR_NO_ERROR)
        throw ApiError(503, "the offsets topic " + topic + " did not acknowledge the new offsets in time");
    if (delivery.failed)
        throw ApiError(503, std::to_string(delivery.failed) + " offset records were refused by the offsets topic " + topic + ": " + delivery.error);
    for (const auto& [partition, offset] : records) {
        if (offset) worker.offsets()->put(connector, partition, *offset);
        else worker.offsets()->erase(connector, partition);
    }
}

}  // namespace

nlohmann::json read_offsets(runtime::Worker& worker, const config::ConnectorSpec& spec) {
    nlohmann::json list = nlohmann::json::array();
    if (spec.kind == config::ConnectorKind::source) {
        for (const auto& [partition, offset] : worker.offsets()->offsets_of(spec.name))
            list.push_back({{"partition", nlohmann::json::parse(partition)}, {"offset", nlohmann::json::parse(offset)}});
        return {{"offsets", list}};
    }
    auto parts = committed(worker, spec);
    for (int i = 0; i < parts->cnt; ++i) {
        const auto& e = parts->elems[i];
        if (e.offset < 0) continue;  // nothing committed
        list.push_back({{"partition", {{"kafka_topic", e.topic}, {"kafka_partition", e.partition}}},
                        {"offset", {{"kafka_offset", e.offset}}}});
    }
    return {{"offsets", list}};
}

void alter_offsets(runtime::Worker& worker, const config::ConnectorSpec& spec, const nlohmann::json& offsets) {
    if (!offsets.is_array() || offsets.empty())
        throw ApiError(400, "expected {\"offsets\": [{\"partition\": {...}, \"offset\": {...}}, ...]} with at least one entry");
    if (spec.kind == config::ConnectorKind::source) {
        std::vector<std::pair<std::string, std::optional<std::string>>> records;
        for (const auto& e : offsets) {
            if (!e.is_object() || !e.contains("partition") || !e["partition"].is_object())
                throw ApiError(400, "every entry needs a 'partition' object (as GET /connectors/" + spec.name + "/offsets shows it)");
            const auto offset = e.value("offset", nlohmann::json());
            if (!offset.is_null() && !offset.is_object())
                throw ApiError(400, "'offset' must be an object, or null to reset the partition");
            records.emplace_back(*offsets::canonical_object(e["partition"].dump()),
                                 offset.is_null() ? std::nullopt : std::optional<std::string>(offset.dump()));
        }
        write_source_offsets(worker, spec.name, records);
        return;
    }
    auto commit = make_list(static_cast<int>(offsets.size()));
    kafka::Client watermarks;
    for (const auto& e : offsets) {
        const auto p = e.is_object() ? e.value("partition", nlohmann::json()) : nlohmann::json();
        if (!p.is_object() || !p.contains("kafka_topic") || !p["kafka_topic"].is_string() || !p.contains("kafka_partition") ||
            !p["kafka_partition"].is_number_integer())
            throw ApiError(400, "a sink partition is {\"kafka_topic\": <string>, \"kafka_partition\": <integer>}");
        const std::string topic = p["kafka_topic"].get<std::string>();
        const int partition = p["kafka_partition"].get<int>();
        if (std::find(spec.topics.begin(), spec.topics.end(), topic) == spec.topics.end())
            throw ApiError(400, "connector " + spec.name + " does not read topic " + topic);
        const auto offset = e.value("offset", nlohmann::json());
        if (offset.is_null()) {
            if (!watermarks) watermarks = group_client(worker, spec);  // never joins: watermark queries only
            add_earliest(watermarks.get(), commit.get(), topic, partition);
            continue;
        }
        if (!offset.is_object() || !offset.contains("kafka_offset") || !offset["kafka_offset"].is_number_integer() ||
            offset["kafka_offset"].get<int64_t>() < 0)
            throw ApiError(400, "a sink offset is {\"kafka_offset\": <integer >= 0>}, or null to reset the partition");
        rd_kafka_topic_partition_list_add(commit.get(), topic.c_str(), partition)->offset = offset["kafka_offset"].get<int64_t>();
    }
    commit_as_member(worker, spec, commit.get());
}

void reset_offsets(runtime::Worker& worker, const config::ConnectorSpec& spec) {
    if (spec.kind == config::ConnectorKind::source) {
        std::vector<std::pair<std::string, std::optional<std::string>>> records;
        for (const auto& [partition, offset] : worker.offsets()->offsets_of(spec.name)) records.emplace_back(partition, std::nullopt);
        write_source_offsets(worker, spec.name, records);
        return;
    }
    auto parts = committed(worker, spec);
    auto reset = make_list(parts->cnt);
    auto watermarks = group_client(worker, spec);  // never joins: watermark queries only
    for (int i = 0; i < parts->cnt; ++i)
        if (parts->elems[i].offset >= 0) add_earliest(watermarks.get(), reset.get(), parts->elems[i].topic, parts->elems[i].partition);
    commit_as_member(worker, spec, reset.get());
}

}  // namespace sluice::rest
