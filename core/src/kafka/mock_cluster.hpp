// librdkafka's in-process mock cluster: the embedded default and the Kafka of tests.
// In memory only: no persistence, ~5 MiB kept per partition, no admin API, no compaction.
#pragma once

#include "kafka/client.hpp"

#include <librdkafka/rdkafka_mock.h>

#include <memory>
#include <string>

namespace sluice::kafka {

class MockCluster {
public:
    // nullptr (and error set) when it cannot start.
    static std::unique_ptr<MockCluster> start(int brokers, std::string& error);
    ~MockCluster();
    MockCluster(const MockCluster&) = delete;
    MockCluster& operator=(const MockCluster&) = delete;

    const std::string& bootstrap_servers() const { return bootstrap_; }
    // Creates a topic with the given partitions; false when it exists or fails.
    bool create_topic(const std::string& topic, int partitions, std::string& error);

private:
    MockCluster() = default;
    Client handle_;  // the cluster lives as long as this client
    rd_kafka_mock_cluster_t* cluster_ = nullptr;
    std::string bootstrap_;
};

}  // namespace sluice::kafka
