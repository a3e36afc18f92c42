#include "throughput_counter.hpp"

#include <doctest/doctest.h>

using sluice::blackhole::ThroughputCounter;
using namespace std::chrono_literals;

TEST_CASE("the counter adds records and bytes") {
    ThroughputCounter counter(0ms, ThroughputCounter::clock::now());
    counter.add(3, 100);
    counter.add(0, 0);
    counter.add(2, 5);
    CHECK(counter.records() == 5);
    CHECK(counter.bytes() == 105);
    CHECK(counter.totals_text() == "5 records, 105 bytes");
}

TEST_CASE("an interval of zero never reports") {
    const auto t0 = ThroughputCounter::clock::time_point{} + 1h;
    ThroughputCounter counter(0ms, t0);
    counter.add(10, 10);
    CHECK_FALSE(counter.report_if_due(t0 + 24h).has_value());
}

TEST_CASE("reports come at most once per interval, with the rate since the last one") {
    const auto t0 = ThroughputCounter::clock::time_point{} + 1h;
    ThroughputCounter counter(1000ms, t0);
    counter.add(1000, 20'000);
    CHECK_FALSE(counter.report_if_due(t0 + 999ms).has_value());
    auto first = counter.report_if_due(t0 + 2s);
    REQUIRE(first.has_value());
    CHECK(*first == "1000 records, 20000 bytes, 500 records/s");
    counter.add(300, 3);
    CHECK_FALSE(counter.report_if_due(t0 + 2500ms).has_value()); // the clock restarted at 2 s
    auto second = counter.report_if_due(t0 + 3s);
    REQUIRE(second.has_value());
    CHECK(*second == "1300 records, 20003 bytes, 300 records/s");
    auto idle = counter.report_if_due(t0 + 5s);
    REQUIRE(idle.has_value());
    CHECK(*idle == "1300 records, 20003 bytes, 0 records/s");
}
