#include "runtime/flow_control.hpp"

#include <algorithm>

namespace sluice::runtime {

void FlowControl::add_reader(const std::string& reader, const std::vector<std::string>& topics) {
    if (!enabled()) return;
    std::lock_guard lock(mutex_);
    for (const auto& t : topics) topics_[t].readers[reader];
}

void FlowControl::remove_reader(const std::string& reader) {
    std::lock_guard lock(mutex_);
    for (auto& [topic, state] : topics_) state.readers.erase(reader);
}

void FlowControl::reader_position(const std::string& reader, const std::string& topic, int32_t partition,
                                  int64_t next_offset) {
    if (!enabled()) return;
    std::lock_guard lock(mutex_);
    auto t = topics_.find(topic);
    if (t == topics_.end()) return;
    auto r = t->second.readers.find(reader);
    if (r == t->second.readers.end()) return;
    r->second[partition] = next_offset;
}

bool FlowControl::watched(const std::string& topic) const {
    if (!enabled()) return false;
    std::lock_guard lock(mutex_);
    auto t = topics_.find(topic);
    return t != topics_.end() && !t->second.readers.empty();
}

void FlowControl::writer_progress(const std::string& topic, int32_t partition, int64_t end, double bytes_per_record) {
    if (!enabled()) return;
    std::lock_guard lock(mutex_);
    auto t = topics_.find(topic);
    if (t == topics_.end()) return;
    PartitionProgress& p = t->second.partitions[partition];
    if (p.baseline < 0) p.baseline = std::max<int64_t>(0, end - 1);
    p.end = std::max(p.end, end);
    if (bytes_per_record > 0) p.bytes_per_record = bytes_per_record;
}

std::optional<std::string> FlowControl::blocked(const std::string& topic, int64_t in_flight_bytes) const {
    if (!enabled()) return std::nullopt;
    std::lock_guard lock(mutex_);
    auto t = topics_.find(topic);
    if (t == topics_.end() || t->second.readers.empty()) return std::nullopt;
    const TopicState& state = t->second;
    // Records not yet acknowledged have no partition yet as far as we know: spread them.
    int64_t spread = in_flight_bytes / static_cast<int64_t>(std::max<size_t>(1, state.partitions.size()));
    if (state.partitions.empty() && in_flight_bytes > max_lag_bytes_)
        return "records waiting for acknowledgement exceed " + std::to_string(max_lag_bytes_) + " bytes";
    for (const auto& [partition, progress] : state.partitions) {
        for (const auto& [reader, positions] : state.readers) {
            auto pos = positions.find(partition);
            int64_t position = pos == positions.end() ? progress.baseline : pos->second;
            int64_t lag = static_cast<int64_t>(static_cast<double>(std::max<int64_t>(0, progress.end - position)) *
                                               progress.bytes_per_record) + spread;
            if (lag > max_lag_bytes_)
                return reader + " is " + std::to_string(lag) + " bytes behind on " + topic + "[" +
                       std::to_string(partition) + "] (limit " + std::to_string(max_lag_bytes_) + ")";
        }
    }
    return std::nullopt;
}

}  // namespace sluice::runtime
