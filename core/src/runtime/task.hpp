// A task: one thread running one plugin instance, with a state others can read.
// States are Kafka Connect's, so status answers read the same.
#pragma once

#include "runtime/error_counters.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace sluice::runtime {

enum class TaskState { unassigned, running, paused, failed, restarting, stopped };
std::string_view state_name(TaskState state);  // "RUNNING", ...

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
    ErrorCounters errors;  // what the error policy did, per stage (retried, skipped, dead-lettered, failed)
};

class Task {
public:
    Task(std::string connector, int task_id);
    virtual ~Task();
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;

    void start();
    void request_stop();
    // Waits for the thread to end; false when it is still running after the timeout.
    bool wait(std::chrono::milliseconds timeout);

    const std::string& connector() const { return connector_; }
    int task_id() const { return task_id_; }
    const std::string& id() const { return id_; }  // "<connector>/<task>"
    TaskStatus status() const;
    bool failed() const { return status().state == TaskState::failed; }
    const TaskCounters& counters() const { return counters_; }

protected:
    virtual void run() = 0;

    bool stopping() const { return stop_.load(std::memory_order_relaxed); }
    const std::atomic<bool>& stop_flag() const { return stop_; }
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
    std::thread thread_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable done_;
    bool finished_ = false;
    TaskStatus status_;
};

}  // namespace sluice::runtime
