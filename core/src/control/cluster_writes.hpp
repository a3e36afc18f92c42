// Distributed mode's side of the control plane: where a run-time change goes when the worker
// belongs to a cluster. Each call writes the change to the cluster's config topic and returns
// once this worker's own reader has applied it (read-your-writes), so the answer to the REST
// call already shows it; every other worker applies it as it reads the record. Failures
// (Kafka unreachable, the change not seen in time) are thrown as control::Error
// (unavailable) with the reason.
#pragma once

#include "runtime/connector.hpp"

#include <map>
#include <optional>
#include <string>

namespace sluice::control {

class ClusterWrites {
public:
    virtual ~ClusterWrites() = default;
    // `tasks`: how many tasks the connector runs (the cluster places that many slots).
    virtual void put_connector(const std::string& name, const std::map<std::string, std::string>& flat, int tasks,
                               std::optional<runtime::TargetState> target) = 0;
    virtual void delete_connector(const std::string& name) = 0;
    virtual void put_target(const std::string& name, runtime::TargetState target) = 0;
    // task -1: the connector (include_tasks / only_failed as Kafka Connect's restart).
    virtual void restart(const std::string& name, bool include_tasks, bool only_failed, int task) = 0;
    virtual void put_pipeline(const std::string& name, const std::string& yaml, const std::map<std::string, int>& tasks) = 0;
    virtual void delete_pipeline(const std::string& name) = 0;

    // Why this worker could not apply the latest change of `name` (empty: it could).
    virtual std::string apply_error(const std::string& name) const = 0;
    // The whole cluster's view of a connector: this worker's tasks as they are, the others'
    // from the status topic (with the worker running each; UNASSIGNED when none reported).
    virtual runtime::ConnectorReport cluster_report(runtime::ConnectorReport local, int tasks) const = 0;
    // True when some worker still reports a task of `name` (offsets may change only when none does).
    virtual bool tasks_reported(const std::string& name) const = 0;
};

}  // namespace sluice::control
