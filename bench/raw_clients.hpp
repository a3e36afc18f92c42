// The reference side: a plain librdkafka producer and a plain high-level consumer, with
// the property sets the sluice worker uses (taken from the same worker file).
#pragma once

#include "kafka_util.hpp"
#include "probes.hpp"
#include "records.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace bench {

struct ProduceResult {
    uint64_t acked = 0;
    uint64_t failed = 0;
    std::string first_error;
    Clock::time_point first_produce{}, last_delivery{};
    double seconds() const { return std::chrono::duration<double>(last_delivery - first_produce).count(); }
};

// Produces every record (RD_KAFKA_MSG_F_COPY, key, value, timestamp, any partition) and
// waits for every delivery report. Timed from the first produce call to the last report.
// before_destroy runs once every report arrived, before the producer is destroyed (so
// that its threads can still be looked at).
ProduceResult raw_produce(const Properties& properties, const std::string& topic, const RecordSet& records,
                          std::chrono::milliseconds timeout, const std::function<void()>& before_destroy = {});

struct ConsumeResult {
    uint64_t records = 0;
    uint64_t bytes = 0;  // keys + values
    Clock::time_point subscribed{}, first{}, last{};
    CpuReading cpu_first{}, cpu_last{};  // cpu() at the first and the last record
    // (records so far, arrival time) every kCheckpointEvery records, and at the last one.
    static constexpr uint64_t kCheckpointEvery = 1024;
    std::vector<std::pair<uint64_t, Clock::time_point>> checkpoints;
    double seconds() const { return std::chrono::duration<double>(last - first).count(); }
    // When the count-th record arrived, interpolated between checkpoints.
    Clock::time_point time_at(uint64_t count) const;
};

// Subscribes with a fresh group and polls until `expected` records arrived (or timeout).
// Timed from the first record to the last.
ConsumeResult raw_consume(const Properties& properties, const std::string& topic, uint64_t expected,
                          std::chrono::milliseconds timeout, const std::function<CpuReading()>& cpu);

// User + system CPU seconds of this whole process (every thread).
double process_cpu_seconds();

}  // namespace bench
