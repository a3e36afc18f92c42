// A running connector: its specification, its plugin and its tasks.
#pragma once

#include "config/pipeline_config.hpp"
#include "plugin/loaded_plugin.hpp"
#include "runtime/environment.hpp"
#include "runtime/task.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace sluice::runtime {

struct TaskReport {
    std::string id;
    int task_id = 0;
    TaskStatus status;
    uint64_t records_in = 0, records_out = 0, bytes_out = 0, commits = 0, commit_failures = 0;
    ErrorCounts errors;  // error policy counters by stage (records retried, skipped, dead-lettered, failed)
};

struct ConnectorReport {
    std::string name;
    config::ConnectorKind kind = config::ConnectorKind::source;
    std::string plugin;
    TaskState state = TaskState::unassigned;  // FAILED when every task failed, else RUNNING if any runs
    std::vector<TaskReport> tasks;
};

class Connector {
public:
    Connector(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin);
    ~Connector();
    Connector(const Connector&) = delete;
    Connector& operator=(const Connector&) = delete;

    void start();
    void request_stop();
    // Waits until the deadline; false when a task is still running then.
    bool wait(std::chrono::steady_clock::time_point deadline);

    const config::ConnectorSpec& spec() const { return spec_; }
    ConnectorReport report() const;

private:
    Environment env_;
    config::ConnectorSpec spec_;
    plugin::PluginPtr plugin_;
    std::vector<std::unique_ptr<Task>> tasks_;
};

}  // namespace sluice::runtime
