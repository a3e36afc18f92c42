// The datagen source driven through the real ABI trampolines, as the worker drives it.
#include "json_check.hpp"
#include "sdk_harness.hpp"

#include <sluice/sdk.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace sluice::testing;
using Config = std::map<std::string, std::string>;
using Clock = std::chrono::steady_clock;

namespace {

// Unlimited rate unless a test is about rate limiting: keeps the tests fast and exact.
Config fast(Config extra = {}) {
    Config c{{"rate", "0"}};
    for (auto& [k, v] : extra) c[k] = v;
    return c;
}

std::vector<CapturedRecord> poll_records(SourceUnderTest& source, std::size_t count, std::size_t writer_cap = 1000) {
    std::vector<CapturedRecord> out;
    for (int attempt = 0; out.size() < count && attempt < 10'000; ++attempt) {
        CapturingWriter writer(writer_cap);
        const CallResult r = source.poll(writer, 100);
        REQUIRE(r.status == SLUICE_OK);
        for (auto& rec : writer.records) out.push_back(std::move(rec));
    }
    REQUIRE(out.size() >= count);
    out.resize(count);
    return out;
}

std::uint64_t seq_of(const CapturedRecord& r) {
    const auto offset = sluice::json::parse_flat(r.source_offset);
    REQUIRE(offset.has_value());
    return std::stoull(offset->at("seq"));
}

bool has_log(const FakeHost& host, sluice_log_level level, const std::string& part) {
    for (const auto& [l, text] : host.logs)
        if (l == level && text.find(part) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("datagen declares its configuration") {
    const auto& d = descriptor(SLUICE_KIND_SOURCE, "datagen");
    CHECK(std::string(d.version) == "1.0.0");
    struct Expected {
        const char* key;
        sluice_config_type type;
        const char* default_value;
    };
    for (const Expected& e : {Expected{"sensors", SLUICE_CONFIG_INT, "20"}, Expected{"rate", SLUICE_CONFIG_INT, "100"},
                              Expected{"seed", SLUICE_CONFIG_INT, "42"}, Expected{"interval.ms", SLUICE_CONFIG_INT, "60000"},
                              Expected{"start.time", SLUICE_CONFIG_STRING, ""},
                              Expected{"max.records", SLUICE_CONFIG_INT, "0"},
                              Expected{"batch.size", SLUICE_CONFIG_INT, "1000"},
                              Expected{"geo", SLUICE_CONFIG_STRING, "none"}}) {
        CAPTURE(e.key);
        const sluice_config_def* def = config_def(d, e.key);
        REQUIRE(def != nullptr);
        CHECK(def->type == e.type);
        CHECK(std::string(def->default_value) == e.default_value);
        CHECK(std::string(def->doc).size() > 10);
    }
    CHECK(d.config_count == 8);
    const sluice_config_def* sensors = config_def(d, "sensors");
    CHECK((sensors->flags & SLUICE_CONFIG_HAS_MIN) != 0);
    CHECK(sensors->min_value == 1);
    const sluice_config_def* batch = config_def(d, "batch.size");
    CHECK(batch->min_value == 1);
    CHECK(batch->max_value == 100000);
    CHECK(config_def(d, "interval.ms")->min_value == 1000);
}

TEST_CASE("datagen emits traffic readings with partition and offset") {
    FakeHost host;
    SourceUnderTest source("datagen", fast({{"sensors", "5"}, {"start.time", "2026-01-01T00:00:00Z"}}), host);
    REQUIRE(source.ok());
    CHECK(has_log(host, SLUICE_LOG_INFO, "starts at record 0"));
    const auto records = poll_records(source, 12);
    for (std::size_t n = 0; n < records.size(); ++n) {
        const CapturedRecord& r = records[n];
        CAPTURE(n);
        REQUIRE(r.value.has_value());
        CHECK(JsonCheck::valid(*r.value));
        CHECK(r.key == "S000" + std::to_string(n % 5));
        CHECK(r.source_partition == "{\"task\":0}");
        CHECK(r.source_offset == "{\"seq\":" + std::to_string(n) + "}");
        CHECK(!r.topic.has_value()); // the connector's topic
        CHECK(r.partition == SLUICE_ANY_PARTITION);
        CHECK(r.timestamp_ms == 1'767'225'600'000 + static_cast<std::int64_t>(n / 5) * 60'000);
        const auto fields = sluice::json::parse_flat(*r.value);
        CHECK(fields->at("seq") == std::to_string(n));
        CHECK(fields->at("sensor_id") == *r.key);
    }
}

TEST_CASE("one poll returns at most batch.size and at most what the writer takes") {
    FakeHost host;
    SourceUnderTest source("datagen", fast({{"batch.size", "300"}}), host);
    REQUIRE(source.ok());
    CapturingWriter big(5000);
    REQUIRE(source.poll(big, 50).status == SLUICE_OK);
    CHECK(big.records.size() == 300);
    CapturingWriter small(7);
    REQUIRE(source.poll(small, 50).status == SLUICE_OK);
    CHECK(small.records.size() == 7);
    CHECK(seq_of(small.records.front()) == 300); // nothing skipped between polls
}

TEST_CASE("datagen is deterministic: same seed same bytes, other seed other bytes") {
    FakeHost host_a, host_b, host_c;
    SourceUnderTest a("datagen", fast({{"seed", "7"}}), host_a);
    SourceUnderTest b("datagen", fast({{"seed", "7"}, {"batch.size", "33"}}), host_b);
    SourceUnderTest c("datagen", fast({{"seed", "8"}}), host_c);
    const auto ra = poll_records(a, 2000);
    const auto rb = poll_records(b, 2000); // different batch sizes: same sequence
    const auto rc = poll_records(c, 2000);
    int differing = 0;
    for (std::size_t i = 0; i < ra.size(); ++i) {
        REQUIRE(ra[i].value == rb[i].value);
        REQUIRE(ra[i].key == rb[i].key);
        REQUIRE(ra[i].timestamp_ms == rb[i].timestamp_ms);
        if (ra[i].value != rc[i].value) ++differing;
    }
    CHECK(differing > 1500);
}

TEST_CASE("a restarted task resumes with exactly the continuation") {
    const Config config = fast({{"sensors", "7"}, {"seed", "1234"}, {"start.time", "2026-01-01T00:00:00Z"}});
    FakeHost first_host;
    SourceUnderTest first("datagen", config, first_host);
    const auto uninterrupted = poll_records(first, 500);

    FakeHost resumed_host;
    resumed_host.offsets["{\"task\":0}"] = "{\"seq\":199}";
    SourceUnderTest resumed("datagen", config, resumed_host);
    REQUIRE(resumed.ok());
    CHECK(has_log(resumed_host, SLUICE_LOG_INFO, "starts at record 200"));
    const auto continuation = poll_records(resumed, 300);
    for (std::size_t i = 0; i < continuation.size(); ++i) {
        REQUIRE(continuation[i].value == uninterrupted[200 + i].value);
        REQUIRE(continuation[i].source_offset == uninterrupted[200 + i].source_offset);
        REQUIRE(continuation[i].timestamp_ms == uninterrupted[200 + i].timestamp_ms);
    }
}

TEST_CASE("tasks split the records: every record exactly once") {
    constexpr int task_count = 3;
    constexpr std::uint64_t total = 3000;
    FakeHost single_host;
    SourceUnderTest single("datagen", fast({{"sensors", "10"}}), single_host);
    const auto reference = poll_records(single, total);

    std::map<std::uint64_t, std::string> seen;
    for (int task = 0; task < task_count; ++task) {
        FakeHost host("test.connector", task, task_count);
        SourceUnderTest source("datagen", fast({{"sensors", "10"}}), host);
        REQUIRE(source.ok());
        for (const CapturedRecord& r : poll_records(source, total / task_count)) {
            CHECK(r.source_partition == "{\"task\":" + std::to_string(task) + "}");
            const std::uint64_t seq = seq_of(r);
            CHECK(seq % task_count == static_cast<std::uint64_t>(task));
            CHECK(seen.emplace(seq, *r.value).second);
        }
    }
    REQUIRE(seen.size() == total);
    CHECK(seen.begin()->first == 0);
    CHECK(seen.rbegin()->first == total - 1);
    for (const auto& [seq, value] : seen) REQUIRE(value == *reference[seq].value);
}

TEST_CASE("a task resumes from its own offset when there are several") {
    FakeHost host("test.connector", 1, 4);
    host.offsets["{\"task\":1}"] = "{\"seq\":41}";
    SourceUnderTest source("datagen", fast(), host);
    REQUIRE(source.ok());
    const auto records = poll_records(source, 3);
    CHECK(seq_of(records[0]) == 45);
    CHECK(seq_of(records[1]) == 49);
    CHECK(seq_of(records[2]) == 53);
}

TEST_CASE("an offset from another task layout resumes at this task's next record, with a warning") {
    FakeHost host("test.connector", 1, 4);
    host.offsets["{\"task\":1}"] = "{\"seq\":42}"; // 42 % 4 == 2: written with another task count
    SourceUnderTest source("datagen", fast(), host);
    REQUIRE(source.ok());
    CHECK(has_log(host, SLUICE_LOG_WARN, "task count change"));
    CHECK(seq_of(poll_records(source, 1)[0]) == 45);
}

TEST_CASE("an unusable stored offset fails the task with a clear message") {
    for (const char* stored : {"not json", "{\"position\":3}", "{\"seq\":-1}", "{\"seq\":\"x\"}", "{\"seq\":1.5}",
                               "{\"seq\":18446744073709551615}"}) {
        CAPTURE(stored);
        FakeHost host;
        host.offsets["{\"task\":0}"] = stored;
        SourceUnderTest source("datagen", fast(), host);
        CHECK(source.created.status == SLUICE_FATAL);
        CHECK(source.created.message.find("stored offset") != std::string::npos);
        CHECK(source.created.message.find("{\"seq\":<record number>}") != std::string::npos);
    }
}

TEST_CASE("max.records stops each task after that many records") {
    FakeHost host;
    SourceUnderTest source("datagen", fast({{"max.records", "25"}, {"batch.size", "10"}}), host);
    REQUIRE(source.ok());
    std::vector<std::size_t> sizes;
    for (int i = 0; i < 4; ++i) {
        CapturingWriter writer;
        REQUIRE(source.poll(writer, 20).status == SLUICE_OK);
        sizes.push_back(writer.records.size());
    }
    CHECK(sizes == std::vector<std::size_t>{10, 10, 5, 0});

    SUBCASE("when exhausted, poll waits out its timeout instead of spinning") {
        CapturingWriter writer;
        const auto start = Clock::now();
        REQUIRE(source.poll(writer, 30).status == SLUICE_OK);
        CHECK(writer.records.empty());
        CHECK(Clock::now() - start >= std::chrono::milliseconds(30));
    }
    SUBCASE("when exhausted and stopping, poll returns at once") {
        host.stopping = true;
        CapturingWriter writer;
        const auto start = Clock::now();
        REQUIRE(source.poll(writer, 5000).status == SLUICE_OK);
        CHECK(Clock::now() - start < std::chrono::milliseconds(1000));
    }
}

TEST_CASE("max.records counts per task and survives a restart") {
    FakeHost host("test.connector", 2, 3);
    host.offsets["{\"task\":2}"] = "{\"seq\":11}"; // task 2 already emitted 2, 5, 8, 11
    SourceUnderTest source("datagen", fast({{"max.records", "6"}}), host);
    REQUIRE(source.ok());
    CapturingWriter writer;
    REQUIRE(source.poll(writer, 10).status == SLUICE_OK);
    REQUIRE(writer.records.size() == 2);
    CHECK(seq_of(writer.records[0]) == 14);
    CHECK(seq_of(writer.records[1]) == 17);
}

TEST_CASE("the rate limit is honoured") {
    FakeHost host;
    SourceUnderTest source("datagen", {{"rate", "50"}}, host);
    REQUIRE(source.ok());
    // Poll for 100 ms of wall time: 50 records/s allows the initial token plus ~5 more.
    // Only an upper bound is checked, so a slow machine cannot make this fail.
    std::size_t received = 0;
    const auto start = Clock::now();
    while (Clock::now() - start < std::chrono::milliseconds(100)) {
        CapturingWriter writer;
        REQUIRE(source.poll(writer, 20).status == SLUICE_OK);
        received += writer.records.size();
    }
    const double elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
    CHECK(received >= 1);
    CHECK(static_cast<double>(received) <= 1.0 + 50.0 * elapsed_s + 1.0);
}

TEST_CASE("poll never sleeps past its timeout") {
    FakeHost host;
    SourceUnderTest source("datagen", {{"rate", "1"}}, host); // one record per second
    REQUIRE(source.ok());
    CapturingWriter first;
    REQUIRE(source.poll(first, 0).status == SLUICE_OK);
    CHECK(first.records.size() == 1); // the initial token
    for (int timeout : {0, 1, 40}) {
        CapturingWriter writer;
        const auto start = Clock::now();
        REQUIRE(source.poll(writer, timeout).status == SLUICE_OK);
        const auto elapsed = Clock::now() - start;
        CAPTURE(timeout);
        CHECK(writer.records.empty());
        CHECK(elapsed < std::chrono::milliseconds(timeout + 500)); // generous: scheduling noise only
    }
}

TEST_CASE("poll returns promptly when the worker is stopping") {
    FakeHost host;
    SourceUnderTest source("datagen", {{"rate", "1"}}, host);
    REQUIRE(source.ok());
    host.stopping = true;
    CapturingWriter writer;
    const auto start = Clock::now();
    REQUIRE(source.poll(writer, 10'000).status == SLUICE_OK);
    CHECK(Clock::now() - start < std::chrono::milliseconds(1000));
    CHECK(writer.records.empty());
}

TEST_CASE("an invalid start.time fails creation with a message naming the key and value") {
    // "" is no longer invalid: it is the default, the wall clock at the first start.
    for (const char* bad : {"2026-01-01", "2026-02-30T00:00:00Z", "2026-01-01T00:00:00+02:00", "tomorrow"}) {
        CAPTURE(bad);
        FakeHost host;
        SourceUnderTest source("datagen", {{"start.time", bad}}, host);
        CHECK(source.created.status == SLUICE_FATAL);
        CHECK(source.created.message.find("start.time") != std::string::npos);
        CHECK(source.created.message.find(std::string("'") + bad + "'") != std::string::npos);
        CHECK(source.created.message.find("YYYY-MM-DDTHH:MM:SSZ") != std::string::npos);
        // The pre-flight check says the same before any task starts.
        const CallResult tested = SourceUnderTest::test("datagen", {{"start.time", bad}}, host);
        CHECK(tested.status == SLUICE_FATAL);
        CHECK(tested.message == source.created.message);
    }
}

TEST_CASE("out-of-range and malformed numbers fail creation") {
    for (const Config& bad : {Config{{"sensors", "0"}}, Config{{"sensors", "-3"}}, Config{{"rate", "-1"}},
                              Config{{"interval.ms", "999"}}, Config{{"batch.size", "0"}},
                              Config{{"batch.size", "100001"}}, Config{{"max.records", "-5"}},
                              Config{{"seed", "forty-two"}}}) {
        CAPTURE(bad.begin()->first);
        FakeHost host;
        SourceUnderTest source("datagen", bad, host);
        CHECK(source.created.status == SLUICE_FATAL);
        CHECK(source.created.message.find(bad.begin()->first) != std::string::npos);
    }
    FakeHost host;
    CHECK(SourceUnderTest::test("datagen", {}, host).status == SLUICE_OK);
}

TEST_CASE("a negative seed is a seed like any other") {
    FakeHost host;
    SourceUnderTest source("datagen", fast({{"seed", "-9"}}), host);
    REQUIRE(source.ok());
    CHECK(poll_records(source, 3).size() == 3);
}

TEST_CASE("simulated time past the 64-bit range fails the task instead of wrapping") {
    FakeHost host;
    host.offsets["{\"task\":0}"] = "{\"seq\":9223372036854775000}";
    SourceUnderTest source("datagen", fast({{"sensors", "1"}, {"interval.ms", "86400000"}}), host);
    REQUIRE(source.ok());
    CapturingWriter writer;
    const CallResult r = source.poll(writer, 10);
    CHECK(r.status == SLUICE_FATAL);
    CHECK(r.message.find("interval.ms") != std::string::npos);
}

TEST_CASE("start.time empty (the default): the simulation starts at the wall clock, kept in the offsets") {
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    const Config config = fast({{"sensors", "3"}, {"interval.ms", "60000"}});
    FakeHost host;
    SourceUnderTest first("datagen", config, host);
    REQUIRE(first.ok());
    const auto records = poll_records(first, 300);
    REQUIRE(records.size() == 300);
    // The first measurement is the current minute: records a broker keeps, not 2026-01-01.
    const std::int64_t start = records.front().timestamp_ms;
    CHECK(start % 60'000 == 0);
    CHECK(start <= now_ms + 60'000);
    CHECK(start > now_ms - 120'000);
    const auto offset = sluice::json::parse_flat(records.front().source_offset);
    REQUIRE(offset);
    CHECK(offset->at("start") == std::to_string(start));
    CHECK(!has_log(host, SLUICE_LOG_WARN, "days in the past"));

    // A restart much later continues the same simulation, from the start kept in the offset.
    FakeHost resumed_host;
    resumed_host.offsets["{\"task\":0}"] = records[199].source_offset;
    SourceUnderTest resumed("datagen", config, resumed_host);
    REQUIRE(resumed.ok());
    const auto continuation = poll_records(resumed, 100);
    for (std::size_t i = 0; i < continuation.size(); ++i) {
        REQUIRE(continuation[i].value == records[200 + i].value);
        REQUIRE(continuation[i].source_offset == records[200 + i].source_offset);
        REQUIRE(continuation[i].timestamp_ms == records[200 + i].timestamp_ms);
    }
}

TEST_CASE("an offset written before start.time could be empty resumes in the old default simulation") {
    FakeHost host;
    host.offsets["{\"task\":0}"] = "{\"seq\":4}";
    SourceUnderTest source("datagen", fast({{"sensors", "5"}}), host);
    REQUIRE(source.ok());
    const auto records = poll_records(source, 1);
    CHECK(records.front().timestamp_ms == 1'767'225'600'000 + 60'000);  // record 5 of 2026-01-01T00:00:00Z
}

TEST_CASE("an explicit start.time in the past warns that retention may delete the records") {
    FakeHost host;
    SourceUnderTest source("datagen", fast({{"start.time", "2020-01-01T00:00:00Z"}}), host);
    REQUIRE(source.ok());
    CHECK(has_log(host, SLUICE_LOG_WARN, "days in the past"));
    CHECK(has_log(host, SLUICE_LOG_WARN, "retention.ms"));
}

TEST_CASE("validate: a bad start.time is a problem of that key, a long one is described, not echoed") {
    const std::string huge(1 << 20, 'x');
    for (const std::string& bad : {std::string("tomorrow"), huge}) {
        const auto problems = validate_config("datagen", {{"start.time", bad}});
        REQUIRE(problems.size() == 1);
        CHECK(problems[0].first == "start.time");
        CHECK(problems[0].second.find("YYYY-MM-DDTHH:MM:SSZ") != std::string::npos);
        CHECK(problems[0].second.size() < 300);
    }
    CHECK(validate_config("datagen", {{"start.time", ""}}).empty());
    CHECK(validate_config("datagen", {{"start.time", "2026-01-01T00:00:00Z"}}).empty());
}
