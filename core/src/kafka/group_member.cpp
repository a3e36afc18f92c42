#include "kafka/group_member.hpp"

#include "common/log.hpp"

#include <cstring>

namespace sluice::kafka {
namespace {

// A slot is its topic's partition 0: a slot topic auto-created with more partitions (a broker
// without CreateTopics) still has one owner per slot.
std::set<std::string> topics_of(const rd_kafka_topic_partition_list_t* partitions) {
    std::set<std::string> out;
    for (int i = 0; i < partitions->cnt; ++i)
        if (partitions->elems[i].partition == 0) out.insert(partitions->elems[i].topic);
    return out;
}

}  // namespace

GroupMember::GroupMember(Cluster& cluster, Settings settings, Handlers handlers)
    : cluster_(cluster), settings_(std::move(settings)), handlers_(std::move(handlers)) {}

GroupMember::~GroupMember() { close(); }

bool GroupMember::open(std::string& error) {
    Properties props = cluster_.consumer_properties();
    props["group.id"] = settings_.group_id;
    props["partition.assignment.strategy"] = "cooperative-sticky";
    props["session.timeout.ms"] = std::to_string(settings_.session_timeout_ms);
    props["heartbeat.interval.ms"] = std::to_string(std::max<int64_t>(settings_.session_timeout_ms / 4, 100));
    props["enable.auto.commit"] = "false";
    props["allow.auto.create.topics"] = "true";  // where CreateTopics is missing (see topics_of)
    props["topic.metadata.refresh.interval.ms"] = "5000";
    if (settings_.instance_id) props["group.instance.id"] = *settings_.instance_id;
    client_ = open_client(RD_KAFKA_CONSUMER, "placement", props, this,
                          [](rd_kafka_conf_t* conf) { rd_kafka_conf_set_rebalance_cb(conf, &GroupMember::on_rebalance); }, error);
    if (!client_) return false;
    rd_kafka_poll_set_consumer(client_.get());
    return true;
}

bool GroupMember::subscribe(const std::set<std::string>& topics, std::string& error) {
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (topics.empty()) {
        if (subscribed_) err = rd_kafka_unsubscribe(client_.get());
        subscribed_ = false;
    } else {
        rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
        for (const auto& t : topics) rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
        err = rd_kafka_subscribe(client_.get(), list);
        rd_kafka_topic_partition_list_destroy(list);
        subscribed_ = true;
    }
    if (err) error = rd_kafka_err2str(err);
    return !err;
}

void GroupMember::poll(int timeout_ms) {
    if (fatal_) return;
    rd_kafka_message_t* m = rd_kafka_consumer_poll(client_.get(), timeout_ms);
    if (!m) return;
    if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
        // E.g. another member joined with our group.instance.id (two workers with one worker.id):
        // this member is out of the group for good, and its slots are someone else's.
        char reason[512] = "";
        rd_kafka_fatal_error(client_.get(), reason, sizeof reason);
        log::error("placement group ", settings_.group_id, ": this worker was removed from the group (", reason,
                   "); ending its tasks. Is another worker running with the same worker.id?");
        fatal_ = true;
        auto owned = owned_;
        owned_.clear();
        if (handlers_.revoked && !owned.empty()) handlers_.revoked(owned, true);
        rd_kafka_message_destroy(m);
        return;
    }
    // Slot topics hold no records; what comes is an event worth a line, never data.
    if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && m->err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        log::warn("placement group ", settings_.group_id, ": ", rd_kafka_message_errstr(m));
    rd_kafka_message_destroy(m);
}

void GroupMember::on_rebalance(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* self = static_cast<GroupMember*>(static_cast<ClientContext*>(opaque)->owner);
    self->rebalance(err, partitions);
}

void GroupMember::read_generation() {
    // librdkafka 2.0 has no getter for the generation; its serialized group metadata carries it
    // right after the "CGMDv2:" magic, as a native int32.
    rd_kafka_consumer_group_metadata_t* meta = rd_kafka_consumer_group_metadata(client_.get());
    if (!meta) return;
    void* buffer = nullptr;
    size_t size = 0;
    if (rd_kafka_error_t* e = rd_kafka_consumer_group_metadata_write(meta, &buffer, &size)) {
        rd_kafka_error_destroy(e);
    } else {
        constexpr char kMagic[] = "CGMDv2:";
        constexpr size_t kMagicSize = sizeof kMagic - 1;
        if (size >= kMagicSize + sizeof(int32_t) && std::memcmp(buffer, kMagic, kMagicSize) == 0)
            std::memcpy(&generation_, static_cast<const char*>(buffer) + kMagicSize, sizeof(int32_t));
        rd_kafka_mem_free(client_.get(), buffer);
    }
    rd_kafka_consumer_group_metadata_destroy(meta);
}

void GroupMember::rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
    rd_kafka_t* rk = client_.get();
    ++rebalances_;
    auto topics = topics_of(partitions);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, partitions)) {
            log::error("placement group ", settings_.group_id, ": assign: ", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        }
        assigned_once_ = true;
        owned_.insert(topics.begin(), topics.end());
        read_generation();
        if (handlers_.assigned) handlers_.assigned(topics);
        return;
    }
    const bool lost = rd_kafka_assignment_lost(rk);
    for (const auto& t : topics) owned_.erase(t);
    // The tasks end here, before the partitions are given up: their next owner is assigned
    // them only in the rebalance that follows this one.
    if (handlers_.revoked) handlers_.revoked(topics, lost);
    if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, partitions)) {
        log::error("placement group ", settings_.group_id, ": unassign: ", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
    }
}

void GroupMember::close() {
    if (!client_) return;
    // librdkafka before 2.3 aborts the process when a cooperative-sticky consumer is closed
    // between its first JoinGroup answer and its first assignment (issue 4312): such a member
    // is left for the process exit to reclaim instead.
    if (!assigned_once_ && rd_kafka_version() < 0x020300ff) {
        client_.abandon();
        return;
    }
    rd_kafka_consumer_close(client_.get());
    client_.reset();
}

}  // namespace sluice::kafka
