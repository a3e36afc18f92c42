// The worker: reaches Kafka (or starts the embedded cluster), reads stored offsets, and
// runs connectors. One per process. Connectors come and go at run time (REST API): the
// connector map is guarded by one mutex held only for map operations; lifecycle changes
// that wait for tasks run under the connector's own lock, never under the worker's.
#pragma once

#include "config/pipeline_config.hpp"
#include "config/worker_config.hpp"
#include "kafka/cluster.hpp"
#include "metrics/metrics.hpp"
#include "offsets/offset_store.hpp"
#include "plugin/registry.hpp"
#include "runtime/connector.hpp"
#include "runtime/flow_control.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sluice::runtime {

// Where a connector's definition comes from.
enum class Origin { command_line, rest };

struct ConnectorDefinition {
    config::ConnectorSpec spec;
    std::map<std::string, std::string> flat;  // Kafka Connect's flat map as given over REST; empty otherwise
    std::string pipeline;                     // the REST pipeline (PUT /pipelines/{name}) it belongs to
    Origin origin = Origin::command_line;
};

struct ConnectorEntry {
    ConnectorDefinition definition;
    TargetState target = TargetState::running;
    bool settling = false;  // a lifecycle change is still under way (e.g. stopped tasks ending)
};

class Worker {
public:
    enum class Change { ok, created, not_found, conflict, invalid };

    // Lifecycle changes (create, put, remove, set_target, restart) wait at most
    // rest.lifecycle.wait.ms for the tasks to stop and start, then return while the change
    // goes on in the background (reports show it: RESTARTING tasks, a name still retiring).
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

    // Run-time changes (REST). `message` says why on anything but ok/created. Each waits for
    // the tasks it changed until `until` (default: rest.lifecycle.wait.ms from now), then
    // returns while the change goes on; a call that makes several changes (a pipeline
    // replaced) passes one lifecycle_deadline() to all, so its wait stays within the bound.
    using Deadline = std::optional<std::chrono::steady_clock::time_point>;
    std::chrono::steady_clock::time_point lifecycle_deadline() const;
    Change create(ConnectorDefinition definition, TargetState target, std::string& message, Deadline until = {});
    // Creates, or reconfigures (tasks restarted in the current target state).
    Change put(ConnectorDefinition definition, std::string& message, Deadline until = {});
    // Stops the tasks and forgets the connector; stored offsets stay. A connector of the
    // same name created meanwhile starts once these tasks have ended.
    Change remove(const std::string& name, Deadline until = {});
    Change set_target(const std::string& name, TargetState target, Deadline until = {});
    Change restart(const std::string& name, bool include_tasks, bool only_failed, std::vector<int>& restarted,
                   Deadline until = {});
    Change restart_task(const std::string& name, int task_id, Deadline until = {});

    std::vector<std::string> names() const;
    std::optional<ConnectorEntry> entry(const std::string& name) const;
    std::optional<ConnectorReport> report(const std::string& name) const;
    std::vector<ConnectorEntry> snapshot() const;
    // True once start() succeeded.
    bool ready() const { return ready_.load(); }

    void request_stop();
    // True when every task ended before the deadline.
    bool wait(std::chrono::steady_clock::time_point deadline);

    std::vector<ConnectorReport> reports() const;
    const std::string& id() const { return id_; }
    const config::WorkerConfig& config() const { return config_; }
    plugin::Registry& registry() { return registry_; }
    kafka::Cluster* cluster() { return cluster_.get(); }
    offsets::OffsetStore* offsets() { return offsets_.get(); }
    const offsets::OffsetStore* offsets() const { return offsets_.get(); }
    metrics::Metrics& metrics() { return *metrics_; }
    // Where tasks get their Kafka clients (unit tests give an in-memory Kafka); before launch.
    void use_kafka_clients(kafka::ClientFactory* clients) { clients_ = clients; }
    // Cluster mode: only the tasks `placement` places here run; before launch.
    void use_placement(const TaskPlacement* placement) { placement_ = placement; }
    // The placement changed: every connector ends the tasks that left and starts the ones
    // that came; false when some had not ended by `deadline`.
    bool rebalance(std::chrono::steady_clock::time_point deadline);

private:
    Environment environment();
    std::shared_ptr<Connector> find(const std::string& name) const;
    std::optional<std::string> prepare_topics(const config::ConnectorSpec& spec);
    void settle(const Connector::Done& done, Deadline until = {}) const;
    void prune_retired();  // mutex_ held

    config::WorkerConfig config_;
    plugin::Registry& registry_;
    std::string id_;
    std::unique_ptr<kafka::Cluster> cluster_;
    std::unique_ptr<offsets::OffsetStore> offsets_;
    std::unique_ptr<FlowControl> flow_;
    std::unique_ptr<metrics::Metrics> metrics_;
    kafka::ClientFactory* clients_ = nullptr;  // null: librdkafka's
    const TaskPlacement* placement_ = nullptr;  // null: every task runs here
    std::atomic<bool> ready_{false};

    struct Slot {
        ConnectorDefinition definition;
        std::shared_ptr<Connector> connector;
    };
    mutable std::mutex mutex_;
    std::map<std::string, Slot> connectors_;
    struct Retiring {
        std::shared_ptr<Connector> connector;
        Connector::Done done;
    };
    std::map<std::string, Retiring> retiring_;  // deleted, tasks still ending
};

}  // namespace sluice::runtime
