#include "uploader.hpp"

#include <algorithm>

namespace sluice::s3 {

Uploader::Uploader(std::size_t threads, std::function<Bucket()> make_bucket)
    : threads_(std::max<std::size_t>(1, threads)), make_bucket_(std::move(make_bucket)) {}

Uploader::~Uploader() {
    {
        std::lock_guard lock(mutex_);
        ending_ = true;
        queue_.clear();
    }
    changed_.notify_all();
    for (auto& t : workers_) t.join();
}

void Uploader::add(const void* lane, std::size_t id, Send send) {
    {
        std::lock_guard lock(mutex_);
        queue_.push_back({lane, id, std::move(send)});
        // Threads are started as uploads need them: a task that never closes an object
        // (or closes few) holds no idle threads and connections.
        if (workers_.size() < threads_ && workers_.size() < queue_.size() + busy_lanes_.size())
            workers_.emplace_back([this, bucket = make_bucket_()]() mutable { run(std::move(bucket)); });
    }
    changed_.notify_all();
}

std::optional<Uploader::Job> Uploader::next_job() {
    if (paused_) return std::nullopt;
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if (std::find(busy_lanes_.begin(), busy_lanes_.end(), it->lane) != busy_lanes_.end()) continue;
        // Not past an earlier job of its lane still queued (cannot happen while the lane is
        // idle, but the order is the point of lanes).
        Job job = std::move(*it);
        queue_.erase(it);
        busy_lanes_.push_back(job.lane);
        return job;
    }
    return std::nullopt;
}

void Uploader::run(Bucket bucket) {
    std::unique_lock lock(mutex_);
    while (true) {
        std::optional<Job> job;
        changed_.wait(lock, [&] { return ending_ || (job = next_job()).has_value(); });
        if (!job) return;  // ending
        lock.unlock();
        Finished done{job->lane, job->id, std::nullopt};
        try {
            job->send(bucket);
        } catch (const aws::Failure& f) {
            done.failure = f;
        } catch (const std::exception& e) {
            done.failure = aws::Failure(e.what(), false);
        }
        job->send = nullptr;  // what it captured goes now, not under the lock
        lock.lock();
        if (done.failure) paused_ = true;
        busy_lanes_.erase(std::find(busy_lanes_.begin(), busy_lanes_.end(), done.lane));
        finished_.push_back(std::move(done));
        changed_.notify_all();
    }
}

std::vector<Uploader::Finished> Uploader::take_finished() {
    std::lock_guard lock(mutex_);
    return std::exchange(finished_, {});
}

void Uploader::wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return busy_lanes_.empty() && (queue_.empty() || paused_); });
}

std::vector<std::size_t> Uploader::cancel() {
    std::unique_lock lock(mutex_);
    std::vector<std::size_t> dropped;
    for (const Job& job : queue_) dropped.push_back(job.id);
    queue_.clear();
    changed_.wait(lock, [&] { return busy_lanes_.empty(); });
    return dropped;
}

void Uploader::resume() {
    {
        std::lock_guard lock(mutex_);
        paused_ = false;
    }
    changed_.notify_all();
}

}  // namespace sluice::s3
