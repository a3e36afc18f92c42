#include "kafka/internal_topic.hpp"

#include "common/log.hpp"

namespace sluice::kafka {

std::optional<std::string> internal_topic_problem(const InternalTopic& topic, const std::optional<std::string>& cleanup_policy) {
    if (!cleanup_policy || cleanup_policy->find("compact") != std::string::npos) return std::nullopt;
    return "the " + topic.purpose + " topic " + topic.name + " has cleanup.policy=" + *cleanup_policy +
           ": the broker would delete records older than its retention.ms and forget every " + topic.purpose +
           " kept there. Make it compacted (kafka-configs.sh --bootstrap-server ... --alter --entity-type topics "
           "--entity-name " + topic.name + " --add-config cleanup.policy=compact), or delete it and let sluice create it";
}

std::string creation_problem(const InternalTopic& topic, const std::string& broker_error) {
    std::string hint;
    if (topic.replication == -1)
        hint = " (replication factor -1, the broker's default, needs Kafka 2.4 or newer: set " + topic.settings +
               "replication.factor to a number)";
    else if (broker_error.find("eplication factor") != std::string::npos || broker_error.find("brokers") != std::string::npos)
        hint = " (a single-broker development cluster needs " + topic.settings + "replication.factor: 1)";
    return "cannot create the " + topic.purpose + " topic " + topic.name + " with " + std::to_string(topic.partitions) +
           " partitions and replication factor " + std::to_string(topic.replication) + ": " + broker_error + hint +
           ". Create it yourself, compacted (cleanup.policy=compact), or fix " + topic.settings + "*";
}

std::optional<std::string> ensure_internal_topic(Cluster& cluster, const InternalTopic& topic) {
    const Properties compacted = {{"cleanup.policy", "compact"}};
    if (cluster.embedded()) {  // created directly; the embedded cluster never deletes nor compacts
        std::string error;
        if (!cluster.ensure_topic(topic.name, topic.partitions, 1, compacted, error)) return error;
        return std::nullopt;
    }
    if (topic.replication == 1)
        log::warn("the ", topic.purpose, " topic ", topic.name, " has replication factor 1 (", topic.settings,
                  "replication.factor): losing one broker loses it. Fine for a single-broker development cluster only");
    std::string error;
    const bool exists = cluster.partition_count(topic.name, 10000, error).has_value();
    if (!exists) {
        Cluster::Creation c = cluster.create_topic(topic.name, topic.partitions, topic.replication, compacted);
        if (c.created) {
            log::info("created the ", topic.purpose, " topic ", topic.name, " (", topic.partitions, " partitions, replication ",
                      topic.replication, ", compacted)");
            return std::nullopt;
        }
        if (c.answered) return creation_problem(topic, c.error);
        // No Admin API (librdkafka's mock cluster): the broker's auto-creation makes it on first use.
        log::warn("could not create the ", topic.purpose, " topic ", topic.name, " (", c.error,
                  "); the broker's auto-creation will make it, and its cleanup.policy cannot be checked");
        return std::nullopt;
    }
    auto policy = cluster.topic_config(topic.name, "cleanup.policy", error);
    if (!policy) {
        log::warn("cannot check that the ", topic.purpose, " topic ", topic.name, " is compacted (", error, ")");
        return std::nullopt;
    }
    return internal_topic_problem(topic, policy);
}

}  // namespace sluice::kafka
