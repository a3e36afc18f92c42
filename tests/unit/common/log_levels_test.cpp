// Run-time levels per logger: the table's hierarchy and Connect's PUT semantics, and the
// process-wide table the log lines are checked against (picked up by every thread).
#include "common/log_levels.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace log = sluice::log;
using log::Level;

namespace {

// Captures lines and leaves the process-wide levels as a test found them (root INFO only).
struct LevelsFixture {
    std::mutex mutex;
    std::vector<std::string> lines;
    LevelsFixture() {
        log::reset_levels(Level::info);
        log::set_sink([this](std::string_view l) {
            std::lock_guard lock(mutex);
            lines.emplace_back(l);
        });
    }
    ~LevelsFixture() {
        log::set_sink(nullptr);
        log::reset_levels(Level::info);
    }
    size_t count(const std::string& needle) {
        std::lock_guard lock(mutex);
        size_t n = 0;
        for (const auto& l : lines) n += l.find(needle) != std::string::npos;
        return n;
    }
};

}  // namespace

TEST_CASE("logger names: root, or '/'-separated segments of letters, digits, '.', '_' and '-'") {
    for (const char* good : {"root", "kafka", "rest", "demo.file-source", "demo.file-source/0", "kafka/demo.src/0", "a_b"}) {
        INFO(good);
        CHECK_FALSE(log::logger_name_problem(good));
    }
    for (const char* bad : {"", "/kafka", "kafka/", "kafka//x", "a b", "a\nb", "ünï", "x:y"}) {
        INFO(bad);
        CHECK(log::logger_name_problem(bad));
    }
    CHECK_FALSE(log::logger_name_problem(std::string(255, 'a')));
    CHECK(log::logger_name_problem(std::string(256, 'a')));
}

TEST_CASE("is_below follows segments, not string prefixes") {
    CHECK(log::is_below("kafka", "kafka"));
    CHECK(log::is_below("kafka/demo/0", "kafka"));
    CHECK(log::is_below("kafka/demo/0", "kafka/demo"));
    CHECK_FALSE(log::is_below("kafkaesque", "kafka"));
    CHECK_FALSE(log::is_below("kafka", "kafka/demo"));
    CHECK(log::is_below("anything", "root"));
    CHECK(log::is_below("root", "root"));
}

TEST_CASE("a level applies to its logger and the names below it; root to everything else") {
    log::LevelTable t(Level::info);
    CHECK(t.uniform());
    CHECK(t.floor() == Level::info);
    CHECK(t.effective("") == Level::info);
    CHECK(t.effective("demo.src/0") == Level::info);

    REQUIRE(t.set("kafka", Level::debug, 1000));
    CHECK(t.effective("kafka") == Level::debug);
    CHECK(t.effective("kafka/demo.src/0") == Level::debug);
    CHECK(t.effective("kafkaesque/0") == Level::info);
    CHECK(t.effective("demo.src/0") == Level::info);
    CHECK(t.effective("") == Level::info);
    CHECK_FALSE(t.uniform());
    CHECK(t.floor() == Level::debug);
    CHECK(t.governing("kafka/x").last_modified_ms == 1000);
    CHECK_FALSE(t.governing("rest/0").last_modified_ms);

    // The nearest logger with a level of its own wins.
    REQUIRE(t.set("kafka/demo.src", Level::warn, 2000));
    CHECK(t.effective("kafka/demo.src/0") == Level::warn);
    CHECK(t.effective("kafka/other/0") == Level::debug);
    CHECK(t.effective("kafka") == Level::debug);

    // Connect's PUT: setting a parent sets the loggers below it too.
    REQUIRE(t.set("kafka", Level::error, 3000));
    CHECK(t.effective("kafka/demo.src/0") == Level::error);
    CHECK(t.explicit_levels().at("kafka/demo.src").last_modified_ms == 3000);

    // ... and root sets every logger.
    REQUIRE(t.set("root", Level::trace, 4000));
    CHECK(t.root().level == Level::trace);
    CHECK(t.root().last_modified_ms == 4000);
    CHECK(t.effective("kafka/demo.src/0") == Level::trace);
    CHECK(t.effective("kafka") == Level::trace);
    CHECK(t.uniform());  // all at root's level again: the fast path decides alone
    CHECK(t.explicit_levels().size() == 2);

    // The worker file's level moves root alone.
    t.set_root(Level::warn);
    CHECK(t.effective("anything") == Level::warn);
    CHECK(t.effective("kafka/x") == Level::trace);
    CHECK_FALSE(t.root().last_modified_ms);
}

TEST_CASE("OFF silences a logger; the floor is the lowest level of any logger") {
    log::LevelTable t(Level::warn);
    REQUIRE(t.set("demo.src", Level::off, std::nullopt));
    CHECK(t.effective("demo.src/0") == Level::off);
    CHECK(t.floor() == Level::warn);
    REQUIRE(t.set("rest", Level::trace, std::nullopt));
    CHECK(t.floor() == Level::trace);
}

TEST_CASE("the table holds at most kMaxLoggers names; existing names can always change") {
    log::LevelTable t;
    for (size_t i = 0; i < log::kMaxLoggers; ++i) REQUIRE(t.set("c" + std::to_string(i), Level::debug, std::nullopt));
    CHECK_FALSE(t.set("one-more", Level::debug, std::nullopt));
    CHECK(t.set("c7", Level::warn, std::nullopt));
    CHECK(t.set("root", Level::warn, std::nullopt));
    CHECK(t.explicit_levels().size() == log::kMaxLoggers);
}

TEST_CASE("the process-wide table decides which lines are written, by context") {
    LevelsFixture f;
    std::string error;
    REQUIRE(log::set_logger_level("kafka", Level::debug, error));
    log::write(Level::debug, "kafka/demo.src/0", "fetch backoff");
    log::write(Level::debug, "demo.src/0", "not shown");
    log::debug("no context: not shown");
    {
        log::Scope scope("demo.src/0");
        log::debug("task line, not shown yet");
        REQUIRE(log::set_logger_level("demo.src", Level::debug, error));
        log::debug("task line shown");  // the same thread picks the change up at its next check
        log::Scope inner("other/0");
        log::debug("other connector: not shown");
    }
    CHECK(f.count("[kafka/demo.src/0] fetch backoff") == 1);
    CHECK(f.count("not shown") == 0);
    CHECK(f.count("[demo.src/0] task line shown") == 1);
    CHECK(log::enabled(Level::debug, "kafka/x"));
    CHECK_FALSE(log::enabled(Level::debug, "rest/0"));
    CHECK(log::enabled_somewhere(Level::debug));
    CHECK_FALSE(log::enabled_somewhere(Level::trace));

    // Root's level from the worker file leaves the others alone.
    log::set_level(Level::error);
    CHECK(log::level() == Level::error);
    CHECK_FALSE(log::enabled(Level::info, "rest/0"));
    CHECK(log::enabled(Level::debug, "kafka/x"));

    CHECK_FALSE(log::set_logger_level("a b", Level::debug, error));
    CHECK(error.find("letters, digits") != std::string::npos);
}

TEST_CASE("a change reaches threads that are logging meanwhile") {
    LevelsFixture f;
    std::atomic<uint64_t> conn0{0}, conn1{0}, kafka{0};
    log::set_sink([&](std::string_view l) {
        if (l.find("[conn0/") != std::string_view::npos) ++conn0;
        if (l.find("[conn1/") != std::string_view::npos) ++conn1;
        if (l.find("[kafka/") != std::string_view::npos) ++kafka;
    });
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&, i] {
            log::Scope scope("conn" + std::to_string(i % 2) + "/" + std::to_string(i));
            const std::string kafka_context = "kafka/conn" + std::to_string(i % 2) + "/" + std::to_string(i);
            while (!stop.load()) {
                log::debug("tick");
                log::write(Level::debug, kafka_context, "kafka tick");
            }
        });
    std::string error;
    // Toggled while the threads log: no torn table, no crash, no lock per line.
    for (int round = 0; round < 200; ++round) {
        REQUIRE(log::set_logger_level("conn1", round % 2 ? Level::info : Level::debug, error));
        REQUIRE(log::set_logger_level("kafka", round % 3 ? Level::info : Level::debug, error));
    }
    REQUIRE(log::set_logger_level("conn1", Level::debug, error));
    REQUIRE(log::set_logger_level("kafka", Level::info, error));
    // Bounded wait: the threads log conn1's lines after the last change.
    const uint64_t before = conn1.load();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (conn1.load() < before + 100 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    CHECK(conn1.load() >= before + 100);
    // kafka is at INFO now: once every thread has seen that, no kafka line is written.
    REQUIRE(log::set_logger_level("conn1", Level::info, error));
    stop = true;
    for (auto& t : threads) t.join();
    CHECK(conn0.load() == 0);  // conn0 was never at DEBUG
    const uint64_t kafka_after = kafka.load();
    log::write(Level::debug, "kafka/conn0/0", "kafka tick");
    CHECK(kafka.load() == kafka_after);
}
