#include "runtime/flow_control.hpp"

#include <doctest/doctest.h>

using sluice::runtime::FlowControl;

TEST_CASE("disabled flow control never blocks") {
    FlowControl f(0);
    f.add_reader("sink", {"t"});
    CHECK_FALSE(f.watched("t"));
    f.writer_progress("t", 0, 1000000, 100);
    CHECK_FALSE(f.blocked("t", 1 << 30));
}

TEST_CASE("a source waits while a local sink lags more than the limit") {
    FlowControl f(1000);
    CHECK_FALSE(f.watched("t"));  // no reader: nothing to protect
    f.add_reader("sink", {"t"});
    CHECK(f.watched("t"));
    CHECK_FALSE(f.watched("other"));

    f.writer_progress("t", 0, 5, 100);  // first progress: the baseline for an unseen reader
    CHECK_FALSE(f.blocked("t", 0));
    f.writer_progress("t", 0, 15, 100);  // 10 records past the baseline (4) = 1100 bytes
    auto why = f.blocked("t", 0);
    REQUIRE(why);
    CHECK(why->find("sink is 1100 bytes behind on t[0] (limit 1000)") != std::string::npos);

    f.reader_position("sink", "t", 0, 10);  // the sink caught up to 10: 5 records = 500 bytes
    CHECK_FALSE(f.blocked("t", 0));
    CHECK(f.blocked("t", 600));  // records in flight count too
}

TEST_CASE("the slowest of several sinks decides; a removed sink no longer holds the source") {
    FlowControl f(1000);
    f.add_reader("fast", {"t"});
    f.add_reader("slow", {"t"});
    f.writer_progress("t", 0, 1, 100);
    f.writer_progress("t", 0, 50, 100);
    f.reader_position("fast", "t", 0, 50);
    f.reader_position("slow", "t", 0, 1);
    REQUIRE(f.blocked("t", 0));
    CHECK(f.blocked("t", 0)->find("slow") == 0);
    f.remove_reader("slow");
    CHECK_FALSE(f.blocked("t", 0));
}

TEST_CASE("records in flight before any acknowledgement are bounded too") {
    FlowControl f(1000);
    f.add_reader("sink", {"t"});
    CHECK_FALSE(f.blocked("t", 999));
    CHECK(f.blocked("t", 1001));
}
