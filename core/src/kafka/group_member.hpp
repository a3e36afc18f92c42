// Membership of a consumer group used for placement, not for reading: the worker subscribes
// to a set of topics (a cluster's slot topics) and learns which of them the group's
// cooperative-sticky assignor gives it. Rebalances are incremental: only the partitions that
// move are revoked, and the revoke handler runs (and must finish its work) before they are
// given up, so their next owner gets them only after. All calls on one thread.
#pragma once

#include "kafka/cluster.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>

namespace sluice::kafka {

class GroupMember {
public:
    struct Handlers {
        std::function<void(const std::set<std::string>& topics)> assigned;
        // Before the topics are given up; `lost`: the session expired, others may own them already.
        std::function<void(const std::set<std::string>& topics, bool lost)> revoked;
    };
    struct Settings {
        std::string group_id;
        std::optional<std::string> instance_id;  // static membership (Kafka 2.3+)
        int64_t session_timeout_ms = 10000;
    };

    GroupMember(Cluster& cluster, Settings settings, Handlers handlers);
    ~GroupMember();
    GroupMember(const GroupMember&) = delete;
    GroupMember& operator=(const GroupMember&) = delete;

    bool open(std::string& error);
    // Subscribes to exactly `topics` (none: leaves the group's assignment).
    bool subscribe(const std::set<std::string>& topics, std::string& error);
    // Serves heartbeats and rebalances (handlers run inside).
    void poll(int timeout_ms);
    // The group generation of the latest assignment (-1 before the first).
    int32_t generation() const { return generation_; }
    const std::set<std::string>& owned() const { return owned_; }
    uint64_t rebalances() const { return rebalances_; }
    bool failed() const { return fatal_; }
    // Leaves the group (a static member does not: its partitions wait a session timeout for it).
    void close();

private:
    static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions, void* opaque);
    void rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
    void read_generation();

    Cluster& cluster_;
    Settings settings_;
    Handlers handlers_;
    Client client_;
    std::set<std::string> owned_;
    int32_t generation_ = -1;
    uint64_t rebalances_ = 0;
    bool assigned_once_ = false;
    bool subscribed_ = false;
    bool fatal_ = false;  // fenced or failed for good: no more polls
};

}  // namespace sluice::kafka
