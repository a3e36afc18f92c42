// Writing a few records and waiting until Kafka acknowledged every one: for the control
// plane's rare writes (offset records changed over REST), not for a task's stream.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sluice::kafka {

class Cluster;

struct KeyedRecord {
    std::string key;
    std::optional<std::string> value;  // nullopt: a tombstone
};

// nullopt once every record is acknowledged; otherwise what went wrong (some records may
// have been written). Waits at most `timeout_ms` for room in the queue and again for the
// acknowledgements.
std::optional<std::string> write_and_wait(Cluster& cluster, const std::string& topic, const std::vector<KeyedRecord>& records,
                                          int timeout_ms);

}  // namespace sluice::kafka
