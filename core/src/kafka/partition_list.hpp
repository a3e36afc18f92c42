// librdkafka's topic-partition lists, owned: what the consumer and the group offsets
// exchange with librdkafka (assignments, commits, committed offsets).
#pragma once

#include "kafka/partition.hpp"

#include <librdkafka/rdkafka.h>

#include <memory>
#include <vector>

namespace sluice::kafka {

struct PartitionListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

inline PartitionList make_partition_list(size_t capacity) {
    return PartitionList(rd_kafka_topic_partition_list_new(static_cast<int>(capacity)));
}

// Each partition with its offset.
inline PartitionList to_partition_list(const std::vector<PartitionOffset>& parts) {
    auto list = make_partition_list(parts.size());
    for (const auto& p : parts) rd_kafka_topic_partition_list_add(list.get(), p.topic.c_str(), p.partition)->offset = p.offset;
    return list;
}

}  // namespace sluice::kafka
