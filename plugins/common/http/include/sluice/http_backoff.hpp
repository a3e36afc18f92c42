// The wait between two attempts after a transient failure (429, 5xx, network): exponential
// from a base, capped, with jitter so that many tasks do not retry in step; a server that
// says how long to wait (Retry-After, X-RateLimit-Reset) is honoured when it asks for longer.
// Header-only, for every plugin that talks HTTP.
#pragma once

#include <sluice/http_client.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>

namespace sluice::http {

class Backoff {
public:
    Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap)
        : base_(std::max<std::int64_t>(1, base.count())), cap_(std::max(cap, base)), rng_(std::random_device{}()) {}

    // The wait before the next attempt after the `failures`-th failure in a row (1, 2, ...).
    std::chrono::milliseconds next(int failures, std::optional<std::chrono::milliseconds> server_asks = std::nullopt) {
        const int shift = std::clamp(failures - 1, 0, 30);
        const std::int64_t ceiling = std::min<std::int64_t>(cap_.count(), base_ << std::min(shift, 62 - 32));
        std::uniform_int_distribution<std::int64_t> jitter(ceiling / 2, ceiling);
        std::chrono::milliseconds wait(jitter(rng_));
        // The server knows best, within an hour.
        if (server_asks) wait = std::max(wait, std::min(*server_asks, std::chrono::milliseconds(3600000)));
        return wait;
    }

private:
    std::int64_t base_;
    std::chrono::milliseconds cap_;
    std::mt19937_64 rng_;
};

// What an answer asks for: Retry-After (seconds or HTTP date), else X-RateLimit-Reset (epoch
// seconds when it looks like one, seconds from now otherwise).
inline std::optional<std::chrono::milliseconds> requested_wait(const Response& response) {
    if (auto ra = retry_after(response)) return ra;
    auto reset = response.header("x-ratelimit-reset");
    if (!reset) return std::nullopt;
    try {
        const long long v = std::stoll(*reset);
        if (v < 0) return std::nullopt;
        if (v > 1000000000LL) {
            const auto now =
                std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
            return std::chrono::milliseconds(std::max<long long>(0, v - now) * 1000);
        }
        return std::chrono::milliseconds(v * 1000);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace sluice::http
