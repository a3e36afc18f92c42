// A sink's flush and the commit that follows it: every dead-letter record acknowledged
// first (offsets may pass a dead-lettered record only once Kafka has its copy), then
// plugin.flush with the positions reached, then a commit of what flush returned (lowered
// to what was put, never backwards).
#pragma once

#include "kafka/consumer.hpp"
#include "plugin/instance.hpp"
#include "runtime/sink_dead_letters.hpp"
#include "runtime/sink_positions.hpp"
#include "runtime/task.hpp"

#include <chrono>
#include <string>

namespace sluice::runtime {

class SinkCommit {
public:
    SinkCommit(SinkPositions& positions, SinkDeadLetters& dead_letters, TaskCounters& counters,
               std::chrono::milliseconds dead_letter_wait)
        : positions_(positions), dead_letters_(dead_letters), counters_(counters), dead_letter_wait_(dead_letter_wait) {}

    struct Result {
        std::string failure;  // non-empty: the task fails with it
        bool fatal = false;   // the plugin said FATAL (or a dead letter was lost): no more calls into it
        bool ok() const { return failure.empty(); }
    };
    // Nothing to do (no position yet) is ok; a flush that asks to retry, or dead letters
    // still on their way, leave the offsets uncommitted until the next round.
    Result run(plugin::Sink& instance, kafka::Consumer& consumer);

private:
    SinkPositions& positions_;
    SinkDeadLetters& dead_letters_;
    TaskCounters& counters_;
    std::chrono::milliseconds dead_letter_wait_;
};

}  // namespace sluice::runtime
