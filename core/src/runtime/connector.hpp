// A connector: its specification, its plugin and its tasks, with Kafka Connect's target
// states. The REST API changes a connector while its tasks run: every lifecycle change
// (pause, resume, stop, restart, reconfigure) is serialised by one mutex per connector,
// and status reads never wait for one (they see the task list of the moment).
#pragma once

#include "config/pipeline_config.hpp"
#include "plugin/loaded_plugin.hpp"
#include "runtime/environment.hpp"
#include "runtime/task.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sluice::runtime {

// What the connector should be doing (Kafka Connect's TargetState).
enum class TargetState { running, paused, stopped };
std::string_view target_name(TargetState target);  // "RUNNING", "PAUSED", "STOPPED"
std::optional<TargetState> parse_target(std::string_view name);

struct TaskReport {
    std::string id;
    int task_id = 0;
    TaskStatus status;
    uint64_t records_in = 0, records_out = 0, bytes_out = 0, commits = 0, commit_failures = 0;
    std::vector<PartitionLag> lag;
    ErrorCounts errors;  // error policy counters by stage (records retried, skipped, dead-lettered, failed)
};

struct ConnectorReport {
    std::string name;
    config::ConnectorKind kind = config::ConnectorKind::source;
    std::string plugin;
    TargetState target = TargetState::running;
    // STOPPED / PAUSED by target; else FAILED when every task failed, RUNNING otherwise.
    TaskState state = TaskState::unassigned;
    std::vector<TaskReport> tasks;
};

class Connector {
public:
    Connector(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin,
              TargetState target = TargetState::running);
    ~Connector();
    Connector(const Connector&) = delete;
    Connector& operator=(const Connector&) = delete;

    // Starts the tasks the target state asks for (none when STOPPED; paused ones when PAUSED).
    void start();
    // Worker shutdown: asks every task to stop; wait() joins them.
    void request_stop();
    bool wait(std::chrono::steady_clock::time_point deadline);

    // Target changes. pause keeps the tasks (plugin instances, Kafka clients) and only
    // halts them; stop ends them and frees everything; resume starts or un-pauses them.
    void pause();
    void resume();
    void stop(std::chrono::steady_clock::time_point deadline);
    // Restarts the tasks (all, or only the FAILED ones); nothing when the connector is
    // STOPPED. Returns the ids restarted.
    std::vector<int> restart(bool only_failed, std::chrono::steady_clock::time_point deadline);
    // One task; false when there is no task with that id.
    bool restart_task(int task_id, std::chrono::steady_clock::time_point deadline);
    // A new specification: the tasks end and new ones start in the current target state.
    void reconfigure(config::ConnectorSpec spec, plugin::PluginPtr plugin, std::chrono::steady_clock::time_point deadline);

    config::ConnectorSpec spec() const;
    TargetState target() const;
    ConnectorReport report() const;

private:
    std::shared_ptr<Task> make_task(int task_id) const;
    void start_tasks_locked();  // lifecycle_ held
    void end_tasks(std::vector<std::shared_ptr<Task>> tasks, std::chrono::steady_clock::time_point deadline);

    Environment env_;
    std::mutex lifecycle_;      // one lifecycle change at a time; may be held while tasks end
    mutable std::mutex state_;  // guards what follows; never held while waiting for a task
    config::ConnectorSpec spec_;
    plugin::PluginPtr plugin_;
    TargetState target_;
    std::vector<std::shared_ptr<Task>> tasks_;
};

}  // namespace sluice::runtime
