// Run-time log levels per logger (Kafka Connect's KIP-495, GET/PUT /admin/loggers), on
// log4j's hierarchy. A line's logger is its context: "demo.src/0" (a task), "kafka/demo.src/0"
// (librdkafka's lines of that task's clients), "rest/3" (a REST thread), or none (root).
// Logger names are paths of '/'-separated segments, so "demo.src" is the parent of
// "demo.src/0" and "kafka" the parent of every "kafka/..." line. A line is written when its
// level is at least that of the nearest logger set explicitly among its context and the
// context's ancestors, or root's when none is.
#pragma once

#include "common/log.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::log {

inline constexpr std::string_view kRootLogger = "root";
// The modules whose lines carry a context of their own: librdkafka's ("kafka/<client>") and
// the REST threads' ("rest/<n>"). A connector's tasks log as "<connector>/<task>".
inline constexpr std::array<std::string_view, 2> kModuleLoggers{"kafka", "rest"};

// At most this many loggers have a level of their own (root aside): names come from REST
// callers, so the table must not grow without bound.
inline constexpr size_t kMaxLoggers = 1000;

// "root", or 1 to 255 characters of letters, digits, '.', '_', '-' in non-empty segments
// separated by '/'. nullopt when valid, else what is wrong.
std::optional<std::string> logger_name_problem(std::string_view name);

// `name` is `ancestor` or below it (every logger is below root).
bool is_below(std::string_view name, std::string_view ancestor);

struct LoggerLevel {
    Level level = Level::info;
    std::optional<int64_t> last_modified_ms;  // set through REST at this time (ms since the epoch); nullopt: since start
};

// One immutable-once-published version of the levels; changes are made on a copy.
class LevelTable {
public:
    explicit LevelTable(Level root = Level::info);

    const LoggerLevel& root() const { return root_; }
    // The loggers with a level of their own (root aside), by name.
    const std::map<std::string, LoggerLevel, std::less<>>& explicit_levels() const { return levels_; }
    // The level that applies to lines written under `context` (or to the logger of that name).
    Level effective(std::string_view context) const;
    // The entry that decides `logger`'s level: its own, its nearest ancestor's, or root's.
    const LoggerLevel& governing(std::string_view logger) const;

    // Connect's PUT: `logger` and every logger below it that has a level of its own get
    // `level` (root: every logger). False when a new name would pass kMaxLoggers.
    bool set(std::string_view logger, Level level, std::optional<int64_t> now_ms);
    // Root's level alone, as the worker file or --log-level gives it.
    void set_root(Level level) { root_ = {level, std::nullopt}; }

    // The lowest level of any logger: below it no line is written anywhere.
    Level floor() const;
    // Every logger at root's level: one level check decides for all lines.
    bool uniform() const;

private:
    LoggerLevel root_;
    std::map<std::string, LoggerLevel, std::less<>> levels_;
};

// The process-wide table every line is checked against. A change publishes a new table;
// a thread picks it up at its next level check (one lock per change and thread, never per line).
std::shared_ptr<const LevelTable> levels();
// Sets a logger's level in the process-wide table (Connect's PUT semantics, see LevelTable::set)
// with the current time as last_modified. False with `error` when the name or the table size
// refuses it.
bool set_logger_level(std::string_view logger, Level level, std::string& error);
// Root at `root` and no other logger (tests).
void reset_levels(Level root);

// "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF": the unpadded names REST shows.
std::string_view level_word(Level level);

}  // namespace sluice::log
