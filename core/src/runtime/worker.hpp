// The worker: reaches Kafka (or starts the embedded cluster), reads stored offsets, and
// runs connectors. One per process.
#pragma once

#include "config/pipeline_config.hpp"
#include "config/worker_config.hpp"
#include "kafka/cluster.hpp"
#include "offsets/offset_store.hpp"
#include "plugin/registry.hpp"
#include "runtime/connector.hpp"
#include "runtime/flow_control.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace sluice::runtime {

class Worker {
public:
    Worker(config::WorkerConfig config, plugin::Registry& registry);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Connects to Kafka, prepares and reads the offsets topic.
    bool start(std::string& error);
    // Every connector's pre-flight check (plugin test callbacks); the failures.
    std::vector<std::string> preflight(const std::vector<config::PipelineSpec>& pipelines);
    // Creates the source topics and starts every connector.
    bool launch(const std::vector<config::PipelineSpec>& pipelines, std::string& error);

    void request_stop();
    // True when every task ended before the deadline.
    bool wait(std::chrono::steady_clock::time_point deadline);

    std::vector<ConnectorReport> reports() const;
    const std::string& id() const { return id_; }
    kafka::Cluster* cluster() { return cluster_.get(); }
    const offsets::OffsetStore* offsets() const { return offsets_.get(); }

private:
    config::WorkerConfig config_;
    plugin::Registry& registry_;
    std::string id_;
    std::unique_ptr<kafka::Cluster> cluster_;
    std::unique_ptr<offsets::OffsetStore> offsets_;
    std::unique_ptr<FlowControl> flow_;
    std::vector<std::unique_ptr<Connector>> connectors_;
};

}  // namespace sluice::runtime
