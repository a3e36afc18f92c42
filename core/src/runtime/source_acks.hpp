// What happens to a source task's records after they are handed to Kafka: delivery
// reports retire them in order (AckTracker), the offsets they make committable are
// written to the offsets topic (OffsetWriter), the backpressure gate learns how far the
// topic got (SourceProgress), the tap sees each acknowledged record, and the task's
// counters move once per serve. With exactly-once delivery the offsets are written by the
// task's transactions instead (SourceTransactions, through the same writer).
#pragma once

#include "config/pipeline_config.hpp"
#include "kafka/producer.hpp"
#include "offsets/offset_writer.hpp"
#include "runtime/ack_tracker.hpp"
#include "runtime/source_progress.hpp"
#include "runtime/tap.hpp"
#include "runtime/task.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace sluice::runtime {

class SourceAcks {
public:
    SourceAcks(kafka::Producer& producer, offsets::OffsetStore& store, const config::ConnectorSpec& spec, FlowControl& flow,
               TapPoint& tap, TaskCounters& counters, bool transactional = false);

    AckTracker& tracker() { return tracker_; }
    SourceProgress& progress() { return progress_; }
    // A record of this task was handed to Kafka (dead-letter copies are not counted here).
    void sent(AckTracker::Batch* b, uint64_t bytes) {
        AckTracker::produced(b);
        progress_.sent(bytes);
    }
    void delivered(const kafka::Delivery& delivery);

    // After the producer served its reports: counters and progress published, the failure
    // that blocks the line if any, and the round of offset writes that settled if one did
    // (a failed round's offsets are back in line already).
    std::optional<std::string> advance();
    std::optional<offsets::OffsetWriter::Settled> settled();

    // Writes what became committable, unless the previous round is still on its way.
    void flush_offsets();
    void flush_offsets_every(std::chrono::milliseconds interval);
    bool writing_offsets() const { return offsets_.writing(); }
    offsets::OffsetWriter& offset_writer() { return offsets_; }

private:
    using Clock = std::chrono::steady_clock;
    offsets::OffsetWriter offsets_;
    const config::ConnectorSpec& spec_;
    TapPoint& tap_;
    TaskCounters& counters_;
    AckTracker tracker_;
    SourceProgress progress_;
    Clock::time_point last_flush_ = Clock::now();
    uint64_t acked_records_ = 0;  // acknowledged since the last advance()
    uint64_t acked_bytes_ = 0;
};

}  // namespace sluice::runtime
