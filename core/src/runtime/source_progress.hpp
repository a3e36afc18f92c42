// A source task's side of the backpressure gate (FlowControl): the bytes it has in flight
// and how far Kafka acknowledged its topic per partition, published to the gate once per
// serve rather than per record. Inert unless a local sink reads the topic.
#pragma once

#include "runtime/flow_control.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::runtime {

class SourceProgress {
public:
    SourceProgress(FlowControl& flow, const std::string& topic) : flow_(flow), topic_(topic), watched_(flow.watched(topic)) {}

    bool watched() const { return watched_; }
    void sent(uint64_t bytes) { in_flight_bytes_ += static_cast<int64_t>(bytes); }
    // A report for a record sent to `topic` (acknowledged or not): no longer in flight.
    void reported(uint64_t bytes) { in_flight_bytes_ -= static_cast<int64_t>(bytes); }
    // Kafka acknowledged a record of the connector's topic at `offset`.
    void acknowledged(int32_t partition, int64_t offset, uint64_t bytes);
    // Hands what changed since the last publish to the gate.
    void publish();
    // Why the source should wait for its sinks, or nullopt.
    std::optional<std::string> blocked() const { return watched_ ? flow_.blocked(topic_, in_flight_bytes_) : std::nullopt; }

private:
    struct Partition {
        int64_t end = 0;
        uint64_t bytes = 0;
        uint64_t records = 0;
        bool changed = false;
    };
    FlowControl& flow_;
    const std::string& topic_;
    bool watched_;
    int64_t in_flight_bytes_ = 0;
    std::vector<Partition> partitions_;
};

}  // namespace sluice::runtime
