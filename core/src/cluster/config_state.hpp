// What a cluster's config topic says, record by record (Kafka Connect's key style):
//
//   connector-<name>          {"properties": {flat map}, "tasks": N}       tombstone: deleted
//   target-state-<name>       {"state": "STARTED|PAUSED", "state.v2": "STARTED|PAUSED|STOPPED"}
//   pipeline-<name>           {"yaml": "...", "tasks": {"<connector>": N}, "origin": "rest|command-line"}
//   restart-connector-<name>  {"include_tasks": bool, "only_failed": bool, "task": -1|id}  (requests)
//   logger-<name>             {"level": "DEBUG"}                            (requests)
//
// Every worker applies the same records in the same order (one partition), so what is
// derived here is the same on every worker that has read as far: in particular each task's
// slot, the placement unit whose owner runs the task (docs/architecture.md, "Cluster").
// Pure: no Kafka, no threads; unit-tested and fuzzed.
#pragma once

#include "runtime/connector.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sluice::cluster {

using FlatConfig = std::map<std::string, std::string>;

struct ConnectorRecord {
    FlatConfig properties;
    int tasks = 1;
};

struct PipelineRecord {
    std::string yaml;
    std::map<std::string, int> tasks;  // its connectors
    bool command_line = false;
};

struct RestartRequest {
    std::string name;
    bool include_tasks = false;
    bool only_failed = false;
    int task = -1;
};

// What one record changed.
struct Change {
    enum class Kind { none, connector, target, pipeline, restart, logger, invalid } kind = Kind::none;
    std::string name;
    std::string detail;  // invalid: why; logger: the level
    RestartRequest restart;
};

// Record encoding (the writers' side).
std::string connector_key(const std::string& name);
std::string target_key(const std::string& name);
std::string pipeline_key(const std::string& name);
std::string restart_key(const std::string& name);
std::string logger_key(const std::string& name);
std::string connector_value(const ConnectorRecord& record);
std::string target_value(runtime::TargetState target);
std::string pipeline_value(const PipelineRecord& record);
std::string restart_value(const RestartRequest& request);
std::string logger_value(const std::string& level);

class ConfigState {
public:
    // Applies one record (value nullopt: a tombstone); an unreadable record changes nothing
    // and says why (Change::Kind::invalid), the same on every worker.
    Change apply(const std::string& key, const std::optional<std::string>& value);

    const std::map<std::string, ConnectorRecord>& connectors() const { return connectors_; }
    const std::map<std::string, PipelineRecord>& pipelines() const { return pipelines_; }
    runtime::TargetState target(const std::string& name) const;
    std::map<std::string, runtime::TargetState> targets_of(const PipelineRecord& pipeline) const;

    // The slot of a task; nullopt when it has none (unknown, STOPPED, beyond its count).
    std::optional<int> slot_of(const std::string& connector, int task) const;
    std::set<int> used_slots() const;
    // connector -> its tasks' slots, for listings.
    const std::map<std::string, std::vector<int>>& slots() const { return slots_; }

private:
    int tasks_of(const std::string& connector) const;  // 0 when deleted or STOPPED
    void place(const std::string& connector);          // slots follow the connector's task count
    int lowest_free() const;

    std::map<std::string, ConnectorRecord> connectors_;
    std::map<std::string, PipelineRecord> pipelines_;
    std::map<std::string, std::string> pipeline_of_;  // pipeline connector -> pipeline
    std::map<std::string, runtime::TargetState> targets_;
    std::map<std::string, std::vector<int>> slots_;
    std::set<int> used_;
};

}  // namespace sluice::cluster
