#include "sweep.hpp"

namespace sluice::ods {

Sweep::Sweep(std::optional<std::int64_t> from_ts_ms, int limit) : limit_(limit) { anchor_.from_ts_ms = from_ts_ms; }

void Sweep::saw(std::int64_t ts_ms, const Json& key_values) {
    if (last_ts_ && *last_ts_ == ts_ms) ++run_;
    else run_ = 1;
    last_ts_ = ts_ms;
    last_keys_ = key_values;
}

bool Sweep::page_done(std::size_t count) {
    if (count < static_cast<std::size_t>(limit_) || !last_ts_) return false;
    const std::int64_t next = std::int64_t{anchor_.offset} + limit_;
    if (next + limit_ <= offset_cap) {
        anchor_.offset = static_cast<int>(next);
        return true;
    }
    ++windows_;
    Anchor a;
    if (run_ + limit_ <= offset_cap) {
        a.from_ts_ms = last_ts_;
        a.offset = static_cast<int>(run_);
    } else {
        a.after_ts_ms = last_ts_;
        a.after_keys = last_keys_;
    }
    anchor_ = std::move(a);
    return true;
}

}  // namespace sluice::ods
