#include "throughput_counter.hpp"

#include <cmath>

namespace sluice::blackhole {

std::optional<std::string> ThroughputCounter::report_if_due(clock::time_point now) {
    if (interval_.count() == 0 || now - last_report_ < interval_) return std::nullopt;
    const double seconds = std::chrono::duration<double>(now - last_report_).count();
    const auto per_second = std::llround(static_cast<double>(records_ - records_at_last_report_) / seconds);
    last_report_ = now;
    records_at_last_report_ = records_;
    return totals_text() + ", " + std::to_string(per_second) + " records/s";
}

std::string ThroughputCounter::totals_text() const {
    return std::to_string(records_) + " records, " + std::to_string(bytes_) + " bytes";
}

}  // namespace sluice::blackhole
