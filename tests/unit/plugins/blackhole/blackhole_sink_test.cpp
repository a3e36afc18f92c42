// The blackhole sink driven through the real ABI trampolines.
#include "sdk_harness.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace sluice::testing;

namespace {

std::vector<std::string> info_lines(const FakeHost& host) {
    std::vector<std::string> lines;
    for (const auto& [level, text] : host.logs)
        if (level == SLUICE_LOG_INFO) lines.push_back(text);
    return lines;
}

std::vector<SinkInput> sample_batch() {
    std::vector<SinkInput> batch(3);
    batch[0].key = "S0001";        // 5 bytes
    batch[0].value = "{\"a\":1}";  // 7 bytes
    batch[1].key = std::nullopt;   // null key: 0 bytes
    batch[1].value = "hello";      // 5 bytes
    batch[2].key = "";             // empty key
    batch[2].value = std::nullopt; // tombstone
    return batch;
}

}  // namespace

TEST_CASE("blackhole declares report.interval.ms") {
    const auto& d = descriptor(SLUICE_KIND_SINK, "blackhole");
    REQUIRE(d.config_count == 1);
    const sluice_config_def* def = config_def(d, "report.interval.ms");
    REQUIRE(def != nullptr);
    CHECK(def->type == SLUICE_CONFIG_INT);
    CHECK(std::string(def->default_value) == "10000");
    CHECK((def->flags & SLUICE_CONFIG_HAS_MIN) != 0);
    CHECK(def->min_value == 0);
}

TEST_CASE("blackhole counts records and key+value bytes, and logs the totals when destroyed") {
    FakeHost host;
    {
        SinkUnderTest sink("blackhole", {{"report.interval.ms", "0"}}, host);
        REQUIRE(sink.ok());
        CHECK(sink.put(sample_batch()).status == SLUICE_OK);
        CHECK(sink.put({}).status == SLUICE_OK); // an empty batch is fine
        CHECK(sink.put(sample_batch()).status == SLUICE_OK);
        std::vector<sluice_topic_partition> positions{{"topic", 0, 42}, {"topic", 1, 7}};
        CHECK(sink.flush(positions).status == SLUICE_OK);
        // Nothing is kept, so everything put is as durable as it will ever be.
        CHECK(positions[0].offset == 42);
        CHECK(positions[1].offset == 7);
        CHECK(info_lines(host).empty()); // interval 0: no progress lines
    }
    CHECK(info_lines(host) == std::vector<std::string>{"blackhole: total 6 records, 34 bytes"});
}

TEST_CASE("blackhole reports progress at most once per interval") {
    SUBCASE("a due report is logged from put") {
        FakeHost host;
        SinkUnderTest sink("blackhole", {{"report.interval.ms", "1"}}, host);
        REQUIRE(sink.ok());
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        REQUIRE(sink.put(sample_batch()).status == SLUICE_OK);
        const auto lines = info_lines(host);
        REQUIRE(lines.size() == 1);
        CHECK(lines[0].rfind("blackhole: 3 records, 17 bytes, ", 0) == 0);
        CHECK(lines[0].find(" records/s") != std::string::npos);
    }
    SUBCASE("a due report is logged from flush") {
        FakeHost host;
        SinkUnderTest sink("blackhole", {{"report.interval.ms", "1"}}, host);
        REQUIRE(sink.ok());
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        std::vector<sluice_topic_partition> none;
        REQUIRE(sink.flush(none).status == SLUICE_OK);
        REQUIRE(info_lines(host).size() == 1);
        CHECK(info_lines(host)[0].rfind("blackhole: 0 records, 0 bytes, 0 records/s", 0) == 0);
    }
    SUBCASE("no report before the interval passed") {
        FakeHost host;
        SinkUnderTest sink("blackhole", {{"report.interval.ms", "3600000"}}, host);
        REQUIRE(sink.ok());
        for (int i = 0; i < 100; ++i) REQUIRE(sink.put(sample_batch()).status == SLUICE_OK);
        CHECK(info_lines(host).empty());
    }
}

TEST_CASE("blackhole refuses a negative report interval") {
    FakeHost host;
    SinkUnderTest sink("blackhole", {{"report.interval.ms", "-1"}}, host);
    CHECK(sink.created.status == SLUICE_FATAL);
    CHECK(sink.created.message.find("report.interval.ms") != std::string::npos);
}
