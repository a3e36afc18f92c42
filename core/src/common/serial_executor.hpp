// Runs jobs one at a time, in the order they were posted, on a thread of its own that exists
// only while there is work. A connector's lifecycle changes (stop, restart, reconfigure) wait
// for its tasks to end; they run here so that the REST thread that asked can answer within a
// bound of its choosing instead of waiting as long as the tasks take.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

namespace sluice {

class SerialExecutor {
public:
    SerialExecutor() = default;
    ~SerialExecutor();  // runs what is queued, then joins
    SerialExecutor(const SerialExecutor&) = delete;
    SerialExecutor& operator=(const SerialExecutor&) = delete;

    // Queues `job`; the future is ready once it ran (an exception it threw is kept there).
    std::shared_future<void> post(std::function<void()> job);
    // True while a job is queued or running.
    bool busy() const;

private:
    void drain();

    mutable std::mutex mutex_;
    std::deque<std::packaged_task<void()>> queue_;
    bool running_ = false;  // a thread is draining the queue
    std::thread thread_;
};

}  // namespace sluice
