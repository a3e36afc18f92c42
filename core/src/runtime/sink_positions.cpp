#include "runtime/sink_positions.hpp"

#include "common/log.hpp"
#include "runtime/task.hpp"

#include <algorithm>

namespace sluice::runtime {

namespace {
constexpr int kCommittedTimeoutMs = 10000;

// Records of one partition come in runs: a lookup per run, not per record.
template <typename Map, typename Fn>
void for_each_run(Map& map, const std::vector<kafka::Consumed>& records, bool create, Fn&& fn) {
    const char* run_topic = nullptr;
    int32_t run_partition = -1;
    typename Map::mapped_type* slot = nullptr;
    for (const kafka::Consumed& c : records) {
        const sluice_record& r = c.record;
        if (r.topic.data != run_topic || r.partition != run_partition) {
            kafka::TopicPartition tp{std::string(r.topic.data, r.topic.size), r.partition};
            if (create) {
                slot = &map[tp];  // std::map: stays valid
            } else {
                auto it = map.find(tp);
                slot = it == map.end() ? nullptr : &it->second;
            }
            run_topic = r.topic.data;
            run_partition = r.partition;
        }
        if (slot != nullptr && !fn(r, *slot)) return;
    }
}
}  // namespace

void SinkPositions::start(std::vector<kafka::PartitionOffset>& partitions, kafka::Consumer& consumer) {
    std::vector<kafka::PartitionOffset> unset;
    for (const auto& p : partitions)
        if (p.offset < 0) unset.push_back(p);
    if (!unset.empty() && !consumer.committed(unset, kCommittedTimeoutMs))
        log::warn("cannot read the committed offsets of the assigned partitions: records deleted before they are read "
                  "go undetected until they are");
    else
        for (const auto& u : unset)
            for (auto& p : partitions)
                if (u.offset >= 0 && p.topic == u.topic && p.partition == u.partition) p.offset = u.offset;
    for (const auto& p : partitions) {
        assignment_.insert({p.topic, p.partition});
        if (p.offset >= 0) expected_[{p.topic, p.partition}] = p.offset;
    }
}

void SinkPositions::revoke(const std::vector<kafka::PartitionOffset>& partitions) {
    for (const auto& p : partitions) {
        TopicPartition tp{p.topic, p.partition};
        assignment_.erase(tp);
        expected_.erase(tp);
        positions_.erase(tp);
        committed_.erase(tp);
    }
}

bool SinkPositions::assigned(const sluice_record& r) const {
    return assignment_.count({std::string(r.topic.data, r.topic.size), r.partition}) > 0;
}

bool SinkPositions::continuous(const std::vector<kafka::Consumed>& records, kafka::Consumer& consumer,
                               const std::function<bool(const Gap&)>& on_gap) {
    bool ok = true;
    for_each_run(expected_, records, false, [&](const sluice_record& r, int64_t& expected) {
        if (expected >= 0 && r.offset != expected) {
            const std::string topic(r.topic.data, r.topic.size);
            const std::string where = topic + "[" + std::to_string(r.partition) + "]";
            Gap gap;
            gap.resume = r.offset;
            if (r.offset > expected) {
                auto marks = consumer.cached_watermarks({topic, r.partition});
                const int64_t low = marks ? marks->low : -1;
                if (low > expected) {  // else still on the broker: a transaction marker or compaction
                    const int64_t last = std::min(r.offset, low) - 1;
                    gap.lost = last - expected + 1;
                    gap.what = where + ": offsets " + std::to_string(expected) + ".." + std::to_string(last) + " (" +
                               std::to_string(gap.lost) +
                               " records) were deleted from Kafka before this sink read them (retention, or a recreated topic)";
                }
            } else {
                gap.what = where + ": Kafka restarted the partition at offset " + std::to_string(r.offset) + " where " +
                           std::to_string(expected) + " was next (a recreated topic): the records this sink had not read are lost";
            }
            if (!gap.what.empty() && !on_gap(gap)) return ok = false;
        }
        expected = r.offset + 1;
        return true;
    });
    return ok;
}

void SinkPositions::put(const std::vector<kafka::Consumed>& records) {
    // A jump here is a transaction marker or compaction; deletions come as resets.
    for_each_run(positions_, records, true, [](const sluice_record& r, int64_t& next) {
        next = r.offset + 1;
        return true;
    });
}

std::vector<sluice_topic_partition> SinkPositions::flush_positions() const {
    std::vector<sluice_topic_partition> parts;
    parts.reserve(positions_.size());
    for (const auto& [tp, pos] : positions_) parts.push_back({tp.topic.c_str(), tp.partition, pos});
    return parts;
}

std::vector<kafka::PartitionOffset> SinkPositions::to_commit(const std::vector<sluice_topic_partition>& flushed) const {
    std::vector<kafka::PartitionOffset> out;
    for (const auto& p : flushed) {
        TopicPartition tp{p.topic, p.partition};
        auto pos = positions_.find(tp);
        if (pos == positions_.end()) continue;
        // The sink may keep offsets back (not yet durable), never push them past what it got.
        const int64_t offset = std::min(p.offset, pos->second);
        auto done = committed_.find(tp);
        if (offset < 0 || (done != committed_.end() && done->second >= offset)) continue;
        out.push_back({tp.topic, tp.partition, offset});
    }
    return out;
}

void SinkPositions::committed(const std::vector<kafka::PartitionOffset>& offsets) {
    for (const auto& o : offsets) committed_[{o.topic, o.partition}] = o.offset;
}

std::vector<PartitionLag> SinkPositions::lag(kafka::Consumer& consumer) const {
    std::vector<PartitionLag> lag;
    for (const auto& tp : assignment_) {
        auto marks = consumer.cached_watermarks(tp);
        if (!marks) continue;
        auto pos = positions_.find(tp);
        auto done = committed_.find(tp);
        const int64_t position = pos != positions_.end() ? pos->second : done != committed_.end() ? done->second : marks->low;
        lag.push_back({tp.topic, tp.partition, std::max<int64_t>(0, marks->high - position)});
    }
    return lag;
}

}  // namespace sluice::runtime
