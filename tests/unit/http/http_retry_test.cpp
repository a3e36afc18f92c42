// The one HTTP retry policy: full jitter between retry.backoff.ms and retry.backoff.max.ms,
// one rule for Retry-After and X-RateLimit-Reset, capped; random source and clock injected.
#include <sluice/http_retry.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>

using namespace std::chrono_literals;
using sluice::http::Response;
using sluice::http::RetryPolicy;
using sluice::http::RetrySettings;

namespace {
constexpr std::uint64_t kHighest = ~std::uint64_t{0};
const auto kNow = std::chrono::system_clock::from_time_t(1700000000);  // 2023-11-14T22:13:20Z

RetryPolicy policy(std::uint64_t draw, RetrySettings s = {.backoff = 100ms, .backoff_max = 1000ms, .max_attempts = 4}) {
    return RetryPolicy(s, [draw] { return draw; }, [] { return kNow; });
}

Response with(const char* name, const char* value) {
    Response r;
    r.status = 429;
    r.headers.push_back({name, value});
    return r;
}
}  // namespace

TEST_CASE("retry policy: full jitter up to retry.backoff.ms doubled per failure, capped by retry.backoff.max.ms") {
    // The highest draw gives each ceiling: 100, 200, 400, 800, then the cap.
    auto top = policy(kHighest);
    CHECK(top.delay(1) == 100ms);
    CHECK(top.delay(2) == 200ms);
    CHECK(top.delay(3) == 400ms);
    CHECK(top.delay(4) == 800ms);
    CHECK(top.delay(5) == 1000ms);
    CHECK(top.delay(1000) == 1000ms);  // no overflow however many failures
    // The lowest draw waits nothing: the jitter is full, from zero.
    CHECK(policy(0).delay(3) == 0ms);
    CHECK(policy(std::uint64_t{1} << 63).delay(3) == 200ms);  // half the draws: half of [0, 400]
    CHECK(policy(std::uint64_t{1} << 62).delay(1) == 25ms);
}

TEST_CASE("retry policy: retry.max.attempts bounds the failures in a row; 0 retries for ever") {
    auto p = policy(0);
    CHECK_FALSE(p.exhausted(3));
    CHECK(p.exhausted(4));
    CHECK_FALSE(policy(0, {.backoff = 1ms, .backoff_max = 1ms, .max_attempts = 0}).exhausted(1000000));
}

TEST_CASE("retry policy: Retry-After in seconds or as an HTTP-date, capped by retry.backoff.max.ms") {
    auto p = policy(kHighest);
    CHECK(p.server_asks(with("retry-after", "0")) == 0ms);
    CHECK(p.server_asks(with("retry-after", " 7 ")) == 7000ms);
    CHECK(p.delay(1, with("retry-after", "0")) == 0ms);  // the server's word beats the jitter
    CHECK(p.delay(1, with("retry-after", "7")) == 1000ms);  // capped
    CHECK(policy(0, {.backoff = 100ms, .backoff_max = 60000ms}).delay(1, with("retry-after", "7")) == 7000ms);
    // 22:13:20 now; 22:13:23 asked: three seconds.
    CHECK(p.server_asks(with("retry-after", "Tue, 14 Nov 2023 22:13:23 GMT")) == 3000ms);
    CHECK(p.server_asks(with("retry-after", "Tue, 14 Nov 2023 22:00:00 GMT")) == 0ms);  // past
    CHECK_FALSE(p.server_asks(with("retry-after", "soon")));
    CHECK(p.delay(2, with("retry-after", "soon")) == 200ms);  // unreadable: the jitter
}

TEST_CASE("retry policy: X-RateLimit-Reset as epoch seconds or seconds from now, when Retry-After is absent") {
    auto p = policy(kHighest, {.backoff = 100ms, .backoff_max = 60000ms});
    CHECK(p.server_asks(with("x-ratelimit-reset", "2")) == 2000ms);
    CHECK(p.server_asks(with("x-ratelimit-reset", "1700000005")) == 5000ms);
    CHECK(p.server_asks(with("x-ratelimit-reset", "1699999999")) == 0ms);
    CHECK_FALSE(p.server_asks(with("x-ratelimit-reset", "-1")));
    CHECK_FALSE(p.server_asks(Response{}));
    Response both = with("retry-after", "1");
    both.headers.push_back({"x-ratelimit-reset", "30"});
    CHECK(p.server_asks(both) == 1000ms);  // Retry-After first
    CHECK(p.delay(1, with("x-ratelimit-reset", "1700003600")) == 60000ms);  // an hour away: capped
}
