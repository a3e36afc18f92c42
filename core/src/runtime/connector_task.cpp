#include "runtime/connector_task.hpp"

#include "common/log.hpp"
#include "plugin/registry.hpp"

namespace sluice::runtime {

ConnectorTask::ConnectorTask(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin, int task_id)
    : Task(spec.name, task_id),
      env_(std::move(env)),
      spec_(std::move(spec)),
      plugin_(std::move(plugin)),
      errors_(spec_.errors, spec_.name, task_id, counters_.errors),
      chain_retrier_(spec_.errors, false),
      call_retrier_(spec_.errors, true) {
    if (env_.metrics != nullptr)
        batch_metrics_ = env_.metrics->batch(spec_.name, task_id, spec_.kind == config::ConnectorKind::source ? "poll" : "put");
}

bool ConnectorTask::create_instance(const offsets::OffsetStore* stored_offsets) {
    host_ = std::make_unique<TaskHost>(env_.worker_id, spec_.name, plugin_->name, task_id(), spec_.tasks,
                                       stored_offsets, &stop_flag());
    host_->set_errant_handler([this](const sluice_record& r, std::string_view m) { return errant(r, m); });
    auto created = plugin::Instance::create(plugin_, spec_.config, host_->get());
    if (auto* outcome = std::get_if<plugin::Outcome>(&created)) {
        fail(outcome->message);
        return false;
    }
    instance_ = std::get<std::unique_ptr<plugin::Instance>>(std::move(created));
    if (spec_.transforms.empty()) return true;

    ChainPlugins plugins;
    auto find = [&](config::ConnectorKind kind, const std::string& type) -> plugin::PluginPtr {
        return env_.plugins ? env_.plugins->get(kind, type) : nullptr;
    };
    for (const auto& t : spec_.transforms) {
        plugins.transforms.push_back(find(config::ConnectorKind::transform, t.type));
        if (!plugins.transforms.back()) {
            fail("transform '" + t.name + "': the transform plugin " + t.type + " is not loaded");
            return false;
        }
    }
    for (const auto& p : spec_.predicates) {
        plugins.predicates.push_back(find(config::ConnectorKind::predicate, p.type));
        if (!plugins.predicates.back()) {
            fail("predicate '" + p.name + "': the predicate plugin " + p.type + " is not loaded");
            return false;
        }
    }
    std::string error;
    chain_ = TransformChain::create(spec_, plugins, env_.worker_id, task_id(), &stop_flag(), error);
    if (!chain_) {
        fail(error);
        return false;
    }
    return true;
}

void ConnectorTask::ensure_dead_letter_topic() {
    if (!spec_.errors.has_dlq() || !(env_.worker.topic_creation_enable || env_.cluster.embedded())) return;
    std::string error;
    env_.cluster.ensure_topic(spec_.errors.dlq_topic, 1, spec_.errors.dlq_replication_factor, {}, error);
    if (!error.empty()) log::warn("dead-letter topic ", spec_.errors.dlq_topic, ": ", error);
}

std::unique_ptr<kafka::Producer> ConnectorTask::open_producer(kafka::Producer::DeliveryHandler on_delivery) {
    std::string error;
    auto producer = env_.kafka_clients().producer(id(), env_.cluster.producer_properties(), std::move(on_delivery), error);
    if (!producer) fail(error);
    return producer;
}

std::unique_ptr<kafka::Consumer> ConnectorTask::open_consumer(const kafka::Properties& properties,
                                                              kafka::Consumer::Listener& listener) {
    std::string error;
    auto consumer = env_.kafka_clients().consumer(id(), properties, listener, error);
    if (!consumer) fail(error);
    return consumer;
}

}  // namespace sluice::runtime
