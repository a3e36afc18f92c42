#include "kafka/mock_cluster.hpp"


namespace sluice::kafka {

std::unique_ptr<MockCluster> MockCluster::start(int brokers, int max_partitions, std::string& error) {
    std::unique_ptr<MockCluster> m(new MockCluster());
    m->max_partitions_ = max_partitions;
    ClientConfig config("embedded-cluster");
    // The host client never connects anywhere; silence its "no bootstrap.servers" warning.
    config.set("log_level", "3");
    m->handle_ = Client(RD_KAFKA_PRODUCER, config, error);
    if (!m->handle_) return nullptr;
    m->cluster_ = rd_kafka_mock_cluster_new(m->handle_.get(), brokers);
    if (m->cluster_ == nullptr) {
        error = "cannot start the embedded Kafka cluster";
        return nullptr;
    }
    m->bootstrap_ = rd_kafka_mock_cluster_bootstraps(m->cluster_);
    return m;
}

MockCluster::~MockCluster() {
    if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
}

std::optional<int> MockCluster::ensure_topic(const std::string& topic, int partitions, std::string& error) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = topics_.find(topic); it != topics_.end()) return it->second;
        if (partitions_used_ + partitions > max_partitions_) {
            error = "the embedded Kafka cluster is full: topic " + topic + " needs " + std::to_string(partitions) +
                    " partition(s) and " + std::to_string(partitions_used_) + " of its " + std::to_string(max_partitions_) +
                    " are taken (kafka.embedded.max.partitions; each keeps up to ~5 MiB in memory and the embedded cluster "
                    "cannot delete topics). Reuse an existing topic, raise the limit, or use a real Kafka cluster";
            return std::nullopt;
        }
        partitions_used_ += partitions;  // reserved while the mock's thread creates it
    }
    // Not under the lock: each creation waits for the mock's thread, and creations from
    // several threads are then served together.
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1);
    std::lock_guard lock(mutex_);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        partitions_used_ -= partitions;
        if (auto it = topics_.find(topic); it != topics_.end()) return it->second;  // created meanwhile by another caller
        if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) return partitions;     // another caller is recording it
        error = "cannot create topic " + topic + " in the embedded cluster: " + rd_kafka_err2str(err);
        return std::nullopt;
    }
    if (auto it = topics_.find(topic); it != topics_.end()) {
        partitions_used_ -= partitions;  // another caller created it meanwhile
        return it->second;
    }
    topics_[topic] = partitions;
    return partitions;
}

int MockCluster::partitions_used() const {
    std::lock_guard lock(mutex_);
    return partitions_used_;
}

}  // namespace sluice::kafka
