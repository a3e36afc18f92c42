// What the error policy did, per task and per stage: records retried, skipped, written to
// the dead-letter topic, and failures that ended the task. Atomics written by the task's
// thread and read by status and metrics; ErrorCounts is a plain copy for reports.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::runtime {

// Kafka Connect's stage names (ErrantRecordReporter / __connect.errors.stage).
enum class ErrorStage {
    key_converter,
    value_converter,
    header_converter,
    transformation,
    task_put,
    task_poll,
    kafka_produce,
    kafka_consume
};
inline constexpr size_t kErrorStageCount = 8;

inline std::string_view stage_name(ErrorStage stage) {
    switch (stage) {
    case ErrorStage::key_converter: return "KEY_CONVERTER";
    case ErrorStage::value_converter: return "VALUE_CONVERTER";
    case ErrorStage::header_converter: return "HEADER_CONVERTER";
    case ErrorStage::transformation: return "TRANSFORMATION";
    case ErrorStage::task_put: return "TASK_PUT";
    case ErrorStage::task_poll: return "TASK_POLL";
    case ErrorStage::kafka_produce: return "KAFKA_PRODUCE";
    case ErrorStage::kafka_consume: return "KAFKA_CONSUME";
    }
    return "UNKNOWN";
}

struct StageErrorCounters {
    std::atomic<uint64_t> records_retried{0};        // retry attempts after a retriable failure
    std::atomic<uint64_t> records_skipped{0};        // failed records tolerated (errors.tolerance=all), DLQ or not
    std::atomic<uint64_t> records_dead_lettered{0};  // of those, written to the dead-letter topic
    std::atomic<uint64_t> records_failed{0};         // failed records (tolerated or not)
};

struct ErrorCounts {
    struct Stage {
        uint64_t records_retried = 0, records_skipped = 0, records_dead_lettered = 0, records_failed = 0;
    };
    std::array<Stage, kErrorStageCount> by_stage{};

    const Stage& at(ErrorStage s) const { return by_stage[static_cast<size_t>(s)]; }
    Stage total() const {
        Stage t;
        for (const auto& s : by_stage) {
            t.records_retried += s.records_retried;
            t.records_skipped += s.records_skipped;
            t.records_dead_lettered += s.records_dead_lettered;
            t.records_failed += s.records_failed;
        }
        return t;
    }
};

struct ErrorCounters {
    std::array<StageErrorCounters, kErrorStageCount> by_stage;

    StageErrorCounters& at(ErrorStage s) { return by_stage[static_cast<size_t>(s)]; }
    ErrorCounts snapshot() const {
        ErrorCounts out;
        for (size_t i = 0; i < kErrorStageCount; ++i) {
            out.by_stage[i].records_retried = by_stage[i].records_retried.load(std::memory_order_relaxed);
            out.by_stage[i].records_skipped = by_stage[i].records_skipped.load(std::memory_order_relaxed);
            out.by_stage[i].records_dead_lettered = by_stage[i].records_dead_lettered.load(std::memory_order_relaxed);
            out.by_stage[i].records_failed = by_stage[i].records_failed.load(std::memory_order_relaxed);
        }
        return out;
    }
};

}  // namespace sluice::runtime
