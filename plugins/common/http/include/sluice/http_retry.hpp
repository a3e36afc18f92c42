// The one retry policy of every plugin that talks HTTP: after a transient failure (429, 5xx,
// network) the next attempt waits
//   - what the server asked for, when it did: Retry-After (delta-seconds or HTTP-date), else
//     X-RateLimit-Reset (epoch seconds when it looks like one, else delta-seconds), capped by
//     retry.backoff.max.ms (a server asking for an hour does not stall a task for an hour;
//     its next refusal asks again);
//   - else a full-jitter draw, uniform in [0, min(retry.backoff.max.ms,
//     retry.backoff.ms * 2^(failures-1))], so that many tasks refused together do not retry
//     in step;
// and at most retry.max.attempts failures in a row are retried (0: no limit). The random
// source and the wall clock (for HTTP dates and reset times) are injected for tests.
#pragma once

#include <sluice/http_client.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace sluice::http {

struct RetrySettings {
    std::chrono::milliseconds backoff{500};       // retry.backoff.ms
    std::chrono::milliseconds backoff_max{60000};  // retry.backoff.max.ms
    int max_attempts = 0;                          // retry.max.attempts; 0: no limit
};

class RetryPolicy {
public:
    using Random = std::function<std::uint64_t()>;
    using WallClock = std::function<std::chrono::system_clock::time_point()>;

    // Empty `random` / `now`: a seeded generator and the system clock.
    explicit RetryPolicy(RetrySettings settings, Random random = {}, WallClock now = {});

    // The wait before the next attempt after the `failures`-th failure in a row (1, 2, ...).
    std::chrono::milliseconds delay(int failures, std::optional<std::chrono::milliseconds> server_asks = std::nullopt) const;
    std::chrono::milliseconds delay(int failures, const Response& response) const {
        return delay(failures, server_asks(response));
    }
    // What an answer asks for: Retry-After, else X-RateLimit-Reset; nullopt when neither
    // is there or readable. Not capped (delay() caps).
    std::optional<std::chrono::milliseconds> server_asks(const Response& response) const;
    // True when `failures` failures in a row used every allowed attempt.
    bool exhausted(int failures) const { return settings_.max_attempts > 0 && failures >= settings_.max_attempts; }
    const RetrySettings& settings() const { return settings_; }

private:
    RetrySettings settings_;
    Random random_;
    WallClock now_;
};

// retry_after() as of `now` (http_client.hpp's uses the system clock).
std::optional<std::chrono::milliseconds> retry_after(const Response& response, std::chrono::system_clock::time_point now);

// What an answer asks for as of `now`: Retry-After, else X-RateLimit-Reset (RetryPolicy's rule,
// for code that reads the answer where no policy is at hand).
std::optional<std::chrono::milliseconds> requested_wait(const Response& response,
                                                        std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace sluice::http
