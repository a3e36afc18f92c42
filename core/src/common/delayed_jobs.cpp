#include "common/delayed_jobs.hpp"

namespace sluice {

DelayedJobs::~DelayedJobs() {
    {
        std::lock_guard lock(mutex_);
        ending_ = true;
        jobs_.clear();
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void DelayedJobs::schedule(Clock::time_point when, std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        if (ending_) return;
        jobs_.emplace(when, std::move(job));
        if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    }
    wake_.notify_all();
}

size_t DelayedJobs::pending() const {
    std::lock_guard lock(mutex_);
    return jobs_.size();
}

void DelayedJobs::run() {
    std::unique_lock lock(mutex_);
    while (!ending_) {
        if (jobs_.empty()) {
            wake_.wait(lock, [this] { return ending_ || !jobs_.empty(); });
            continue;
        }
        auto first = jobs_.begin();
        if (Clock::now() < first->first) {
            wake_.wait_until(lock, first->first);
            continue;  // woken early (a sooner job, the end) or due: look again
        }
        auto job = std::move(first->second);
        jobs_.erase(first);
        lock.unlock();
        job();
        lock.lock();
    }
}

}  // namespace sluice
