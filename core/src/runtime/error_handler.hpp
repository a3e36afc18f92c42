// A connector's error policy applied to one task: what happens to a record that failed
// (a transform's ERROR, a put() ERROR at record i, a report_errant(), retries run out),
// and how long a retriable failure is retried. The task does the Kafka side (writing the
// dead-letter record); this class decides, counts and logs, so it is testable alone.
#pragma once

#include "config/error_policy.hpp"
#include "runtime/error_counters.hpp"

#include <sluice/abi.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::runtime {

// A failed record as it was before anything changed it: as read from Kafka (sinks) or as the
// source plugin produced it (sources). Views: valid for the duration of the call they are in.
struct ErrantRecord {
    sluice_bytes key{};
    sluice_bytes value{};
    int64_t timestamp_ms = SLUICE_NO_TIMESTAMP;
    std::vector<sluice_header> headers;
    std::string_view topic;      // sinks: where it was read; sources: where it was going (may be empty)
    int32_t partition = -1;
    int64_t offset = -1;         // sinks only
    std::string_view source_partition, source_offset;  // sources only (JSON objects or empty)

    static ErrantRecord from(const sluice_record& r);
    std::string where() const;   // "topic[partition]@offset" or "source partition {...} offset {...}"
};

struct ErrantCause {
    ErrorStage stage = ErrorStage::transformation;
    std::string plugin;          // the plugin at fault (__connect.errors.class.name)
    std::string exception;       // kind of failure, e.g. "sluice.TransformError" (exception.class.name)
    std::string message;
};

// Exponential backoff with jitter, bounded by errors.retry.timeout and capped per wait by
// errors.retry.delay.max.ms. With forever_when_zero (poll, put: the ABI promises that
// RETRY is called again), a timeout of 0 means no bound; otherwise 0 means no retry.
class Retrier {
public:
    using Clock = std::chrono::steady_clock;
    using Sleep = std::function<bool(std::chrono::milliseconds)>;  // false: the task is stopping

    Retrier(const config::ErrorPolicy& policy, bool forever_when_zero);

    // The wait before the next attempt, or nothing when the time is up. The first call
    // after reset() starts the clock.
    std::optional<std::chrono::milliseconds> next_delay();
    // next_delay() then sleep; false when the time is up or the task is stopping.
    bool wait(const Sleep& sleep);
    void reset();
    int attempts() const { return attempts_; }

private:
    int64_t timeout_ms_;
    std::chrono::milliseconds delay_max_;
    std::chrono::milliseconds next_;
    int attempts_ = 0;
    std::optional<Clock::time_point> started_;
    uint64_t rng_;
};

class ErrorHandler {
public:
    ErrorHandler(config::ErrorPolicy policy, std::string connector, int task_id, ErrorCounters& counters);

    struct Decision {
        bool tolerated = false;    // go on without the record
        bool dead_letter = false;  // ... after writing it to the dead-letter topic
        std::string trace;         // when not tolerated: the task's failure
    };
    // Counts, logs and decides the fate of one failed record.
    Decision decide(const ErrantRecord& record, const ErrantCause& cause);
    // A dead-letter record was handed to the producer (a failed delivery fails the task).
    void dead_lettered(ErrorStage stage) { counters_.at(stage).records_dead_lettered.fetch_add(1, std::memory_order_relaxed); }
    void retried(ErrorStage stage) { counters_.at(stage).records_retried.fetch_add(1, std::memory_order_relaxed); }

    const config::ErrorPolicy& policy() const { return policy_; }
    const std::string& connector() const { return connector_; }
    int task_id() const { return task_id_; }

    // The dead-letter record's context headers (__connect.errors.*, __sluice.errors.*), in order.
    std::vector<std::pair<std::string, std::string>> context_headers(const ErrantRecord& record,
                                                                     const ErrantCause& cause) const;

private:
    config::ErrorPolicy policy_;
    std::string connector_;
    int task_id_;
    ErrorCounters& counters_;
};

}  // namespace sluice::runtime
