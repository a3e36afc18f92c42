// A task: one thread running one plugin instance, with a state others can read.
// States are Kafka Connect's, so status answers read the same.
#pragma once

#include "runtime/error_counters.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sluice::runtime {

enum class TaskState { unassigned, running, paused, failed, restarting, stopped };
std::string_view state_name(TaskState state);  // "RUNNING", ...

// How far a sink task trails one partition's high watermark.
struct PartitionLag {
    std::string topic;
    int32_t partition = 0;
    int64_t records = 0;
};

struct TaskStatus {
    TaskState state = TaskState::unassigned;
    std::string trace;  // why it failed
};

// Counters a task keeps; read by status listings and progress lines.
struct TaskCounters {
    std::atomic<uint64_t> records_in{0};   // sources: polled; sinks: consumed
    std::atomic<uint64_t> records_out{0};  // sources: acknowledged by Kafka; sinks: accepted by put
    std::atomic<uint64_t> bytes_out{0};
    std::atomic<uint64_t> commits{0};      // offset commits that succeeded
    std::atomic<uint64_t> commit_failures{0};
    std::atomic<uint64_t> records_gap{0};  // sinks: records deleted from Kafka before they were read
    ErrorCounters errors;  // what the error policy did, per stage (retried, skipped, dead-lettered, failed)
};

class Task {
public:
    Task(std::string connector, int task_id);
    virtual ~Task();
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;

    // Called on the task's thread each time it fails (once per task), after the failure is
    // recorded: the connector's restart policy listens here. Set before start().
    void on_failure(std::function<void()> listener) { on_failure_ = std::move(listener); }
    void start();
    void request_stop();
    // Pause (REST PUT .../pause): the task keeps its plugin instance and Kafka client but
    // stops moving records; its loop notices at the next holding() and reports PAUSED.
    void request_pause(bool paused);
    // Waits for the thread to end; false when it is still running after the timeout.
    bool wait(std::chrono::milliseconds timeout);

    const std::string& connector() const { return connector_; }
    int task_id() const { return task_id_; }
    const std::string& id() const { return id_; }  // "<connector>/<task>"
    // When start() was called (how long a task ran healthy before it failed).
    std::chrono::steady_clock::time_point started_at() const { return started_at_; }
    TaskStatus status() const;
    bool failed() const { return status().state == TaskState::failed; }
    const TaskCounters& counters() const { return counters_; }
    // Set once the task is asked to stop (plugins see it through their host).
    const std::atomic<bool>& stop_flag() const { return stop_; }
    // Consumer lag per assigned partition (sinks; empty for sources).
    virtual std::vector<PartitionLag> lag() const { return {}; }

protected:
    virtual void run() = 0;

    bool stopping() const { return stop_.load(std::memory_order_relaxed); }
    // Called by the task loop once per round: true while a pause is requested (state
    // PAUSED), false otherwise (state back to RUNNING after a pause).
    bool holding();
    void set_state(TaskState state);
    void fail(const std::string& trace);
    // Sleeps unless asked to stop first; false when stopping.
    bool sleep_for(std::chrono::milliseconds duration);

    TaskCounters counters_;

private:
    void main();

    std::string connector_;
    int task_id_;
    std::string id_;
    std::function<void()> on_failure_;
    std::chrono::steady_clock::time_point started_at_{};
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> pause_{false};
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable done_;
    bool finished_ = false;
    TaskStatus status_;
};

}  // namespace sluice::runtime
