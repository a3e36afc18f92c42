// The worker's view of the offsets topic: read to the end at start-up (last record per
// key wins, a null value deletes), then kept current as tasks write new offsets.
#pragma once

#include "kafka/cluster.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice::kafka {
class TopicFollower;
}

namespace sluice::offsets {

class OffsetStore {
public:
    explicit OffsetStore(std::string topic);
    ~OffsetStore();

    // Reads every partition of the topic from its start to its high watermark.
    bool load(kafka::Cluster& cluster, std::string& error);
    // Cluster mode, instead of load(): reads the topic and keeps following it, since other
    // workers write the offsets of tasks that may move here.
    bool follow(kafka::Cluster& cluster, std::string& error);
    // Before a source task reads its offsets: everything written so far is in (at once when
    // not following). False (error) when the topic could not be read up to now in time.
    bool sync(std::chrono::milliseconds timeout, std::string& error);

    const std::string& topic() const { return topic_; }
    std::optional<std::string> get(const std::string& connector, const std::string& canonical_partition) const;
    void put(const std::string& connector, const std::string& canonical_partition, const std::string& offset);
    void erase(const std::string& connector, const std::string& canonical_partition);
    // (partition, offset) pairs of one connector.
    std::vector<std::pair<std::string, std::string>> offsets_of(const std::string& connector) const;
    size_t size() const;

private:
    void apply(std::string_view key, const std::optional<std::string_view>& value, size_t& malformed);

    std::string topic_;
    std::unique_ptr<kafka::TopicFollower> follower_;
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, std::string>, std::string> offsets_;
};

}  // namespace sluice::offsets
