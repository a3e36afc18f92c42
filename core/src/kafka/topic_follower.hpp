// Following a whole topic live, from the beginning of every partition (a cluster's config and
// status topics): one consumer with partitions assigned by hand (no group), on its own
// thread, handing each record to a handler in order per partition. sync() gives
// read-your-writes: it returns once everything written before the call has been handed over.
#pragma once

#include "kafka/cluster.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sluice::kafka {

struct FollowedRecord {
    int32_t partition = 0;
    int64_t offset = 0;
    std::string key;
    std::optional<std::string> value;  // nullopt: a tombstone
};

class TopicFollower {
public:
    using Handler = std::function<void(const FollowedRecord&)>;
    TopicFollower(Cluster& cluster, std::string topic, std::string name, Handler each);
    ~TopicFollower();
    TopicFollower(const TopicFollower&) = delete;
    TopicFollower& operator=(const TopicFollower&) = delete;

    // Finds the partitions and starts following; false (error set) when the topic cannot be read.
    bool start(std::chrono::milliseconds timeout, std::string& error);
    // Waits until every record Kafka held at the time of the call has been handed to the
    // handler; false (error set) when Kafka does not answer or the reader is behind at `timeout`.
    bool sync(std::chrono::milliseconds timeout, std::string& error);
    void stop();

private:
    void run();

    Cluster& cluster_;
    std::string topic_;
    std::string name_;
    Handler each_;
    Client consumer_;
    int32_t partitions_ = 0;
    std::mutex mutex_;
    std::condition_variable advanced_;
    std::vector<int64_t> next_;  // per partition: the offset after the last record handed over
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace sluice::kafka
