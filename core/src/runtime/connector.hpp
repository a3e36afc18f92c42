// A connector: its specification, its plugin and its tasks, with Kafka Connect's target
// states. The REST API changes a connector while its tasks run: every lifecycle change
// (start, pause, resume, stop, restart, reconfigure) is queued and runs in order on the
// connector's own lifecycle thread, so the caller chooses how long to wait for it (the
// returned future); status reads never wait (they see the task list of the moment).
#pragma once

#include "common/backoff.hpp"
#include "common/delayed_jobs.hpp"
#include "common/log.hpp"
#include "common/serial_executor.hpp"
#include "config/pipeline_config.hpp"
#include "plugin/loaded_plugin.hpp"
#include "runtime/environment.hpp"
#include "runtime/task.hpp"

#include <chrono>
#include <future>
#include <map>
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
    std::string worker_id;  // the worker running it (cluster); empty: this worker
    uint64_t records_in = 0, records_out = 0, bytes_out = 0, commits = 0, commit_failures = 0, records_gap = 0;
    std::vector<PartitionLag> lag;
    ErrorCounts errors;  // error policy counters by stage (records retried, skipped, dead-lettered, failed)
    // The restart policy's view: attempts in a row so far, automatic restarts in all, and
    // when the task last failed (seconds since the Unix epoch; 0: never).
    int restart_attempts = 0;
    uint64_t restarts = 0;
    double last_failure_seconds = 0;
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
    // A manual restart resets the restart policy's count of attempts.
    Done restart(bool only_failed, std::vector<int>& ids);
    // One task; nullopt when there is no task with that id.
    std::optional<Done> restart_task(int task_id);
    // A new specification: the tasks end and new ones start in the current target state.
    Done reconfigure(config::ConnectorSpec spec, plugin::PluginPtr plugin);
    // The placement changed (cluster): tasks no longer placed here end, newly placed ones
    // start; every other task keeps running untouched.
    Done rebalance();

    config::ConnectorSpec spec() const;
    TargetState target() const;
    ConnectorReport report() const;
    // True while a lifecycle change is queued or running, e.g. stopped tasks still ending
    // (their last offsets not yet written): offsets may only be changed when it is false.
    bool settling() const;

private:
    // The restart policy's memory of one task id (it outlives the task objects it replaces).
    struct Restarts {
        int attempts = 0;         // automatic restarts in a row (reset by a healthy run, a manual restart)
        uint64_t total = 0;       // automatic restarts done
        double last_failure = 0;  // seconds since the Unix epoch
        bool gave_up = false;     // restart.max.attempts reached: left FAILED
        bool pending = false;     // a restart is waiting out its backoff (RESTARTING)
        uint64_t generation = 0;  // the pending restart's; a newer change supersedes it
        Backoff backoff;
    };

    std::shared_ptr<Task> make_task(int task_id);
    // A task reported failure: schedule its restart as the policy says (task thread).
    void task_failed(const Task* task);
    // The scheduled restart of `task` (lifecycle thread); nothing when superseded.
    void auto_restart(int task_id, const Task* task, uint64_t generation);
    // Ends `old` and starts a new task with its id in its place (lifecycle thread).
    void replace_task(int task_id, const std::shared_ptr<Task>& old);
    Restarts& restarts_of(int task_id);  // state_ held
    Backoff restart_backoff() const;     // state_ held
    // A manual restart or a new specification: the policy counts from zero again, and a
    // restart waiting out its backoff is superseded (state_ held).
    void forget_attempts(int task_id);
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
    std::map<int, Restarts> restarts_;
    uint64_t generations_ = 0;
    SerialExecutor lifecycle_;
    DelayedJobs restart_timer_;  // posts due restarts to lifecycle_: destroyed first, then lifecycle_ drains
};

}  // namespace sluice::runtime
