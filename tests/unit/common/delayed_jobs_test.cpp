// DelayedJobs: due jobs run in time order on their own thread; jobs not yet due when the
// object ends never run, and its destructor does not wait for them.
#include "common/delayed_jobs.hpp"

#include "process.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <vector>

using namespace std::chrono_literals;
using sluice::DelayedJobs;

TEST_CASE("delayed jobs: run once due, earliest first, whatever the order they were scheduled in") {
    DelayedJobs jobs;
    std::mutex mutex;
    std::vector<int> order;
    auto record = [&](int n) {
        return [&, n] {
            std::lock_guard lock(mutex);
            order.push_back(n);
        };
    };
    const auto now = DelayedJobs::Clock::now();
    jobs.schedule(now + 60ms, record(3));
    jobs.schedule(now + 20ms, record(1));
    jobs.schedule(now + 40ms, record(2));
    jobs.schedule(now - 1s, record(0));  // already due
    REQUIRE(sluice::testing::wait_until([&] { return jobs.pending() == 0; }, 10s));
    REQUIRE(sluice::testing::wait_until([&] {
        std::lock_guard lock(mutex);
        return order.size() == 4;
    }, 10s));
    std::lock_guard lock(mutex);
    CHECK(order == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("delayed jobs: the end drops jobs not yet due, without waiting for them") {
    std::atomic<int> ran{0};
    const auto before = DelayedJobs::Clock::now();
    {
        DelayedJobs jobs;
        jobs.schedule(DelayedJobs::Clock::now() + 1h, [&] { ++ran; });
        jobs.schedule(DelayedJobs::Clock::now(), [&] { ++ran; });
        REQUIRE(sluice::testing::wait_until([&] { return ran == 1; }, 10s));
        CHECK(jobs.pending() == 1);
    }
    CHECK(ran == 1);
    CHECK(DelayedJobs::Clock::now() - before < 10s);
}
