#include "kafka/mock_cluster.hpp"


namespace sluice::kafka {

std::unique_ptr<MockCluster> MockCluster::start(int brokers, std::string& error) {
    std::unique_ptr<MockCluster> m(new MockCluster());
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

bool MockCluster::create_topic(const std::string& topic, int partitions, std::string& error) {
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        error = rd_kafka_err2str(err);
        return false;
    }
    return true;
}

}  // namespace sluice::kafka
