// Reading a whole topic once, from each partition's start to its high watermark as of the
// start of the read (the offsets topic at start-up): partitions assigned by hand, no group.
#pragma once

#include "kafka/cluster.hpp"

#include <sluice/abi.h>

#include <chrono>
#include <functional>
#include <string>

namespace sluice::kafka {

// Calls `each` for every record (value.data null: a tombstone) of the topic's `partitions`
// partitions; false with `error` set when the topic cannot be read within `timeout`.
bool read_to_end(Cluster& cluster, const std::string& topic, int32_t partitions, const std::function<void(const sluice_record&)>& each,
                 std::chrono::milliseconds timeout, std::string& error);

}  // namespace sluice::kafka
