// Backpressure between a source and the sinks of the same worker that read its topic:
// the source waits while any sink is more than max_lag_bytes behind on a partition.
//
// Kafka normally decouples the two, but the embedded cluster keeps only ~5 MiB per
// partition: a source running far ahead of its sink would have records deleted before
// they are read. With a real broker the gate is off unless configured.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sluice::runtime {

class FlowControl {
public:
    explicit FlowControl(int64_t max_lag_bytes) : max_lag_bytes_(max_lag_bytes) {}
    bool enabled() const { return max_lag_bytes_ > 0; }
    int64_t max_lag_bytes() const { return max_lag_bytes_; }

    // Sinks.
    void add_reader(const std::string& reader, const std::vector<std::string>& topics);
    void remove_reader(const std::string& reader);
    void reader_position(const std::string& reader, const std::string& topic, int32_t partition, int64_t next_offset);

    // Sources: a topic matters only when a local sink reads it.
    bool watched(const std::string& topic) const;
    // Acknowledged records on a partition: end = last offset + 1.
    void writer_progress(const std::string& topic, int32_t partition, int64_t end, double bytes_per_record);
    // Why the writer should wait, or nullopt when it may go on. in_flight_bytes: produced,
    // not yet acknowledged.
    std::optional<std::string> blocked(const std::string& topic, int64_t in_flight_bytes) const;

private:
    struct PartitionProgress {
        int64_t baseline = -1;  // first end seen this run: where an unseen reader is assumed to be
        int64_t end = 0;
        double bytes_per_record = 0;
    };
    struct TopicState {
        std::map<int32_t, PartitionProgress> partitions;
        std::map<std::string, std::map<int32_t, int64_t>> readers;  // reader -> partition -> next offset
    };

    int64_t max_lag_bytes_;
    mutable std::mutex mutex_;
    std::map<std::string, TopicState> topics_;
};

}  // namespace sluice::runtime
