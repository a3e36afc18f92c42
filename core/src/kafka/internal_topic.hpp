// The worker's own compacted topics (the offsets topic; a cluster's config and status topics
// build on the same): created with the partitions and replication factor the worker file
// gives, and refused when they exist but are not compacted. A topic the broker deleted by
// retention.ms would forget every source offset older than that, silently, which is what a
// broker's auto-creation (cleanup.policy=delete) gives; Kafka Connect refuses the same.
#pragma once

#include "kafka/cluster.hpp"

#include <optional>
#include <string>

namespace sluice::kafka {

struct InternalTopic {
    std::string name;
    std::string purpose;      // "offsets", for messages
    std::string settings;     // the worker keys that shape it, e.g. "offsets.topic.*"
    int partitions = 25;
    int replication = 3;      // -1: the broker's default (Kafka 2.4 and newer)
};

// What the broker said about the topic's cleanup.policy; nullopt when it could not tell
// (no DescribeConfigs on this broker, no answer).
struct TopicCheck {
    bool exists = false;
    std::optional<std::string> cleanup_policy;
};

// nullopt when the topic is ready (or cannot be checked: a warning is logged); otherwise
// why the worker must not start, with how to fix it.
std::optional<std::string> ensure_internal_topic(Cluster& cluster, const InternalTopic& topic);

// The verdict alone, from what the broker answered (unit-tested without a broker).
std::optional<std::string> internal_topic_problem(const InternalTopic& topic, const std::optional<std::string>& cleanup_policy);
// Why creating it failed, in words that say what to change.
std::string creation_problem(const InternalTopic& topic, const std::string& broker_error);

}  // namespace sluice::kafka
