// What a source task and a sink task each hold of their connector: the spec and the
// worker's environment, the plugin and the host it calls back through, the transform
// chain, the error policy with its retriers, the batch metrics and the tap. A part the
// task owns (not a base class): the task passes in what it is (its id, counters, stop
// flag, stop-aware sleep, report_errant handler).
#pragma once

#include "config/pipeline_config.hpp"
#include "plugin/instance.hpp"
#include "runtime/environment.hpp"
#include "runtime/error_handler.hpp"
#include "runtime/tap.hpp"
#include "runtime/task.hpp"
#include "runtime/task_host.hpp"
#include "runtime/transform_chain.hpp"

#include <memory>
#include <string>

namespace sluice::runtime {

struct ConnectorParts {
    ConnectorParts(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin, const Task& task,
                   ErrorCounters& error_counters, Retrier::Sleep sleep);

    // The task's plugin instance (with a host of its own whose report_errant goes to
    // `errant`) and the transform chain; null with `error` set (the plugin's message) on
    // failure. In this process, or in a plugin host process when the connector's
    // plugin.isolation is process (docs/plugin-isolation.md).
    std::unique_ptr<plugin::Source> create_source(const offsets::OffsetStore* stored_offsets, TaskHost::ErrantHandler errant,
                                                  std::string& error);
    std::unique_ptr<plugin::Sink> create_sink(TaskHost::ErrantHandler errant, std::string& error);
    // The task's Kafka clients (named after the task); null with `error` set on failure.
    // `extra`: properties over the worker's (a transactional source's transactional.id).
    std::unique_ptr<kafka::Producer> open_producer(kafka::Producer::DeliveryHandler on_delivery, std::string& error,
                                                   const kafka::Properties& extra = {});
    std::unique_ptr<kafka::Consumer> open_consumer(const kafka::Properties& properties, kafka::Consumer::Listener& listener,
                                                   std::string& error);
    // Creates the dead-letter topic when the worker creates topics (embedded cluster, or
    // topic.creation.enable). Logs instead of failing: the topic may exist already.
    void ensure_dead_letter_topic();

    Environment env;
    config::ConnectorSpec spec;
    plugin::PluginPtr plugin;
    const Task& task;
    Retrier::Sleep sleep;  // the stop-aware sleep retries use
    std::unique_ptr<TaskHost> host;
    metrics::BatchInstruments batch_metrics;  // poll (sources) or put (sinks)
    ErrorHandler errors;
    std::unique_ptr<TransformChain> chain;  // null when the connector has no transforms
    Retrier chain_retrier;                  // transforms: errors.retry.timeout 0 = no retry
    Retrier call_retrier;                   // poll, put: errors.retry.timeout 0 = retry without end
    ChainOutput chain_out;
    // The live record tap (GET /connectors/{name}/tap): one atomic load per record unless watched.
    TapPoint tap;

    // The connector's isolation: its overrides over the worker's defaults.
    config::IsolationPolicy isolation() const { return spec.isolation.over(env.worker.plugin_isolation); }

private:
    template <class Local, class Interface>
    std::unique_ptr<Interface> create_plugin(const offsets::OffsetStore* stored_offsets, TaskHost::ErrantHandler errant,
                                             std::string& error);
    bool create_host(const offsets::OffsetStore* stored_offsets, TaskHost::ErrantHandler errant);
    bool create_chain(std::string& error);
};

}  // namespace sluice::runtime
