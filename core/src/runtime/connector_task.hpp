// What source and sink tasks have in common: the connector they belong to, its plugin
// instance (created through the ABI with a host of its own), their Kafka client, the
// connector's transform chain, and its error policy.
#pragma once

#include "config/pipeline_config.hpp"
#include "plugin/instance.hpp"
#include "runtime/environment.hpp"
#include "runtime/error_handler.hpp"
#include "runtime/tap.hpp"
#include "runtime/task.hpp"
#include "runtime/task_host.hpp"
#include "runtime/transform_chain.hpp"

#include <functional>
#include <memory>

namespace sluice::runtime {

class ConnectorTask : public Task {
protected:
    ConnectorTask(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin, int task_id);

    // Creates the plugin instance and the transform chain; on failure the task is FAILED
    // with the plugin's message.
    bool create_instance(const offsets::OffsetStore* stored_offsets);
    // This task's Kafka clients (named after the task); on failure the task is FAILED and
    // the client null.
    std::unique_ptr<kafka::Producer> open_producer(kafka::Producer::DeliveryHandler on_delivery);
    std::unique_ptr<kafka::Consumer> open_consumer(const kafka::Properties& properties, kafka::Consumer::Listener& listener);

    // A record the plugin reported through report_errant (ABI 1.1): OK when the policy
    // tolerated it, FATAL once the task is FAILED.
    virtual sluice_status errant(const sluice_record& record, std::string_view message) = 0;
    // Creates the dead-letter topic when the worker creates topics (embedded cluster, or
    // topic.creation.enable). Logs instead of failing: the topic may exist already.
    void ensure_dead_letter_topic();
    // The stop-aware sleep retries use.
    Retrier::Sleep sleeper() {
        return [this](std::chrono::milliseconds d) { return sleep_for(d); };
    }

    Environment env_;
    config::ConnectorSpec spec_;
    plugin::PluginPtr plugin_;
    std::unique_ptr<TaskHost> host_;
    std::unique_ptr<plugin::Instance> instance_;
    metrics::BatchInstruments batch_metrics_;  // poll (sources) or put (sinks)
    ErrorHandler errors_;
    std::unique_ptr<TransformChain> chain_;  // null when the connector has no transforms
    Retrier chain_retrier_;                  // transforms: errors.retry.timeout 0 = no retry
    Retrier call_retrier_;                   // poll, put: errors.retry.timeout 0 = retry without end
    ChainOutput chain_out_;
    // The live record tap (GET /connectors/{name}/tap): one atomic load per record unless watched.
    TapPoint tap_{spec_.name, task_id(), spec_.kind == config::ConnectorKind::source ? "source" : "sink"};
};

}  // namespace sluice::runtime
