// The records a sink task holds until its next write, copied out of the worker's batch
// (whose bytes live only during put), so that a background thread may write them while the
// task thread goes on consuming. One arena for all bytes; each entry remembers where its
// key, value and headers are, so that a record the store refuses can be handed to the error
// policy exactly as it came from Kafka. Used by the SQL sinks and the redis sink.
#pragma once

#include <sluice/abi.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::batch {

using PartitionKey = std::pair<std::string, std::int32_t>;  // topic, partition

class SinkBuffer {
public:
    using Clock = std::chrono::steady_clock;

    void add(const sluice_record& record);
    std::size_t size() const { return entries_.size(); }
    bool empty() const { return entries_.empty(); }
    std::size_t bytes() const { return arena_.size(); }
    Clock::time_point oldest() const { return oldest_; }

    const std::string& topic(std::size_t i) const { return topics_[entries_[i].topic]; }
    std::int32_t partition(std::size_t i) const { return entries_[i].partition; }
    std::int64_t offset(std::size_t i) const { return entries_[i].offset; }
    std::optional<std::string_view> key(std::size_t i) const { return view(entries_[i].key); }
    std::optional<std::string_view> value(std::size_t i) const { return view(entries_[i].value); }
    // "topic[partition]@offset"
    std::string where(std::size_t i) const;

    // Marks a record as handed to the error policy (it is not reported again if the
    // transaction it was refused in has to be retried).
    void mark_reported(std::size_t i) { entries_[i].reported = true; }
    bool reported(std::size_t i) const { return entries_[i].reported; }

    // The record as the worker gave it, pointing into this buffer: valid until it changes.
    sluice_record record(std::size_t i, std::vector<sluice_header>& headers,
                         std::vector<const sluice_header*>& header_pointers) const;

    // The partitions with records here, and the first buffered offset of each.
    std::map<PartitionKey, std::int64_t> first_offsets() const;
    // Holds each position (topic, partition, offset: a TopicPartition) back to the first
    // record buffered in its partition: what is still here is not written, so the worker
    // must not commit past it.
    template <class Positions>
    void hold_back(Positions& positions) const {
        const auto first = first_offsets();
        for (auto& tp : positions) {
            auto it = first.find({std::string(tp.topic), tp.partition});
            if (it != first.end()) tp.offset = std::min(tp.offset, it->second);
        }
    }
    // Every partition's last buffered offset.
    std::map<PartitionKey, std::int64_t> last_offsets() const;

    void clear();
    // Appends the records of `newer` (after these, in their order).
    void append(SinkBuffer&& newer);
    // Drops the records of these partitions (revoked), keeping the others in order.
    void drop(const std::set<PartitionKey>& partitions);

private:
    struct Span {
        std::uint32_t pos = 0;
        std::uint32_t size = 0;
        bool present = false;
    };
    struct Entry {
        std::uint32_t topic = 0;
        std::int32_t partition = 0;
        std::int64_t offset = 0;
        std::int64_t timestamp_ms = SLUICE_NO_TIMESTAMP;
        Span key, value;
        std::uint32_t header_first = 0, header_count = 0;
        bool reported = false;
    };
    struct StoredHeader {
        Span key, value;
    };
    Span store(const sluice_bytes& b);
    std::optional<std::string_view> view(const Span& s) const {
        if (!s.present) return std::nullopt;
        return std::string_view(arena_.data() + s.pos, s.size);
    }

    std::vector<std::string> topics_;
    std::string arena_;
    std::vector<Entry> entries_;
    std::vector<StoredHeader> headers_;
    Clock::time_point oldest_{};
};

}  // namespace sluice::batch
