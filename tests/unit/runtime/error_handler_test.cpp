// The error policy's decisions, counters, dead-letter context headers, and retry timing
// (bounded by errors.retry.timeout, each wait capped by errors.retry.delay.max.ms).
#include "common/log.hpp"
#include "runtime/error_handler.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace sluice;
using namespace sluice::runtime;
using namespace std::chrono_literals;

namespace {

// Captures log lines for the duration of a test.
struct LogCapture {
    LogCapture() {
        log::set_level(log::Level::info);
        log::set_sink([this](std::string_view line) {
            std::lock_guard lock(mutex);
            lines.emplace_back(line);
        });
    }
    ~LogCapture() { log::set_sink(nullptr); }
    std::string all() {
        std::lock_guard lock(mutex);
        std::string out;
        for (auto& l : lines) out += l + "\n";
        return out;
    }
    std::mutex mutex;
    std::vector<std::string> lines;
};

sluice_record sink_record(const std::string& value) {
    static std::string topic = "traffic.raw";
    static std::string storage;
    storage = value;
    sluice_record r{};
    r.struct_size = sizeof(sluice_record);
    r.key = {"k1", 2};
    r.value = {storage.data(), storage.size()};
    r.topic = {topic.data(), topic.size()};
    r.partition = 2;
    r.offset = 41;
    r.timestamp_ms = 1700000000000;
    return r;
}

config::ErrorPolicy policy(config::Tolerance t, std::string dlq = "") {
    config::ErrorPolicy p;
    p.tolerance = t;
    p.dlq_topic = std::move(dlq);
    return p;
}

}  // namespace

TEST_CASE("error handler: tolerance none fails the task with stage, record position and message") {
    ErrorCounters counters;
    ErrorHandler h(policy(config::Tolerance::none), "demo.archive", 0, counters);
    auto r = sink_record("{bad");
    auto d = h.decide(ErrantRecord::from(r), {ErrorStage::transformation, "cast", "sluice.TransformError", "field 'speed' is not a number"});
    CHECK_FALSE(d.tolerated);
    CHECK_FALSE(d.dead_letter);
    CHECK(d.trace.find("TRANSFORMATION failed at traffic.raw[2]@41 in cast: field 'speed' is not a number") == 0);
    CHECK(d.trace.find("nothing after this record is committed") != std::string::npos);
    auto counts = counters.snapshot();
    CHECK(counts.at(ErrorStage::transformation).records_failed == 1);
    CHECK(counts.at(ErrorStage::transformation).records_skipped == 0);
    CHECK(counts.total().records_failed == 1);
}

TEST_CASE("error handler: tolerance all skips, with or without a dead-letter topic, and logs when asked") {
    LogCapture logs;
    ErrorCounters counters;
    SUBCASE("skipped, not logged by default") {
        ErrorHandler h(policy(config::Tolerance::all), "demo.archive", 3, counters);
        auto d = h.decide(ErrantRecord::from(sink_record("x")), {ErrorStage::task_put, "file", "sluice.PutError", "disk full"});
        CHECK(d.tolerated);
        CHECK_FALSE(d.dead_letter);
        CHECK(counters.snapshot().at(ErrorStage::task_put).records_skipped == 1);
        CHECK(logs.all().find("errant record") == std::string::npos);
    }
    SUBCASE("to the dead-letter topic, logged with the record's content") {
        auto p = policy(config::Tolerance::all, "traffic.dlq");
        p.log_enable = true;
        p.log_include_messages = true;
        ErrorHandler h(p, "demo.archive", 3, counters);
        auto d = h.decide(ErrantRecord::from(sink_record("{\"speed\":\"fast\"}")),
                          {ErrorStage::transformation, "cast", "sluice.TransformError", "not a number"});
        CHECK(d.tolerated);
        CHECK(d.dead_letter);
        h.dead_lettered(ErrorStage::transformation);
        auto c = counters.snapshot().at(ErrorStage::transformation);
        CHECK(c.records_failed == 1);
        CHECK(c.records_skipped == 1);
        CHECK(c.records_dead_lettered == 1);
        const std::string log = logs.all();
        CHECK(log.find("errant record skipped (to dead-letter topic traffic.dlq): TRANSFORMATION failed at traffic.raw[2]@41 in "
                       "cast: not a number") != std::string::npos);
        CHECK(log.find(R"(value {"speed":"fast"})") != std::string::npos);
    }
    SUBCASE("logged without the content unless log.include.messages") {
        auto p = policy(config::Tolerance::all);
        p.log_enable = true;
        ErrorHandler h(p, "demo.archive", 3, counters);
        h.decide(ErrantRecord::from(sink_record("secret-payload")), {ErrorStage::task_put, "file", "e", "bad"});
        CHECK(logs.all().find("errant record skipped (not kept)") != std::string::npos);
        CHECK(logs.all().find("secret-payload") == std::string::npos);
    }
}

TEST_CASE("error handler: secret config values are masked in errant-record log lines") {
    LogCapture logs;
    log::add_secret("hunter2-password");
    ErrorCounters counters;
    auto p = policy(config::Tolerance::all);
    p.log_enable = true;
    p.log_include_messages = true;
    ErrorHandler h(p, "demo.archive", 0, counters);
    h.decide(ErrantRecord::from(sink_record("{\"pw\":\"hunter2-password\"}")), {ErrorStage::task_put, "file", "e", "bad"});
    CHECK(logs.all().find("hunter2-password") == std::string::npos);
    CHECK(logs.all().find("****") != std::string::npos);
}

TEST_CASE("error handler: dead-letter context headers, Connect's names and sluice's source position") {
    ErrorCounters counters;
    ErrorHandler h(policy(config::Tolerance::all, "dlq"), "demo.archive", 1, counters);
    auto sink = h.context_headers(ErrantRecord::from(sink_record("v")),
                                  {ErrorStage::transformation, "cast", "sluice.TransformError", "not a number"});
    std::map<std::string, std::string> m(sink.begin(), sink.end());
    CHECK(m == std::map<std::string, std::string>{{"__connect.errors.topic", "traffic.raw"},
                                                  {"__connect.errors.partition", "2"},
                                                  {"__connect.errors.offset", "41"},
                                                  {"__connect.errors.connector.name", "demo.archive"},
                                                  {"__connect.errors.task.id", "1"},
                                                  {"__connect.errors.stage", "TRANSFORMATION"},
                                                  {"__connect.errors.class.name", "cast"},
                                                  {"__connect.errors.exception.class.name", "sluice.TransformError"},
                                                  {"__connect.errors.exception.message", "not a number"}});
    ErrantRecord source;
    source.value = {"raw", 3};
    source.source_partition = R"({"filename":"a.csv"})";
    source.source_offset = R"({"position":120})";
    auto s = h.context_headers(source, {ErrorStage::task_poll, "file", "sluice.ErrantRecord", "bad row"});
    std::map<std::string, std::string> sm(s.begin(), s.end());
    CHECK(sm.count("__connect.errors.offset") == 0);
    CHECK(sm.at("__sluice.errors.source.partition") == R"({"filename":"a.csv"})");
    CHECK(sm.at("__sluice.errors.source.offset") == R"({"position":120})");
    CHECK(sm.at("__connect.errors.stage") == "TASK_POLL");
    CHECK(source.where() == R"(source partition {"filename":"a.csv"} offset {"position":120})");
}

TEST_CASE("retrier: timeout 0 means no retry for transforms and no bound for poll/put") {
    config::ErrorPolicy p;
    p.retry_timeout_ms = 0;
    p.retry_delay_max_ms = 5;
    Retrier transforms(p, false);
    CHECK_FALSE(transforms.next_delay());
    Retrier calls(p, true);
    for (int i = 0; i < 50; ++i) {
        auto d = calls.next_delay();
        REQUIRE(d);
        CHECK(*d <= 5ms);  // capped by retry.delay.max.ms
    }
    CHECK(calls.attempts() == 50);
}

TEST_CASE("retrier: exponential backoff with jitter, capped, ends at the timeout") {
    config::ErrorPolicy p;
    p.retry_timeout_ms = 300;
    p.retry_delay_max_ms = 1000;
    Retrier r(p, false);
    auto d1 = r.next_delay();
    auto d2 = r.next_delay();
    REQUIRE(d1);
    REQUIRE(d2);
    CHECK(*d1 >= 50ms);  // 100 ms with jitter in [50, 100]
    CHECK(*d1 <= 100ms);
    CHECK(*d2 >= 100ms);  // doubled
    CHECK(*d2 <= 200ms);

    // Sleeping for real: the total stays within the timeout plus one scheduling slack.
    Retrier timed(p, false);
    const auto start = std::chrono::steady_clock::now();
    int waits = 0;
    while (timed.wait([](std::chrono::milliseconds d) {
        std::this_thread::sleep_for(d);
        return true;
    }))
        ++waits;
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(waits >= 2);
    CHECK(elapsed >= 290ms);
    CHECK(elapsed < 700ms);
    // A new failure starts a new clock.
    timed.reset();
    CHECK(timed.next_delay());
}

TEST_CASE("retrier: -1 retries forever; a stopping task ends the wait") {
    config::ErrorPolicy p;
    p.retry_timeout_ms = -1;
    p.retry_delay_max_ms = 1;
    Retrier r(p, false);
    for (int i = 0; i < 100; ++i) REQUIRE(r.next_delay());
    CHECK_FALSE(r.wait([](std::chrono::milliseconds) { return false; }));
}
