// What the worker's Kafka clients are given: consumers read committed records only, so
// that an exactly-once source's aborted transactions never reach a sink nor the offsets
// topic's reader; a kafka.consumer property still overrides the default.
#include "kafka/cluster.hpp"

#include <doctest/doctest.h>

using namespace sluice;

TEST_CASE("cluster: consumers read with isolation.level=read_committed unless the worker file says otherwise") {
    config::WorkerConfig worker;
    worker.bootstrap_servers = "127.0.0.1:9";  // never contacted
    std::string error;
    auto cluster = kafka::Cluster::connect(worker, error);
    REQUIRE_MESSAGE(cluster, error);
    CHECK(cluster->consumer_properties().at("isolation.level") == "read_committed");
    CHECK(cluster->producer_properties().count("transactional.id") == 0);  // only exactly-once source tasks add one

    worker.consumer_properties["isolation.level"] = "read_uncommitted";
    auto uncommitted = kafka::Cluster::connect(worker, error);
    REQUIRE_MESSAGE(uncommitted, error);
    CHECK(uncommitted->consumer_properties().at("isolation.level") == "read_uncommitted");
}

TEST_CASE("cluster: a transactional.id for every producer is refused with what to do instead") {
    config::WorkerConfig worker;
    worker.bootstrap_servers = "127.0.0.1:9";
    worker.producer_properties["transactional.id"] = "mine";
    std::string error;
    CHECK_FALSE(kafka::Cluster::connect(worker, error));
    CHECK(error.find("transactional.id in kafka.producer is refused") != std::string::npos);
    CHECK(error.find("exactly.once.source.support: enabled") != std::string::npos);
}
