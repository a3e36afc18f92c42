// A connector: its specification, its plugin and its tasks, with Kafka Connect's target
// states. The REST API changes a connector while its tasks run: every lifecycle change
// (start, pause, resume, stop, restart, reconfigure) is queued and runs in order on the
// connector's own lifecycle thread, so the caller chooses how long to wait for it (the
// returned future); status reads never wait (they see the task list of the moment).
#pragma once

#include "common/log.hpp"
#include "common/serial_executor.hpp"
#include "config/pipeline_config.hpp"
#include "plugin/loaded_plugin.hpp"
#include "runtime/environment.hpp"
#include "runtime/task.hpp"

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
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
    uint64_t records_in = 0, records_out = 0, bytes_out = 0, commits = 0, commit_failures = 0, records_gap = 0;
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
    using Done = std::shared_future<void>;

    Connector(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin,
              TargetState target = TargetState::running);
    ~Connector();  // stops the tasks and waits for them
    Connector(const Connector&) = delete;
    Connector& operator=(const Connector&) = delete;

    // Starts the tasks the target state asks for (none when STOPPED; paused ones when
    // PAUSED), once `after` is ready (a deleted predecessor of the same name still ending).
    Done start(Done after = {});
    // Worker shutdown: asks every task to stop at once and refuses to start new ones;
    // wait() joins them.
    void request_stop();
    bool wait(std::chrono::steady_clock::time_point deadline);

    // Target changes. pause keeps the tasks (plugin instances, Kafka clients) and only
    // halts them; stop ends them and frees everything; resume starts or un-pauses them.
    Done pause();
    Done resume();
    Done stop();
    // Restarts the tasks (all, or only the FAILED ones); nothing when the connector is
    // STOPPED. `ids` are the tasks restarted; they report RESTARTING until they run again.
    Done restart(bool only_failed, std::vector<int>& ids);
    // One task; nullopt when there is no task with that id.
    std::optional<Done> restart_task(int task_id);
    // A new specification: the tasks end and new ones start in the current target state.
    Done reconfigure(config::ConnectorSpec spec, plugin::PluginPtr plugin);

    config::ConnectorSpec spec() const;
    TargetState target() const;
    ConnectorReport report() const;
    // True while a lifecycle change is queued or running, e.g. stopped tasks still ending
    // (their last offsets not yet written): offsets may only be changed when it is false.
    bool settling() const;

private:
    std::shared_ptr<Task> make_task(int task_id) const;
    void start_tasks();  // on the lifecycle thread
    void end_tasks(std::vector<std::shared_ptr<Task>> tasks);
    std::chrono::steady_clock::time_point stop_deadline() const;

    Environment env_;
    log::Secrets secrets_;      // the spec's masked values, masked in every log line while it runs
    mutable std::mutex state_;  // guards what follows; never held while waiting for a task
    config::ConnectorSpec spec_;
    plugin::PluginPtr plugin_;
    TargetState target_;
    bool closing_ = false;       // worker shutdown: no task starts any more
    std::set<int> restarting_;   // restart queued: these tasks report RESTARTING
    std::vector<std::shared_ptr<Task>> tasks_;
    SerialExecutor lifecycle_;   // last member: destroyed (drained) first
};

}  // namespace sluice::runtime
