// What every task of a worker shares: configuration, the Kafka cluster, stored offsets,
// and the backpressure gate.
#pragma once

#include "config/worker_config.hpp"
#include "kafka/clients.hpp"
#include "kafka/cluster.hpp"
#include "metrics/metrics.hpp"
#include "offsets/offset_store.hpp"
#include "runtime/flow_control.hpp"
#include "runtime/task_placement.hpp"

#include <string>

namespace sluice::plugin {
class Registry;
}

namespace sluice::runtime {

struct Environment {
    const config::WorkerConfig& worker;
    kafka::Cluster& cluster;
    offsets::OffsetStore& offsets;
    FlowControl& flow;
    std::string worker_id;
    metrics::Metrics* metrics = nullptr;  // none in tools and tests that do not scrape
    const plugin::Registry* plugins = nullptr;  // where connector chains find their transforms and predicates
    kafka::ClientFactory* clients = nullptr;    // where tasks get Kafka clients; null: librdkafka's
    const TaskPlacement* placement = nullptr;   // which tasks run here; null: every task (standalone)

    bool runs_here(const std::string& connector, int task_id) const { return !placement || placement->runs(connector, task_id); }

    kafka::ClientFactory& kafka_clients() const { return clients ? *clients : kafka::librdkafka_clients(); }
};

}  // namespace sluice::runtime
