#include "common/log.hpp"

#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

namespace log = sluice::log;

namespace {
struct Capture {
    std::vector<std::string> lines;
    Capture() {
        log::set_sink([this](std::string_view l) { lines.emplace_back(l); });
    }
    ~Capture() { log::set_sink(nullptr); }
};
}  // namespace

TEST_CASE("lines carry time, level and the thread's connector/task") {
    Capture c;
    log::set_level(log::Level::info);
    {
        log::Scope scope("demo.traffic/0");
        log::info("hello ", 42);
    }
    log::debug("hidden");
    log::warn("no context");
    REQUIRE(c.lines.size() == 2);
    // 2026-11-22T10:00:00.000Z INFO  [demo.traffic/0] hello 42
    CHECK(c.lines[0].size() > 25);
    CHECK(c.lines[0][4] == '-');
    CHECK(c.lines[0][23] == 'Z');
    CHECK(c.lines[0].substr(24) == " INFO  [demo.traffic/0] hello 42");
    CHECK(c.lines[1].substr(24) == " WARN  no context");
}

TEST_CASE("registered secrets are masked in every line, whoever writes it") {
    Capture c;
    log::add_secret("hunter2hunter2");
    log::add_secret("abc");  // too short to mask safely: ignored
    log::info("password=hunter2hunter2 and again hunter2hunter2; abc stays");
    std::thread([] { log::write(log::Level::error, "kafka/x", "sasl: hunter2hunter2"); }).join();
    REQUIRE(c.lines.size() == 2);
    CHECK(c.lines[0].find("hunter2") == std::string::npos);
    CHECK(c.lines[0].find("password=**** and again ****; abc stays") != std::string::npos);
    CHECK(c.lines[1].find("[kafka/x] sasl: ****") != std::string::npos);
    CHECK(log::mask_secrets("x hunter2hunter2 y") == "x **** y");
}

TEST_CASE("level names parse") {
    CHECK(log::parse_level("WARN") == log::Level::warn);
    CHECK(log::parse_level("warning") == log::Level::warn);
    CHECK_FALSE(log::parse_level("loud"));
}
