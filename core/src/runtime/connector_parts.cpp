#include "runtime/connector_parts.hpp"

#include "common/log.hpp"
#include "isolation/remote.hpp"
#include "plugin/registry.hpp"

namespace sluice::runtime {

ConnectorParts::ConnectorParts(Environment environment, config::ConnectorSpec connector, plugin::PluginPtr loaded,
                               const Task& owner, ErrorCounters& error_counters, Retrier::Sleep stop_aware_sleep)
    : env(std::move(environment)),
      spec(std::move(connector)),
      plugin(std::move(loaded)),
      task(owner),
      sleep(std::move(stop_aware_sleep)),
      errors(spec.errors, spec.name, owner.task_id(), error_counters),
      chain_retrier(spec.errors, false),
      call_retrier(spec.errors, true),
      tap(spec.name, owner.task_id(), spec.kind == config::ConnectorKind::source ? "source" : "sink") {
    if (env.metrics != nullptr)
        batch_metrics = env.metrics->batch(spec.name, owner.task_id(), spec.kind == config::ConnectorKind::source ? "poll" : "put");
}

template <class Local, class Interface>
std::unique_ptr<Interface> ConnectorParts::create_plugin(const offsets::OffsetStore* stored_offsets, TaskHost::ErrantHandler errant,
                                                         std::string& error) {
    if (!create_host(stored_offsets, std::move(errant))) return nullptr;
    std::unique_ptr<Interface> instance;
    const config::IsolationPolicy policy = isolation();
    if (policy.mode == config::Isolation::process) {
        isolation::RemoteSpec remote{plugin, spec.config, env.worker_id, spec.name, task.task_id(), spec.tasks, policy,
                                     env.worker.shutdown_timeout_ms};
        instance = isolation::create_remote<Interface>(remote, host->get(), error);
        if (!instance) return nullptr;
    } else {
        auto created = Local::create(plugin, spec.config, host->get());
        if (auto* outcome = std::get_if<plugin::Outcome>(&created)) {
            error = outcome->message;
            return nullptr;
        }
        instance = std::get<std::unique_ptr<Local>>(std::move(created));
    }
    if (!create_chain(error)) return nullptr;
    return instance;
}

std::unique_ptr<plugin::Source> ConnectorParts::create_source(const offsets::OffsetStore* stored_offsets, TaskHost::ErrantHandler errant,
                                                              std::string& error) {
    return create_plugin<plugin::SourceInstance, plugin::Source>(stored_offsets, std::move(errant), error);
}

std::unique_ptr<plugin::Sink> ConnectorParts::create_sink(TaskHost::ErrantHandler errant, std::string& error) {
    return create_plugin<plugin::SinkInstance, plugin::Sink>(nullptr, std::move(errant), error);
}

bool ConnectorParts::create_host(const offsets::OffsetStore* stored_offsets, TaskHost::ErrantHandler errant) {
    host = std::make_unique<TaskHost>(env.worker_id, spec.name, plugin->name, task.task_id(), spec.tasks, stored_offsets,
                                      &task.stop_flag());
    host->set_errant_handler(std::move(errant));
    return true;
}

bool ConnectorParts::create_chain(std::string& error) {
    if (spec.transforms.empty()) return true;
    ChainPlugins plugins;
    auto find = [&](config::ConnectorKind kind, const std::string& type) -> plugin::PluginPtr {
        return env.plugins ? env.plugins->get(kind, type) : nullptr;
    };
    for (const auto& t : spec.transforms) {
        plugins.transforms.push_back(find(config::ConnectorKind::transform, t.type));
        if (!plugins.transforms.back()) {
            error = "transform '" + t.name + "': the transform plugin " + t.type + " is not loaded";
            return false;
        }
    }
    for (const auto& p : spec.predicates) {
        plugins.predicates.push_back(find(config::ConnectorKind::predicate, p.type));
        if (!plugins.predicates.back()) {
            error = "predicate '" + p.name + "': the predicate plugin " + p.type + " is not loaded";
            return false;
        }
    }
    chain = TransformChain::create(spec, plugins, env.worker_id, task.task_id(), &task.stop_flag(), error);
    return chain != nullptr;
}

void ConnectorParts::ensure_dead_letter_topic() {
    if (!spec.errors.has_dlq() || !(env.worker.topic_creation_enable || env.cluster.embedded())) return;
    std::string error;
    env.cluster.ensure_topic(spec.errors.dlq_topic, 1, spec.errors.dlq_replication_factor, {}, error);
    if (!error.empty()) log::warn("dead-letter topic ", spec.errors.dlq_topic, ": ", error);
}

std::unique_ptr<kafka::Producer> ConnectorParts::open_producer(kafka::Producer::DeliveryHandler on_delivery, std::string& error,
                                                               const kafka::Properties& extra) {
    kafka::Properties properties = env.cluster.producer_properties();
    for (const auto& [key, value] : extra) properties[key] = value;
    return env.kafka_clients().producer(task.id(), properties, std::move(on_delivery), error);
}

std::unique_ptr<kafka::Consumer> ConnectorParts::open_consumer(const kafka::Properties& properties,
                                                               kafka::Consumer::Listener& listener, std::string& error) {
    return env.kafka_clients().consumer(task.id(), properties, listener, error);
}

}  // namespace sluice::runtime
