#include "common/serial_executor.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <vector>

using namespace std::chrono_literals;

TEST_CASE("serial executor: jobs run one at a time, in the order they were posted") {
    sluice::SerialExecutor executor;
    std::vector<int> order;
    std::atomic<int> running{0}, overlap{0};
    std::vector<std::shared_future<void>> done;
    for (int i = 0; i < 50; ++i)
        done.push_back(executor.post([&, i] {
            if (running.fetch_add(1) != 0) ++overlap;
            order.push_back(i);
            running.fetch_sub(1);
        }));
    for (auto& d : done) d.wait();
    CHECK(overlap == 0);
    REQUIRE(order.size() == 50);
    for (int i = 0; i < 50; ++i) CHECK(order[i] == i);
}

TEST_CASE("serial executor: the caller chooses how long to wait; the job goes on") {
    sluice::SerialExecutor executor;
    std::promise<void> release;
    auto gate = release.get_future().share();
    auto done = executor.post([gate] { gate.wait(); });
    CHECK(done.wait_for(20ms) == std::future_status::timeout);
    CHECK(executor.busy());
    release.set_value();
    done.wait();
    // busy() turns false once the drain loop has seen the empty queue.
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (executor.busy() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    CHECK_FALSE(executor.busy());
}

TEST_CASE("serial executor: a job's exception stays in its future; later jobs still run; idle then busy again") {
    sluice::SerialExecutor executor;
    auto failed = executor.post([] { throw std::runtime_error("boom"); });
    CHECK_THROWS_AS(failed.get(), std::runtime_error);
    std::atomic<bool> ran{false};
    executor.post([&] { ran = true; }).wait();
    CHECK(ran);
    for (int round = 0; round < 20; ++round) executor.post([] {}).wait();  // a new drainer each time it went idle
}

TEST_CASE("serial executor: the destructor runs what is queued") {
    std::atomic<int> ran{0};
    {
        sluice::SerialExecutor executor;
        for (int i = 0; i < 10; ++i) executor.post([&] { ++ran; });
    }
    CHECK(ran == 10);
}
