// The uploads of closed objects, on threads of their own so that the task thread keeps
// consuming and building the next objects meanwhile: up to `threads` uploads in flight at
// once (a store answers one request at a time per connection, so several connections keep
// it busy while one waits on the network), but never two of one lane (a partition), and a
// lane's uploads in the order they were added: an object must not become visible before an
// older one of its partition, since open() resumes after the newest object of a partition.
//
// The task thread adds uploads and takes what finished; an upload that fails pauses the
// uploader (nothing more starts) until the task thread has dealt with it.
#pragma once

#include "bucket.hpp"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace sluice::s3 {

class Uploader {
public:
    // Sends one upload with the calling upload thread's bucket; throws aws::Failure (or
    // anything else: taken as a non-retriable failure).
    using Send = std::function<void(Bucket&)>;
    struct Finished {
        const void* lane;
        std::size_t id;                       // as given to add()
        std::optional<aws::Failure> failure;  // set when the upload failed
    };

    // `threads` upload threads (at least one), each with a bucket made by `make_bucket`,
    // started with the first upload.
    Uploader(std::size_t threads, std::function<Bucket()> make_bucket);
    // Waits for the uploads in flight; the queued ones are dropped.
    ~Uploader();
    Uploader(const Uploader&) = delete;
    Uploader& operator=(const Uploader&) = delete;

    // Queues an upload after every earlier one of `lane`.
    void add(const void* lane, std::size_t id, Send send);
    // The uploads over since the last call, in the order they ended.
    std::vector<Finished> take_finished();
    // Waits until nothing is queued or in flight, or, after a failure, until nothing is in flight.
    void wait();
    // Waits until nothing is in flight and drops what is queued; returns the dropped ids.
    std::vector<std::size_t> cancel();
    // Lets uploads start again after a failure (the task has dealt with it).
    void resume();

private:
    struct Job {
        const void* lane;
        std::size_t id;
        Send send;
    };
    void run(Bucket bucket);
    // The first queued job whose lane is idle, taken out of the queue (under the lock).
    std::optional<Job> next_job();

    std::size_t threads_;
    std::function<Bucket()> make_bucket_;
    std::mutex mutex_;
    std::condition_variable changed_;  // a job queued or finished, a resume, the end
    std::deque<Job> queue_;
    std::vector<const void*> busy_lanes_;  // lanes with an upload in flight
    std::vector<Finished> finished_;
    bool paused_ = false;   // a failure: nothing starts until resume()
    bool ending_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace sluice::s3
