#include "runtime/ack_tracker.hpp"

#include <doctest/doctest.h>

using sluice::runtime::AckTracker;

namespace {
AckTracker::Batch* batch(AckTracker& t, size_t records, std::string partition, std::string offset) {
    AckTracker::Batch* b = t.open();
    for (size_t i = 0; i < records; ++i) AckTracker::produced(b);
    b->offsets.emplace_back(std::move(partition), std::move(offset));
    AckTracker::seal(b);
    return b;
}
}  // namespace

TEST_CASE("offsets become committable only in order") {
    AckTracker t;
    auto* first = batch(t, 2, "p", "1");
    auto* second = batch(t, 1, "p", "2");
    AckTracker::delivered(second, nullptr);  // acknowledged out of order
    CHECK_FALSE(t.advance());
    CHECK(t.take_committable().empty());     // the first batch still waits
    AckTracker::delivered(first, nullptr);
    CHECK_FALSE(t.advance());
    CHECK(t.take_committable().empty());
    AckTracker::delivered(first, nullptr);
    CHECK_FALSE(t.advance());
    auto c = t.take_committable();
    REQUIRE(c.size() == 1);
    CHECK(c.at("p") == "2");  // both retired: the newest offset wins
    CHECK(t.idle());
}

TEST_CASE("a batch still being produced does not retire even when its records are all acknowledged") {
    AckTracker t;
    AckTracker::Batch* b = t.open();
    AckTracker::produced(b);
    AckTracker::delivered(b, nullptr);
    b->offsets.emplace_back("p", "9");
    CHECK_FALSE(t.advance());
    CHECK(t.take_committable().empty());
    AckTracker::seal(b);
    CHECK_FALSE(t.advance());
    CHECK(t.take_committable().at("p") == "9");
}

TEST_CASE("a failed delivery blocks everything after it") {
    AckTracker t;
    auto* ok = batch(t, 1, "p", "1");
    auto* bad = batch(t, 2, "p", "2");
    auto* later = batch(t, 1, "p", "3");
    AckTracker::delivered(ok, nullptr);
    AckTracker::delivered(bad, nullptr);
    AckTracker::delivered(bad, "Broker: Message size too large");
    AckTracker::delivered(later, nullptr);
    auto error = t.advance();
    REQUIRE(error);
    CHECK(*error == "Broker: Message size too large");
    CHECK(t.take_committable().at("p") == "1");  // only the batch before the failure
    CHECK(t.advance());                          // still blocked
    CHECK(t.take_committable().empty());
}

TEST_CASE("partitions are tracked independently and restored offsets never overwrite newer ones") {
    AckTracker t;
    auto* a = batch(t, 1, "a", "1");
    a->offsets.emplace_back("b", "10");
    AckTracker::delivered(a, nullptr);
    t.advance();
    auto c = t.take_committable();
    CHECK(c.size() == 2);
    auto* b2 = batch(t, 1, "a", "2");
    AckTracker::delivered(b2, nullptr);
    t.advance();
    t.restore(c);  // the write of c failed meanwhile
    auto again = t.take_committable();
    CHECK(again.at("a") == "2");
    CHECK(again.at("b") == "10");
}

TEST_CASE("a batch abandoned at stop blocks the line without being an error") {
    AckTracker t;
    auto* sent = batch(t, 1, "p", "1");
    AckTracker::Batch* partial = t.open();
    AckTracker::produced(partial);
    partial->offsets.emplace_back("p", "5");
    partial->abandoned = true;
    AckTracker::seal(partial);
    AckTracker::delivered(sent, nullptr);
    AckTracker::delivered(partial, nullptr);
    CHECK_FALSE(t.advance());
    CHECK(t.take_committable().at("p") == "1");  // never the abandoned batch's offset
    CHECK_FALSE(t.advance());
    CHECK(t.take_committable().empty());
}
