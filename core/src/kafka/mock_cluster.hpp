// librdkafka's in-process mock cluster: the embedded default and the Kafka of tests.
// In memory only: no persistence, ~5 MiB kept per partition, no admin API, no compaction.
#pragma once

#include "kafka/client.hpp"

#include <librdkafka/rdkafka_mock.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace sluice::kafka {

class MockCluster {
public:
    // nullptr (and error set) when it cannot start. The cluster keeps ~5 MiB per partition
    // and can never delete a topic, so it holds at most `max_partitions` partitions in all:
    // that is what bounds the worker's memory.
    static std::unique_ptr<MockCluster> start(int brokers, int max_partitions, std::string& error);
    ~MockCluster();
    MockCluster(const MockCluster&) = delete;
    MockCluster& operator=(const MockCluster&) = delete;

    const std::string& bootstrap_servers() const { return bootstrap_; }
    // The topic's partition count, creating it with `partitions` when it does not exist yet;
    // nullopt (and error set) when that would pass max_partitions, or creation fails.
    std::optional<int> ensure_topic(const std::string& topic, int partitions, std::string& error);
    int partitions_used() const;

private:
    MockCluster() = default;
    int max_partitions_ = 0;
    mutable std::mutex mutex_;
    std::map<std::string, int> topics_;  // every topic ever created, with its partitions
    int partitions_used_ = 0;
    Client handle_;  // the cluster lives as long as this client
    rd_kafka_mock_cluster_t* cluster_ = nullptr;
    std::string bootstrap_;
};

}  // namespace sluice::kafka
