// The cluster's status topic (Kafka Connect's status.storage.topic): the latest state of every
// task, with the worker that runs it and the placement generation it ran under.
//
//   status-task-<connector>-<id>   {"state": "RUNNING", "trace": "...", "worker_id": "...", "generation": 7}
//   status-connector-<connector>   {"state": "RUNNING", "worker_id": "...", "generation": 7}
//
// Fed by the topic's follower; read by status answers on every worker. Thread-safe.
#pragma once

#include "runtime/connector.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace sluice::cluster {

struct TaskStatusRecord {
    runtime::TaskState state = runtime::TaskState::unassigned;
    std::string trace;
    std::string worker_id;
    int32_t generation = -1;
};

std::string task_status_key(const std::string& connector, int task);
std::string connector_status_key(const std::string& connector);
std::string status_value(const TaskStatusRecord& status);
// (connector, task) of a "status-task-<connector>-<id>" key; nullopt for any other key.
std::optional<std::pair<std::string, int>> parse_task_status_key(const std::string& key);

class StatusBoard {
public:
    // One record of the status topic; false when it is not one of ours (ignored).
    bool apply(const std::string& key, const std::optional<std::string>& value);
    std::optional<TaskStatusRecord> task(const std::string& connector, int task) const;
    std::map<int, TaskStatusRecord> tasks(const std::string& connector) const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::map<int, TaskStatusRecord>> tasks_;
};

}  // namespace sluice::cluster
