// How this worker reaches Kafka: a real cluster at bootstrap.servers, or the embedded
// in-memory one. Hands out client properties and makes sure topics exist.
#pragma once

#include "config/worker_config.hpp"
#include "kafka/client.hpp"
#include "kafka/mock_cluster.hpp"

#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace sluice::kafka {

class Cluster {
public:
    // nullptr (and error set) when the configuration is unusable.
    static std::unique_ptr<Cluster> connect(const config::WorkerConfig& worker, std::string& error);
    ~Cluster();

    bool embedded() const { return mock_ != nullptr; }
    const std::string& bootstrap_servers() const { return bootstrap_; }

    // bootstrap.servers + sluice's defaults + kafka.properties + kafka.producer/consumer.
    Properties producer_properties() const;
    Properties consumer_properties() const;
    Properties admin_properties() const;

    // Makes sure the topic exists: the embedded cluster creates it directly (error set when
    // it is full), a real one through the Admin API; when that is refused or unanswered, the
    // broker's auto-creation is left to do it. Returns the partition count when known.
    std::optional<int> ensure_topic(const std::string& topic, int partitions, int replication,
                                    const Properties& topic_configs, std::string& error);
    // One metadata round trip: false (and error set) when no broker answers in time.
    bool reachable(int timeout_ms, std::string& error);
    // Partitions of an existing topic; nullopt when the topic does not exist (or no answer).
    std::optional<int> partition_count(const std::string& topic, int timeout_ms, std::string& error);

    // CreateTopics through the Admin API (real brokers; the embedded cluster creates directly).
    struct Creation {
        bool created = false;   // or it existed already
        bool answered = false;  // false: no answer, or the broker has no CreateTopics
        std::string error;      // the broker's reason when not created
    };
    Creation create_topic(const std::string& topic, int partitions, int replication, const Properties& topic_configs);
    // One configuration value of a topic (DescribeConfigs); nullopt with `error` when the
    // broker cannot say (no such API, no answer).
    std::optional<std::string> topic_config(const std::string& topic, const std::string& key, std::string& error);

private:
    Cluster() = default;
    rd_kafka_t* admin(std::string& error);

    config::WorkerConfig worker_;
    std::unique_ptr<MockCluster> mock_;
    std::string bootstrap_;
    std::mutex admin_mutex_;
    Client admin_;
};

}  // namespace sluice::kafka
