// Runs jobs at a later time on a thread of its own, started at the first job and ended with
// the object. A connector's automatic restarts wait out their backoff here, so that neither
// the failed task's thread nor the connector's lifecycle thread (which must stay free for
// REST pause, stop and delete) sleeps through it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace sluice {

class DelayedJobs {
public:
    using Clock = std::chrono::steady_clock;
    DelayedJobs() = default;
    ~DelayedJobs();  // drops what has not run yet, then joins
    DelayedJobs(const DelayedJobs&) = delete;
    DelayedJobs& operator=(const DelayedJobs&) = delete;

    // Runs `job` on the jobs' thread once `when` has come (jobs due together run in the
    // order they were scheduled).
    void schedule(Clock::time_point when, std::function<void()> job);
    // Jobs waiting to run.
    size_t pending() const;

private:
    void run();

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::multimap<Clock::time_point, std::function<void()>> jobs_;
    bool ending_ = false;
    std::thread thread_;
};

}  // namespace sluice
