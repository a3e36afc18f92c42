// A token bucket on the steady clock. Time is passed in rather than read, so the
// arithmetic can be tested without sleeping.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace sluice::datagen {

class TokenBucket {
public:
    using clock = std::chrono::steady_clock;

    // rate_per_s > 0 tokens per second, at most `capacity` kept, `initial` available now.
    TokenBucket(double rate_per_s, double capacity, double initial, clock::time_point now)
        : rate_per_s_(rate_per_s), capacity_(capacity), tokens_(std::min(initial, capacity)), last_(now) {}

    void refill(clock::time_point now) {
        if (now <= last_) return;
        const double elapsed_s = std::chrono::duration<double>(now - last_).count();
        tokens_ = std::min(capacity_, tokens_ + elapsed_s * rate_per_s_);
        last_ = now;
    }

    double available() const { return tokens_; }

    // Takes as many whole tokens as are available, up to `wanted`.
    std::uint64_t take(std::uint64_t wanted) {
        // The epsilon absorbs rounding when waking exactly at time_until()'s answer.
        const auto whole = static_cast<std::uint64_t>(std::floor(tokens_ + 1e-9));
        const std::uint64_t taken = std::min(wanted, whole);
        tokens_ = std::max(0.0, tokens_ - static_cast<double>(taken));
        return taken;
    }

    // How long until `wanted` tokens are available (zero when they already are). Asking
    // for more than the capacity is answered for the capacity.
    clock::duration time_until(double wanted) const {
        const double missing = std::min(wanted, capacity_) - tokens_;
        if (missing <= 0) return clock::duration::zero();
        const auto wait = std::chrono::duration<double>(missing / rate_per_s_);
        // Round up so that waking at the returned time really finds the tokens.
        return std::chrono::ceil<clock::duration>(wait);
    }

private:
    double rate_per_s_;
    double capacity_;
    double tokens_;
    clock::time_point last_;
};

}  // namespace sluice::datagen
