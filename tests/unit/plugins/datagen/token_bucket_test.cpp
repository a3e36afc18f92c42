#include "token_bucket.hpp"

#include <doctest/doctest.h>

using sluice::datagen::TokenBucket;
using namespace std::chrono_literals;

TEST_CASE("a token bucket grants what accrued and no more") {
    const auto t0 = TokenBucket::clock::time_point{} + 1h;
    TokenBucket bucket(50.0, 50.0, 1.0, t0);
    CHECK(bucket.take(10) == 1);
    CHECK(bucket.take(10) == 0);
    bucket.refill(t0 + 100ms); // 50/s for 0.1 s
    CHECK(bucket.take(100) == 5);
    CHECK(bucket.take(100) == 0);
    bucket.refill(t0 + 130ms); // 1.5 tokens: one whole
    CHECK(bucket.take(100) == 1);
    bucket.refill(t0 + 140ms); // the half token left plus 0.5
    CHECK(bucket.take(100) == 1);
}

TEST_CASE("a token bucket keeps at most its capacity") {
    const auto t0 = TokenBucket::clock::time_point{} + 1h;
    TokenBucket bucket(1000.0, 1000.0, 1.0, t0);
    bucket.refill(t0 + 1h);
    CHECK(bucket.available() == doctest::Approx(1000.0));
    CHECK(bucket.take(5000) == 1000);
}

TEST_CASE("a token bucket ignores time going backwards") {
    const auto t0 = TokenBucket::clock::time_point{} + 1h;
    TokenBucket bucket(10.0, 10.0, 0.0, t0);
    bucket.refill(t0 - 1s);
    CHECK(bucket.available() == 0.0);
    bucket.refill(t0 + 1s);
    CHECK(bucket.take(100) == 10);
}

TEST_CASE("time_until says when tokens will be there") {
    const auto t0 = TokenBucket::clock::time_point{} + 1h;
    TokenBucket bucket(100.0, 100.0, 0.0, t0);
    CHECK(bucket.time_until(1) == std::chrono::duration_cast<TokenBucket::clock::duration>(10ms));
    CHECK(bucket.time_until(10) == std::chrono::duration_cast<TokenBucket::clock::duration>(100ms));
    CHECK(bucket.time_until(1000) == std::chrono::duration_cast<TokenBucket::clock::duration>(1s)); // capped
    // Waking exactly then finds the tokens, despite floating-point rounding.
    for (int wanted = 1; wanted <= 100; ++wanted) {
        TokenBucket b(30.0, 100.0, 0.0, t0);
        b.refill(t0 + b.time_until(wanted));
        CAPTURE(wanted);
        CHECK(b.take(1000) == static_cast<std::uint64_t>(wanted));
    }
    bucket.refill(t0 + 1s);
    CHECK(bucket.time_until(5) == TokenBucket::clock::duration::zero());
}
