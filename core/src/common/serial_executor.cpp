#include "common/serial_executor.hpp"

namespace sluice {

SerialExecutor::~SerialExecutor() {
    std::thread last;
    {
        std::lock_guard lock(mutex_);
        last.swap(thread_);
    }
    // The draining thread ends once the queue is empty; nobody may post any more.
    if (last.joinable()) last.join();
}

std::shared_future<void> SerialExecutor::post(std::function<void()> job) {
    std::packaged_task<void()> task(std::move(job));
    std::shared_future<void> done = task.get_future().share();
    std::thread finished;
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(task));
        if (running_) return done;
        running_ = true;
        finished.swap(thread_);  // the previous drainer has returned (running_ was false)
        thread_ = std::thread([this] { drain(); });
    }
    if (finished.joinable()) finished.join();
    return done;
}

bool SerialExecutor::busy() const {
    std::lock_guard lock(mutex_);
    return running_;
}

void SerialExecutor::drain() {
    for (;;) {
        std::packaged_task<void()> task;
        {
            std::lock_guard lock(mutex_);
            if (queue_.empty()) {
                running_ = false;
                return;
            }
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        task();
    }
}

}  // namespace sluice
