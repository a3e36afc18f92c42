// A topic's partition, and a partition with an offset: how the kafka/ types name them.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace sluice::kafka {

struct TopicPartition {
    std::string topic;
    int32_t partition = 0;
    auto operator<=>(const TopicPartition&) const = default;
};

// A partition and an offset (negative: none, e.g. nothing committed).
struct PartitionOffset {
    std::string topic;
    int32_t partition = 0;
    int64_t offset = -1;
};

}  // namespace sluice::kafka
