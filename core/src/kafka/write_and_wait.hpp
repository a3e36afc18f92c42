// Writing a few records and waiting until Kafka acknowledged every one: for the control
// plane's rare writes (offset records changed over REST), not for a task's stream.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sluice::kafka {

class Cluster;

struct KeyedRecord {
    std::string key;
    std::optional<std::string> value;  // nullopt: a tombstone
    int32_t partition = -1;            // -1: the partitioner's choice (by key)
};

class Producer;

// The same with one producer kept for many writes (a cluster's status and config changes);
// one write at a time.
class KeyedWriter {
public:
    KeyedWriter(Cluster& cluster, std::string name);
    ~KeyedWriter();
    std::optional<std::string> write(const std::string& topic, const std::vector<KeyedRecord>& records, int timeout_ms);

private:
    Cluster& cluster_;
    std::string name_;
    std::mutex mutex_;
    std::unique_ptr<Producer> producer_;
    size_t failed_ = 0;
    std::string refusal_;
};

// nullopt once every record is acknowledged; otherwise what went wrong (some records may
// have been written). Waits at most `timeout_ms` for room in the queue and again for the
// acknowledgements.
std::optional<std::string> write_and_wait(Cluster& cluster, const std::string& topic, const std::vector<KeyedRecord>& records,
                                          int timeout_ms);

}  // namespace sluice::kafka
