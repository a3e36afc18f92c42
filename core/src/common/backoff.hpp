// Exponential backoff with full jitter, bounded: the delay doubles from `initial` up to
// `max`, and each wait is a random point in [delay/2, delay] so that many tasks retrying
// the same upstream do not hit it in lockstep.
#pragma once

#include <chrono>
#include <random>

namespace sluice {

class Backoff {
public:
    using ms = std::chrono::milliseconds;
    Backoff(ms initial = ms(100), ms max = ms(30000)) : initial_(initial), max_(max), next_(initial) {}

    ms next() {
        ms current = next_;
        next_ = std::min(max_, next_ * 2);
        ++attempts_;
        std::uniform_int_distribution<long> jitter(current.count() / 2, current.count());
        return ms(jitter(rng_));
    }
    void reset() {
        next_ = initial_;
        attempts_ = 0;
    }
    int attempts() const { return attempts_; }

private:
    ms initial_, max_, next_;
    int attempts_ = 0;
    std::minstd_rand rng_{std::random_device{}()};
};

}  // namespace sluice
