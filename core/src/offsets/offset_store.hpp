// The worker's view of the offsets topic: read to the end at start-up (last record per
// key wins, a null value deletes), then kept current as tasks write new offsets.
#pragma once

#include "kafka/cluster.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice::offsets {

class OffsetStore {
public:
    explicit OffsetStore(std::string topic) : topic_(std::move(topic)) {}

    // Reads every partition of the topic from its start to its high watermark.
    bool load(kafka::Cluster& cluster, std::string& error);

    const std::string& topic() const { return topic_; }
    std::optional<std::string> get(const std::string& connector, const std::string& canonical_partition) const;
    void put(const std::string& connector, const std::string& canonical_partition, const std::string& offset);
    void erase(const std::string& connector, const std::string& canonical_partition);
    // (partition, offset) pairs of one connector.
    std::vector<std::pair<std::string, std::string>> offsets_of(const std::string& connector) const;
    size_t size() const;

private:
    std::string topic_;
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, std::string>, std::string> offsets_;
};

}  // namespace sluice::offsets
