#include "runtime/worker.hpp"

#include "common/log.hpp"
#include "isolation/checks.hpp"
#include "kafka/internal_topic.hpp"
#include "plugin/instance.hpp"
#include "runtime/task_host.hpp"
#include "runtime/worker_metrics.hpp"

#include <unistd.h>

#include <set>
#include <thread>

namespace sluice::runtime {
namespace {

// Kafka Connect names workers host:port; so do we, unless worker.id says otherwise.
std::string default_worker_id(const std::string& rest_listener) {
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    auto colon = rest_listener.rfind(':');
    return std::string(host) + (colon == std::string::npos ? "" : rest_listener.substr(colon));
}

// 3 MiB of payload leaves headroom under the embedded cluster's ~5 MiB per partition, which also
// counts Kafka's record framing.
constexpr int64_t kEmbeddedMaxLagBytes = 3 * 1024 * 1024;

}  // namespace

Worker::Worker(config::WorkerConfig config, plugin::Registry& registry)
    : config_(std::move(config)), registry_(registry) {
    id_ = config_.worker_id.empty() ? default_worker_id(config_.rest_listener) : config_.worker_id;
    metrics_ = std::make_unique<metrics::Metrics>(id_, SLUICE_VERSION);
    metrics_->set_sample_source([this] { return metrics_sample(reports(), registry_); });
}

Worker::~Worker() {
    request_stop();
    std::map<std::string, Slot> connectors;
    std::map<std::string, Retiring> retiring;
    {
        std::lock_guard lock(mutex_);
        connectors.swap(connectors_);
        retiring.swap(retiring_);
    }
    connectors.clear();  // joins every task before the cluster goes
    retiring.clear();
}

bool Worker::start(std::string& error) {
    cluster_ = kafka::Cluster::connect(config_, error);
    if (!cluster_) return false;
    if (config_.cluster.enabled() && cluster_->embedded()) {
        error = "cluster.group.id '" + config_.cluster.group_id +
                "' needs a Kafka every worker of the cluster shares, but kafka.bootstrap.servers is empty (the embedded cluster "
                "lives inside this one process). Set kafka.bootstrap.servers to your Kafka (or to a sluice-mock-kafka for tests), "
                "or remove cluster.group.id to run standalone";
        return false;
    }
    if (!cluster_->reachable(15000, error)) return false;
    int64_t lag = config_.backpressure_max_lag_bytes;
    if (lag < 0) lag = cluster_->embedded() ? kEmbeddedMaxLagBytes : 0;
    flow_ = std::make_unique<FlowControl>(lag);
    const kafka::InternalTopic offsets_topic{config_.offsets_topic, "offsets", "offsets.topic.",
                                             config_.offsets_topic_partitions, config_.offsets_topic_replication};
    if (auto problem = kafka::ensure_internal_topic(*cluster_, offsets_topic)) {
        error = *problem;
        return false;
    }
    offsets_ = std::make_unique<offsets::OffsetStore>(config_.offsets_topic);
    // In a cluster, tasks move between workers: the offsets other workers write must show here.
    if (!(config_.cluster.enabled() ? offsets_->follow(*cluster_, error) : offsets_->load(*cluster_, error))) return false;
    log::info("worker ", id_, " ready: Kafka at ", cluster_->bootstrap_servers(), cluster_->embedded() ? " (embedded)" : "",
              ", offsets in topic ", config_.offsets_topic);
    ready_ = true;
    return true;
}

std::vector<std::string> Worker::preflight(const std::vector<config::PipelineSpec>& pipelines) {
    std::vector<std::string> failures;
    for (const auto& p : pipelines)
        for (const auto& c : p.connectors) {
            auto plugin = registry_.get(c.kind, c.plugin);
            if (!plugin) {
                failures.push_back(c.name + ": plugin " + c.plugin + " is not loaded");
                continue;
            }
            const log::Secrets masked(config::masked_texts(c));
            TaskHost host(id_, c.name, c.plugin, 0, c.tasks, nullptr, nullptr);
            // An isolated connector's test() runs in a plugin host too: a crash there fails
            // the check, not the worker.
            const config::IsolationPolicy policy = c.isolation.over(config_.plugin_isolation);
            plugin::Outcome out;
            if (policy.mode == config::Isolation::process) {
                isolation::RemoteSpec remote{plugin, c.config, id_, c.name, 0, c.tasks, policy, config_.shutdown_timeout_ms};
                out = isolation::preflight_in_host(remote, host.get());
            } else {
                out = plugin::preflight(*plugin, c.config, host.get());
            }
            if (!out.ok()) failures.push_back(c.name + " (" + std::string(config::kind_name(c.kind)) + " plugin " + c.plugin + "): " + out.message);
        }
    return failures;
}

Environment Worker::environment() {
    return Environment{config_, *cluster_, *offsets_, *flow_, id_, metrics_.get(), &registry_, clients_, placement_};
}

bool Worker::rebalance(std::chrono::steady_clock::time_point deadline) {
    std::vector<std::shared_ptr<Connector>> connectors;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [name, slot] : connectors_) connectors.push_back(slot.connector);
    }
    std::vector<Connector::Done> changes;
    for (const auto& c : connectors) changes.push_back(c->rebalance());
    bool all = true;
    for (auto& done : changes)
        if (done.wait_until(deadline) != std::future_status::ready) all = false;
    return all;
}

std::chrono::steady_clock::time_point Worker::lifecycle_deadline() const {
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.rest_lifecycle_wait_ms);
}

void Worker::settle(const Connector::Done& done, Deadline until) const {
    if (done.valid()) done.wait_until(until.value_or(lifecycle_deadline()));
}

void Worker::prune_retired() {
    for (auto it = retiring_.begin(); it != retiring_.end();) {
        if (it->second.done.wait_for(std::chrono::seconds(0)) == std::future_status::ready) it = retiring_.erase(it);
        else ++it;
    }
}

// The connector's source and dead-letter topics. With the embedded cluster a missing one is
// created or the connector refused (the cluster is full); with a real broker a failure is only
// logged and the broker's auto-creation is left to do it.
std::optional<std::string> Worker::prepare_topics(const config::ConnectorSpec& c) {
    if (!(config_.topic_creation_enable || cluster_->embedded())) return std::nullopt;
    std::vector<std::pair<std::string, std::pair<int, int>>> wanted;  // topic -> partitions, replication
    if (c.kind == config::ConnectorKind::source && !c.topics.empty())
        wanted.push_back({c.topics.front(), {config_.topic_creation_partitions, config_.topic_creation_replication}});
    if (c.errors.has_dlq()) wanted.push_back({c.errors.dlq_topic, {1, c.errors.dlq_replication_factor}});
    for (const auto& [topic, shape] : wanted) {
        std::string topic_error;
        auto count = cluster_->ensure_topic(topic, shape.first, shape.second, {}, topic_error);
        if (!topic_error.empty() && cluster_->embedded() && !count) return c.name + ": " + topic_error;
        if (!topic_error.empty()) log::warn("topic ", topic, ": ", topic_error);
    }
    return std::nullopt;
}

bool Worker::launch(const std::vector<config::PipelineSpec>& pipelines, std::string& error) {
    std::set<std::string> source_topics;
    for (const auto& p : pipelines)
        for (const auto& c : p.connectors) {
            if (!registry_.get(c.kind, c.plugin)) {
                error = c.name + ": plugin " + c.plugin + " is not loaded";
                return false;
            }
            if (auto problem = prepare_topics(c)) {
                error = *problem;
                return false;
            }
            if (c.kind == config::ConnectorKind::sink) flow_->add_reader(c.name, c.topics);  // before any source runs
        }
    // Sinks first: their consumer groups start joining while the sources warm up.
    for (auto kind : {config::ConnectorKind::sink, config::ConnectorKind::source})
        for (const auto& p : pipelines)
            for (const auto& c : p.connectors) {
                if (c.kind != kind) continue;
                auto connector = std::make_shared<Connector>(environment(), c, registry_.get(c.kind, c.plugin));
                {
                    std::lock_guard lock(mutex_);
                    connectors_[c.name] = Slot{ConnectorDefinition{c, {}, "", Origin::command_line}, connector};
                }
                connector->start();
            }
    return true;
}

Worker::Change Worker::create(ConnectorDefinition definition, TargetState target, std::string& message, Deadline until) {
    const std::string name = definition.spec.name;
    auto plugin = registry_.get(definition.spec.kind, definition.spec.plugin);
    if (!plugin) {
        message = "plugin " + definition.spec.plugin + " is not loaded";
        return Change::invalid;
    }
    if (find(name)) {
        message = "Connector " + name + " already exists";
        return Change::conflict;
    }
    if (auto problem = config::internal_topic_problem(definition.spec, {config_.offsets_topic})) {
        message = *problem;
        return Change::invalid;
    }
    if (auto refused = config::exactly_once_refusal(definition.spec.exactly_once, config_.exactly_once_source_support)) {
        message = *refused;
        return Change::invalid;
    }
    if (auto problem = prepare_topics(definition.spec)) {
        message = *problem;
        return Change::conflict;
    }
    std::shared_ptr<Connector> connector;
    Connector::Done predecessor;  // a deleted connector of this name whose tasks still end
    {
        std::lock_guard lock(mutex_);
        if (connectors_.count(name)) {
            message = "Connector " + name + " already exists";
            return Change::conflict;
        }
        prune_retired();
        if (auto it = retiring_.find(name); it != retiring_.end()) predecessor = it->second.done;
        connector = std::make_shared<Connector>(environment(), definition.spec, plugin, target);
        connectors_[name] = Slot{std::move(definition), connector};
    }
    settle(connector->start(predecessor), until);
    log::info("connector ", name, " created (", target_name(target), ")");
    return Change::created;
}

Worker::Change Worker::put(ConnectorDefinition definition, std::string& message, Deadline until) {
    const std::string name = definition.spec.name;
    auto connector = find(name);
    if (!connector) return create(std::move(definition), TargetState::running, message);
    auto plugin = registry_.get(definition.spec.kind, definition.spec.plugin);
    if (!plugin) {
        message = "plugin " + definition.spec.plugin + " is not loaded";
        return Change::invalid;
    }
    if (auto problem = config::internal_topic_problem(definition.spec, {config_.offsets_topic})) {
        message = *problem;
        return Change::invalid;
    }
    if (auto refused = config::exactly_once_refusal(definition.spec.exactly_once, config_.exactly_once_source_support)) {
        message = *refused;
        return Change::invalid;
    }
    if (auto problem = prepare_topics(definition.spec)) {
        message = *problem;
        return Change::conflict;
    }
    {
        std::lock_guard lock(mutex_);
        auto it = connectors_.find(name);
        if (it == connectors_.end() || it->second.connector != connector) {
            message = "Connector " + name + " was deleted meanwhile";
            return Change::conflict;
        }
        it->second.definition = definition;
    }
    settle(connector->reconfigure(definition.spec, plugin), until);
    log::info("connector ", name, " reconfigured");
    return Change::ok;
}

Worker::Change Worker::remove(const std::string& name, Deadline until) {
    Connector::Done done;
    {
        std::lock_guard lock(mutex_);
        auto it = connectors_.find(name);
        if (it == connectors_.end()) return Change::not_found;
        prune_retired();
        auto connector = std::move(it->second.connector);
        connectors_.erase(it);
        // A predecessor of the same name still retiring ended before this one started.
        done = connector->stop();
        retiring_[name] = Retiring{std::move(connector), done};
    }
    log::info("connector ", name, " deleted (its offsets are kept)");
    settle(done, until);
    return Change::ok;
}

Worker::Change Worker::set_target(const std::string& name, TargetState target, Deadline until) {
    auto connector = find(name);
    if (!connector) return Change::not_found;
    Connector::Done done;
    switch (target) {
    case TargetState::running: done = connector->resume(); break;
    case TargetState::paused: done = connector->pause(); break;
    case TargetState::stopped: done = connector->stop(); break;
    }
    log::info("connector ", name, " target state ", target_name(target));
    settle(done, until);
    return Change::ok;
}

Worker::Change Worker::restart(const std::string& name, bool include_tasks, bool only_failed, std::vector<int>& restarted,
                               Deadline until) {
    auto connector = find(name);
    if (!connector) return Change::not_found;
    // sluice connectors have no instance of their own: "restart the connector" is the tasks.
    if (include_tasks) settle(connector->restart(only_failed, restarted), until);
    return Change::ok;
}

Worker::Change Worker::restart_task(const std::string& name, int task_id, Deadline until) {
    auto connector = find(name);
    if (!connector) return Change::not_found;
    auto done = connector->restart_task(task_id);
    if (!done) return Change::not_found;
    settle(*done, until);
    return Change::ok;
}

std::shared_ptr<Connector> Worker::find(const std::string& name) const {
    std::lock_guard lock(mutex_);
    auto it = connectors_.find(name);
    return it == connectors_.end() ? nullptr : it->second.connector;
}

std::vector<std::string> Worker::names() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [name, slot] : connectors_) out.push_back(name);
    return out;
}

std::optional<ConnectorEntry> Worker::entry(const std::string& name) const {
    std::lock_guard lock(mutex_);
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return std::nullopt;
    return ConnectorEntry{it->second.definition, it->second.connector->target(), it->second.connector->settling()};
}

std::optional<ConnectorReport> Worker::report(const std::string& name) const {
    auto connector = find(name);
    if (!connector) return std::nullopt;
    return connector->report();
}

std::vector<ConnectorEntry> Worker::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<ConnectorEntry> out;
    for (const auto& [name, slot] : connectors_)
        out.push_back({slot.definition, slot.connector->target(), slot.connector->settling()});
    return out;
}

void Worker::request_stop() {
    std::lock_guard lock(mutex_);
    for (auto& [name, slot] : connectors_) slot.connector->request_stop();
    for (auto& [name, r] : retiring_) r.connector->request_stop();
}

bool Worker::wait(std::chrono::steady_clock::time_point deadline) {
    std::vector<std::shared_ptr<Connector>> connectors;
    {
        std::lock_guard lock(mutex_);
        for (auto& [name, slot] : connectors_) connectors.push_back(slot.connector);
        for (auto& [name, r] : retiring_) connectors.push_back(r.connector);
    }
    bool all = true;
    for (auto& c : connectors) all = c->wait(deadline) && all;
    return all;
}

std::vector<ConnectorReport> Worker::reports() const {
    std::vector<std::shared_ptr<Connector>> connectors;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [name, slot] : connectors_) connectors.push_back(slot.connector);
    }
    std::vector<ConnectorReport> out;
    for (const auto& c : connectors) out.push_back(c->report());
    return out;
}

}  // namespace sluice::runtime
