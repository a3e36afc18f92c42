// Where a sink task stands on each assigned partition: where the next record should be
// (to notice records deleted before they were read), the offset after the last record
// put, and the offset last committed. What may be committed after a flush is computed
// here: never past what was put, never backwards.
#pragma once

#include "kafka/consumer.hpp"

#include <sluice/abi.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sluice::runtime {

struct PartitionLag;

class SinkPositions {
public:
    using TopicPartition = kafka::TopicPartition;

    // Newly assigned partitions: those without a start (offset < 0; the sink's open() may
    // have set one) continue at the group's committed offset, read here so that gaps can be
    // told; without one, the consumer starts where auto.offset.reset says.
    void start(std::vector<kafka::PartitionOffset>& partitions, kafka::Consumer& consumer);
    void revoke(const std::vector<kafka::PartitionOffset>& partitions);
    bool assigned(const TopicPartition& tp) const { return assignment_.count(tp) > 0; }
    bool assigned(const sluice_record& r) const;
    bool empty() const { return positions_.empty(); }
    size_t assignment_size() const { return assignment_.size(); }

    // Records lost to the sink: deleted from Kafka before they were read.
    struct Gap {
        std::string what;  // which, and why they are gone
        int64_t lost = 0;  // how many (0: unknown, a recreated topic)
        int64_t resume = 0;  // the offset reading goes on at
    };
    // Checks that each record continues its partition where the previous one ended. librdkafka
    // moves a fetch position that is no longer on the broker (retention, a recreated topic) to
    // the partition's start with one WARN line: a jump forward that the partition's start
    // (the consumer's cached watermarks) explains is such a loss, a jump within the log is a
    // transaction marker or compaction, a jump backward a recreated topic. A loss is handed to
    // `on_gap`, which answers whether to go on.
    bool continuous(const std::vector<kafka::Consumed>& records, kafka::Consumer& consumer,
                    const std::function<bool(const Gap&)>& on_gap);
    // The records were put: each partition continues after its last one.
    void put(const std::vector<kafka::Consumed>& records);
    const std::map<TopicPartition, int64_t>& positions() const { return positions_; }

    // The positions a flush is offered (offset: next to commit).
    std::vector<sluice_topic_partition> flush_positions() const;
    // What to commit of what flush returned: lowered to what was put, nothing already committed.
    std::vector<kafka::PartitionOffset> to_commit(const std::vector<sluice_topic_partition>& flushed) const;
    void committed(const std::vector<kafka::PartitionOffset>& offsets);

    // How far each assigned partition trails its high watermark.
    std::vector<PartitionLag> lag(kafka::Consumer& consumer) const;

private:
    std::set<TopicPartition> assignment_;
    std::map<TopicPartition, int64_t> expected_;   // where each partition's next record should be
    std::map<TopicPartition, int64_t> positions_;  // next offset after the last record put
    std::map<TopicPartition, int64_t> committed_;
};

}  // namespace sluice::runtime
