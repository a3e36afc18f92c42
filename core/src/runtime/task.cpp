#include "runtime/task.hpp"

#include "common/log.hpp"

namespace sluice::runtime {

std::string_view state_name(TaskState state) {
    switch (state) {
    case TaskState::unassigned: return "UNASSIGNED";
    case TaskState::running: return "RUNNING";
    case TaskState::paused: return "PAUSED";
    case TaskState::failed: return "FAILED";
    case TaskState::restarting: return "RESTARTING";
    case TaskState::stopped: return "STOPPED";
    }
    return "UNKNOWN";
}

Task::Task(std::string connector, int task_id)
    : connector_(std::move(connector)), task_id_(task_id), id_(connector_ + "/" + std::to_string(task_id)) {}

Task::~Task() {
    request_stop();
    if (thread_.joinable()) thread_.join();
}

void Task::start() {
    started_at_ = std::chrono::steady_clock::now();
    thread_ = std::thread([this] { main(); });
}

void Task::main() {
    log::Scope scope(id_);
    try {
        run();
    } catch (const std::exception& e) {
        fail(std::string("internal error: ") + e.what());
    } catch (...) {
        fail("internal error");
    }
    {
        std::lock_guard lock(mutex_);
        if (status_.state != TaskState::failed) status_.state = TaskState::stopped;
        finished_ = true;
    }
    done_.notify_all();
}

void Task::request_stop() {
    stop_.store(true);
    std::lock_guard lock(mutex_);
    wake_.notify_all();
}

void Task::request_pause(bool paused) { pause_.store(paused); }

bool Task::holding() {
    const bool hold = pause_.load(std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    if (status_.state == TaskState::failed) return hold;
    if (hold && status_.state == TaskState::running) status_.state = TaskState::paused;
    else if (!hold && status_.state == TaskState::paused) status_.state = TaskState::running;
    return hold;
}

bool Task::wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!thread_.joinable()) return true;
    if (!done_.wait_for(lock, timeout, [this] { return finished_; })) return false;
    lock.unlock();
    thread_.join();
    return true;
}

TaskStatus Task::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

void Task::set_state(TaskState state) {
    std::lock_guard lock(mutex_);
    if (status_.state == TaskState::failed) return;
    status_.state = state;
}

void Task::fail(const std::string& trace) {
    {
        std::lock_guard lock(mutex_);
        if (status_.state == TaskState::failed) return;
        status_.state = TaskState::failed;
        // Shown over REST: never a secret or a value from a config provider.
        status_.trace = log::mask_secrets(trace);
    }
    log::error("task failed: ", trace);
    if (on_failure_) on_failure_();
}

bool Task::sleep_for(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, duration, [this] { return stopping(); });
    return !stopping();
}

}  // namespace sluice::runtime
