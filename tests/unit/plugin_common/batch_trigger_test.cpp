// The batch trigger every batching sink uses: rows, bytes, age, with a clock the test moves.
#include <sluice/batch_trigger.hpp>

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using sluice::batch::Clock;
using sluice::batch::Reason;
using sluice::batch::Trigger;

namespace {
struct ManualClock {
    Clock::time_point t{};
    std::function<Clock::time_point()> fn() {
        return [this] { return t; };
    }
};
}  // namespace

TEST_CASE("batch trigger: an empty batch is never due, however old") {
    ManualClock clock;
    Trigger trigger({.max_rows = 10, .max_bytes = 100, .max_age = 50ms}, clock.fn());
    clock.t += 1h;
    CHECK_FALSE(trigger.due());
    CHECK(trigger.age() == 0ms);
    trigger.add(0, 0);
    CHECK(trigger.empty());
}

TEST_CASE("batch trigger: rows, then bytes reach their limits") {
    ManualClock clock;
    Trigger trigger({.max_rows = 3, .max_bytes = 100, .max_age = 1s}, clock.fn());
    trigger.add(2, 10);
    CHECK(trigger.reason() == Reason::none);
    trigger.add(1, 10);
    CHECK(trigger.reason() == Reason::rows);
    trigger.clear();
    CHECK_FALSE(trigger.due());
    trigger.add(1, 99);
    CHECK_FALSE(trigger.due());
    trigger.add(1, 1);
    CHECK(trigger.reason() == Reason::bytes);
    CHECK(trigger.rows() == 2);
    CHECK(trigger.bytes() == 100);
}

TEST_CASE("batch trigger: the age counts from the first record of a batch, and again when the sink restarts it") {
    ManualClock clock;
    Trigger trigger({.max_rows = 100, .max_bytes = 1000, .max_age = 50ms}, clock.fn());
    clock.t += 10s;  // time before the first record does not count
    trigger.add(1, 1);
    clock.t += 30ms;
    trigger.add(1, 1);  // a later record does not restart the age
    CHECK(trigger.age() == 30ms);
    CHECK_FALSE(trigger.due());
    clock.t += 20ms;
    CHECK(trigger.reason() == Reason::age);
    trigger.set(1, 1);  // a recount keeps the age
    CHECK(trigger.due());
    trigger.restart_age();  // one row left behind by a capped write: young again
    CHECK_FALSE(trigger.due());
    clock.t += 50ms;
    CHECK(trigger.due());
}

TEST_CASE("batch trigger: unset limits never fire") {
    ManualClock clock;
    Trigger trigger({}, clock.fn());
    trigger.add(1000000, 1000000000);
    clock.t += 24h;
    CHECK_FALSE(trigger.due());
}

TEST_CASE("batch trigger: the rule alone, for a buffer that keeps its own counts") {
    const sluice::batch::Limits limits{.max_rows = 10, .max_age = 100ms};
    const Clock::time_point t0{};
    CHECK(sluice::batch::reached(limits, 0, 0, t0, t0 + 1h) == Reason::none);
    CHECK(sluice::batch::reached(limits, 9, 1 << 30, t0, t0 + 99ms) == Reason::none);  // no byte limit set
    CHECK(sluice::batch::reached(limits, 10, 0, t0, t0) == Reason::rows);
    CHECK(sluice::batch::reached(limits, 1, 0, t0, t0 + 100ms) == Reason::age);
}
