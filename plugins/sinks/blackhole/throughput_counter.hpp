// Record and byte totals with a rate-limited progress line. Time is passed in, so the
// reporting rule can be tested without sleeping.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace sluice::blackhole {

class ThroughputCounter {
public:
    using clock = std::chrono::steady_clock;

    // interval zero: never report.
    ThroughputCounter(std::chrono::milliseconds interval, clock::time_point now)
        : interval_(interval), last_report_(now) {}

    void add(std::uint64_t records, std::uint64_t bytes) {
        records_ += records;
        bytes_ += bytes;
    }

    std::uint64_t records() const { return records_; }
    std::uint64_t bytes() const { return bytes_; }

    // "N records, B bytes, R records/s" when at least one interval passed since the last
    // report; R is the rate over that span.
    std::optional<std::string> report_if_due(clock::time_point now);

    // "N records, B bytes".
    std::string totals_text() const;

private:
    std::chrono::milliseconds interval_;
    clock::time_point last_report_;
    std::uint64_t records_at_last_report_ = 0;
    std::uint64_t records_ = 0;
    std::uint64_t bytes_ = 0;
};

}  // namespace sluice::blackhole
