// What source and sink tasks have in common: the connector they belong to, its plugin
// instance (created through the ABI with a host of its own), and their Kafka client.
#pragma once

#include "config/pipeline_config.hpp"
#include "kafka/client.hpp"
#include "plugin/instance.hpp"
#include "runtime/environment.hpp"
#include "runtime/task.hpp"
#include "runtime/task_host.hpp"

#include <functional>
#include <memory>

namespace sluice::runtime {

class ConnectorTask : public Task {
protected:
    ConnectorTask(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin, int task_id);

    // Creates the plugin instance; on failure the task is FAILED with the plugin's message.
    bool create_instance(const offsets::OffsetStore* stored_offsets);
    // A Kafka client of this task, its callbacks routed to `this`; `configure` adds them.
    // On failure the task is FAILED and the client is empty.
    kafka::Client open_client(rd_kafka_type_t type, const kafka::Properties& properties,
                              const std::function<void(rd_kafka_conf_t*)>& configure);

    Environment env_;
    config::ConnectorSpec spec_;
    plugin::PluginPtr plugin_;
    std::unique_ptr<TaskHost> host_;
    std::unique_ptr<plugin::Instance> instance_;
    metrics::BatchInstruments batch_metrics_;  // poll (sources) or put (sinks)
};

}  // namespace sluice::runtime
