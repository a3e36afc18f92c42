#include "runtime/connector_task.hpp"

namespace sluice::runtime {

ConnectorTask::ConnectorTask(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin, int task_id)
    : Task(spec.name, task_id), env_(std::move(env)), spec_(std::move(spec)), plugin_(std::move(plugin)) {
    if (env_.metrics != nullptr)
        batch_metrics_ = env_.metrics->batch(spec_.name, task_id, spec_.kind == config::ConnectorKind::source ? "poll" : "put");
}

bool ConnectorTask::create_instance(const offsets::OffsetStore* stored_offsets) {
    host_ = std::make_unique<TaskHost>(env_.worker_id, spec_.name, plugin_->name, task_id(), spec_.tasks,
                                       stored_offsets, &stop_flag());
    auto created = plugin::Instance::create(plugin_, spec_.config, host_->get());
    if (auto* outcome = std::get_if<plugin::Outcome>(&created)) {
        fail(outcome->message);
        return false;
    }
    instance_ = std::get<std::unique_ptr<plugin::Instance>>(std::move(created));
    return true;
}

kafka::Client ConnectorTask::open_client(rd_kafka_type_t type, const kafka::Properties& properties,
                                         const std::function<void(rd_kafka_conf_t*)>& configure) {
    kafka::ClientConfig config(id());
    if (auto e = config.set_all(properties)) {
        fail(*e);
        return {};
    }
    config.context().owner = this;
    configure(config.get());
    std::string error;
    kafka::Client client(type, config, error);
    if (!client) fail(error);
    return client;
}

}  // namespace sluice::runtime
