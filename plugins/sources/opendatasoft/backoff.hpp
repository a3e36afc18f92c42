// Waits between attempts after a transient failure (429, 5xx, network, a broken body):
// exponential from 500 ms, capped, with jitter so that many tasks do not retry in step;
// a server's Retry-After or X-RateLimit-Reset is honoured when it asks for longer.
#pragma once

#include <sluice/http_client.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace sluice::ods {

class Backoff {
public:
    explicit Backoff(std::chrono::milliseconds cap) : cap_(cap), rng_(std::random_device{}()) {}

    // The wait before the next attempt after the `failures`-th failure in a row (1, 2, ...).
    std::chrono::milliseconds next(int failures, std::optional<std::chrono::milliseconds> server_asks) {
        const int shift = failures < 1 ? 0 : (failures > 20 ? 20 : failures - 1);
        const std::int64_t ceiling = std::min<std::int64_t>(cap_.count(), std::int64_t{500} << shift);
        std::uniform_int_distribution<std::int64_t> jitter(ceiling / 2, ceiling);
        std::chrono::milliseconds wait(jitter(rng_));
        // The server knows best, within an hour.
        if (server_asks) wait = std::max(wait, std::min(*server_asks, std::chrono::milliseconds(3600000)));
        return wait;
    }

private:
    std::chrono::milliseconds cap_;
    std::mt19937_64 rng_;
};

// What a 429 answer asks for: Retry-After (seconds or HTTP date), else X-RateLimit-Reset
// (epoch seconds when it looks like one, seconds from now otherwise).
inline std::optional<std::chrono::milliseconds> requested_wait(const http::Response& response) {
    if (auto ra = http::retry_after(response)) return ra;
    auto reset = response.header("x-ratelimit-reset");
    if (!reset) return std::nullopt;
    try {
        const long long v = std::stoll(*reset);
        if (v < 0) return std::nullopt;
        if (v > 1000000000LL) {
            const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
            return std::chrono::milliseconds(std::max<long long>(0, v - now) * 1000);
        }
        return std::chrono::milliseconds(v * 1000);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace sluice::ods
