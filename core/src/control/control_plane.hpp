// The control plane of one worker (in the spirit of Kafka Connect's Herder): every change an
// operator makes at run time (connectors created, reconfigured, paused, restarted, deleted;
// pipelines put and removed; offsets read, altered and reset) goes through here, with
// Kafka Connect's rules (offsets change only while the connector is STOPPED, a pipeline's
// connectors are changed through the pipeline, ...). It owns its locks; callers (the REST
// handlers) parse, call and render. Refusals are thrown as control::Error.
#pragma once

#include "config/access_policy.hpp"
#include "control/cluster_writes.hpp"
#include "control/connector_config.hpp"
#include "control/errors.hpp"
#include "plugin/registry.hpp"
#include "runtime/worker.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace sluice::control {

struct ConnectorState {
    runtime::ConnectorEntry entry;
    runtime::ConnectorReport report;
};

// A pipeline created at run time: its YAML as given, and its connectors.
struct StoredPipeline {
    std::string yaml;
    std::vector<std::string> connectors;
};

class ControlPlane {
public:
    // `changed` runs after every change worth keeping across a restart (not restarts), with
    // no lock held that a read takes (a pipeline change still holds its one-at-a-time lock);
    // it returns once the change is stored (the REST state file).
    ControlPlane(runtime::Worker& worker, plugin::Registry& registry, config::AccessPolicy access,
                 std::function<void()> changed = {});

    const config::AccessPolicy& access() const { return access_; }
    // Distributed mode: changes are written to the cluster (and applied by every worker's
    // reader through apply_*); before any request is served.
    void use_cluster(ClusterWrites* cluster) { cluster_ = cluster; }
    bool clustered() const { return cluster_ != nullptr; }
    const std::string& worker_id() const { return worker_.id(); }

    // Connectors.
    std::vector<std::string> connector_names() const;
    std::optional<ConnectorState> find(const std::string& name) const;  // nullopt: none (or deleted meanwhile)
    runtime::ConnectorEntry entry(const std::string& name) const;       // not_found
    runtime::ConnectorReport report(const std::string& name) const;     // not_found
    std::vector<runtime::ConnectorEntry> connectors() const;
    void create_connector(const std::string& name, const FlatConfig& flat, runtime::TargetState target);
    // Creates or reconfigures; true when created. "****" keeps a masked stored value.
    bool put_connector(const std::string& name, FlatConfig flat);
    void delete_connector(const std::string& name);
    void set_target(const std::string& name, runtime::TargetState target);
    void restart_connector(const std::string& name, bool include_tasks, bool only_failed);
    void restart_task(const std::string& name, int task_id);

    // Offsets (KIP-875): read any time; altered or reset only while the connector is STOPPED
    // and its tasks have ended (invalid, resp. conflict, otherwise). One change at a time.
    nlohmann::json offsets(const std::string& name) const;
    // `request` is Kafka Connect's {"offsets": [{"partition": {...}, "offset": {...}}, ...]}.
    void alter_offsets(const std::string& name, const nlohmann::json& request);
    void reset_offsets(const std::string& name);

    // Pipelines: a pipeline file's YAML; its connectors are "<pipeline>.<connector>".
    std::vector<std::string> pipeline_names() const;
    std::vector<std::string> pipeline_connectors(const std::string& name) const;  // not_found
    std::map<std::string, StoredPipeline> pipelines() const;
    struct PipelineChange {
        bool replaced = false;
        std::vector<std::string> connectors;
    };
    // Creates or replaces the pipeline: InvalidPipeline for the YAML; conflict when one of its
    // connectors exists outside it, or when one cannot be created: then none of its
    // connectors is left (the ones it replaced are gone too) and the pipeline is removed.
    PipelineChange put_pipeline(const std::string& name, const std::string& yaml);
    void delete_pipeline(const std::string& name);

    // Creating again what a previous run stored (before any request is served). False (and
    // error) when the connector cannot be created now.
    bool restore_connector(const std::string& name, const FlatConfig& flat, runtime::TargetState target, std::string& error);
    // The connectors the pipeline declares; 0 when its YAML is no longer valid (logged).
    size_t restore_pipeline(const std::string& name, const std::string& yaml,
                            const std::map<std::string, runtime::TargetState>& targets);

    // Cluster mode: a change read from the config topic, applied to this worker. A connector
    // (flat null: deleted) created in `target`, or reconfigured when its configuration
    // changed; false (error) when it cannot be created here.
    bool apply_connector(const std::string& name, const FlatConfig* flat, runtime::TargetState target, std::string& error);
    void apply_target(const std::string& name, runtime::TargetState target);
    // A pipeline (yaml null: deleted); `command_line`: submitted by a worker from its command
    // line (bound as pipeline files are, not under the REST access policy).
    bool apply_pipeline(const std::string& name, const std::string* yaml, const std::map<std::string, runtime::TargetState>& targets,
                        bool command_line, std::string& error);
    void apply_restart(const std::string& name, bool include_tasks, bool only_failed, int task);

private:
    runtime::ConnectorDefinition definition_from(const std::string& name, const FlatConfig& flat) const;
    config::ConnectorSpec stopped_spec(const std::string& name) const;
    void changed() const;
    void check_applied(const std::string& name) const;  // cluster mode
    // The connectors a new version of pipeline `name` replaces (`replaced`: it exists);
    // conflict when one of `spec`'s connectors exists outside it.
    std::set<std::string> pipeline_connectors_replaced(const std::string& name, const config::PipelineSpec& spec, bool& replaced) const;

    runtime::Worker& worker_;
    plugin::Registry& registry_;
    config::AccessPolicy access_;  // what configurations sent at run time may reach
    std::function<void()> changed_;
    ClusterWrites* cluster_ = nullptr;  // null: standalone
    mutable std::mutex pipelines_mutex_;   // pipelines_: held only to read or write it
    std::mutex pipeline_changes_mutex_;    // one pipeline put or delete at a time
    std::map<std::string, StoredPipeline> pipelines_;
    // One offset change at a time in this worker. A sink's change joins the connector's
    // consumer group as its only member: two at once split the partitions between them,
    // neither gets them all, and one ended in a 500 after up to 30 s (found by
    // integration.rest_robustness).
    std::mutex offsets_mutex_;
};

}  // namespace sluice::control
