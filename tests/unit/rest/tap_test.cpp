// The live record tap's pieces: a watcher's sampling, maximum rate and bounded ring (the
// oldest lost first, and counted), a channel that builds a record only when some watcher
// takes it, and the event's JSON (encodings, masking).
#include "rest/tap.hpp"
#include "runtime/tap.hpp"

#include <doctest/doctest.h>

using namespace sluice;
using runtime::TapRecord;
using runtime::TapWatcher;

namespace {
std::shared_ptr<const TapRecord> numbered(int64_t offset) {
    auto r = std::make_shared<TapRecord>();
    r->offset = offset;
    return r;
}
}  // namespace

TEST_CASE("tap watcher: a full ring loses its oldest records and says how many") {
    TapWatcher w({1.0, 1e6, 3});
    for (int i = 0; i < 10; ++i) w.push(numbered(i));
    auto b = w.take();
    REQUIRE(b.records.size() == 3);
    CHECK(b.records.front()->offset == 7);
    CHECK(b.dropped == 7);
    auto again = w.take();
    CHECK(again.records.empty());
    CHECK(again.dropped == 0);  // told once
}

TEST_CASE("tap watcher: sample rate and maximum rate") {
    TapWatcher tenth({0.1, 1e6, 100});
    int admitted = 0;
    for (int i = 0; i < 1000; ++i) admitted += tenth.admit() ? 1 : 0;
    CHECK(admitted == 100);
    CHECK(tenth.take().rate_limited == 0);  // sampled out is not lost

    TapWatcher slow({1.0, 5, 100});  // a burst of 5, then about 5 a second
    admitted = 0;
    for (int i = 0; i < 1000; ++i) admitted += slow.admit() ? 1 : 0;
    CHECK(admitted >= 5);
    CHECK(admitted < 50);
    CHECK(slow.take().rate_limited == static_cast<uint64_t>(1000 - admitted));
}

TEST_CASE("tap channel: nothing built without a watcher; a subscription ends with its handle") {
    auto& hub = runtime::TapHub::instance();
    auto channel = hub.channel("unit-tap");
    int built = 0;
    channel->offer([&](TapRecord&) { ++built; });
    CHECK(built == 0);
    CHECK_FALSE(channel->active());
    {
        auto s = hub.subscribe("unit-tap", {1.0, 1e6, 10});
        CHECK(channel->active());
        runtime::TapPoint point("unit-tap", 2, "sink");
        point.offer([&](TapRecord& r) {
            ++built;
            r.topic = "t";
        });
        CHECK(built == 1);
        auto b = s->watcher->take();
        REQUIRE(b.records.size() == 1);
        CHECK(b.records[0]->connector == "unit-tap");
        CHECK(b.records[0]->task == 2);
        CHECK(std::string(b.records[0]->stage) == "sink");
    }
    CHECK_FALSE(channel->active());
}

TEST_CASE("tap event: JSON values as JSON, text as text, bytes as base64, secrets masked, long values cut") {
    TapRecord r;
    r.connector = "c";
    r.stage = "source";
    r.topic = "t";
    r.set_key("S1", 2);
    const std::string value = R"({"speed":42,"password":"hunter22","nested":{"api_key":"k-123456"}})";
    r.set_value(value.data(), value.size());
    r.headers.emplace_back("trace", "abc");
    r.headers.emplace_back("Authorization", "Bearer xyz");
    auto e = rest::tap_event(r, 3, 1);
    CHECK(e["key"] == "S1");
    CHECK(e["value"]["speed"] == 42);
    CHECK(e["value"]["password"] == "****");
    CHECK(e["value"]["nested"]["api_key"] == "****");
    CHECK(e["headers"][0]["value"] == "abc");
    CHECK(e["headers"][1]["value"] == "****");
    CHECK(e["dropped"] == 3);
    CHECK(e["rate_limited"] == 1);

    TapRecord bin;
    bin.set_value("\xff\xfe", 2);
    bin.set_key(nullptr, 0);
    auto b = rest::tap_event(bin, 0, 0);
    CHECK(b["key"].is_null());
    CHECK(b["value"] == "//4=");
    CHECK(b["value_encoding"] == "base64");

    TapRecord big;
    std::string huge(TapRecord::kMaxBytes + 10, 'x');
    big.set_value(huge.data(), huge.size());
    CHECK(big.truncated);
    CHECK(big.value->size() == TapRecord::kMaxBytes);
    CHECK(rest::sse_event("record", {{"a", 1}}) == "event: record\ndata: {\"a\":1}\n\n");
}
