// A consumer group's committed offsets, read and changed from outside the group's members:
// what the offsets admin of a STOPPED sink connector needs (Kafka Connect's KIP-875). Reads
// need no membership (OffsetFetch, watermarks); a commit joins the group as its only member,
// commits synchronously and leaves: a plain commit from outside the group is refused by some
// brokers (the embedded cluster answers UNKNOWN_MEMBER_ID), and the Admin API's group calls
// are not served by it.
#pragma once

#include "kafka/client.hpp"
#include "kafka/partition.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::kafka {

class Cluster;

// Kafka could not be reached or refused. `busy`: the group did not hand this client every
// partition in time (another member still holds some).
struct GroupOffsetsError : std::runtime_error {
    GroupOffsetsError(const std::string& message, bool busy_group = false) : std::runtime_error(message), busy(busy_group) {}
    bool busy;
};

class GroupOffsets {
public:
    // Every call waits at most `timeout_ms` per Kafka round trip (a join at most 30 s).
    GroupOffsets(Cluster& cluster, std::string group, int timeout_ms = 10000);

    const std::string& group() const { return group_; }
    // The committed offset of every partition of the topics that exist.
    std::vector<PartitionOffset> committed(const std::vector<std::string>& topics);
    // The partition's earliest offset (what a group without a committed offset reads with
    // auto.offset.reset=earliest).
    int64_t earliest(const std::string& topic, int32_t partition);
    // Commits `offsets` as the group's member subscribed to `topics`.
    void commit(const std::vector<std::string>& topics, const std::vector<PartitionOffset>& offsets);

private:
    Client client(const std::string& purpose);
    Cluster& cluster_;
    std::string group_;
    int timeout_ms_;
    Client watermarks_;  // never joins: watermark queries only
};

}  // namespace sluice::kafka
