// Process-wide logging: one line per event, "time LEVEL [connector/task] message", to
// stderr. Thread-safe. Every registered secret is masked in every line, whoever wrote it
// (worker, plugin, librdkafka).
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::log {

enum class Level { trace = 0, debug = 1, info = 2, warn = 3, error = 4, off = 5 };

std::optional<Level> parse_level(std::string_view name);
std::string_view level_name(Level level);

// Root's level (the worker file's log.level, --log-level); other loggers keep theirs
// (log_levels.hpp: per-logger levels set at run time over REST).
void set_level(Level level);
Level level();

std::string_view current_context();

namespace detail {
// The lowest level of any logger, and whether all loggers share root's level: with one level
// everywhere (the usual case) a check is one atomic load and a compare.
extern std::atomic<Level> g_floor;
extern std::atomic<bool> g_per_logger;
bool enabled_for(Level l, std::string_view context);  // the thread's cached table, no lock
}  // namespace detail

// Would a line of this level under `context` ("connector/task", "kafka/<client>") be written?
inline bool enabled(Level l, std::string_view context) {
    if (l < detail::g_floor.load(std::memory_order_relaxed)) return false;
    if (!detail::g_per_logger.load(std::memory_order_relaxed)) return true;
    return detail::enabled_for(l, context);
}
// The same under the calling thread's context (Scope).
inline bool enabled(Level l) {
    if (l < detail::g_floor.load(std::memory_order_relaxed)) return false;
    if (!detail::g_per_logger.load(std::memory_order_relaxed)) return true;
    return detail::enabled_for(l, current_context());
}
// Might some logger write a line of this level? (Before building a context that costs.)
inline bool enabled_somewhere(Level l) { return l >= detail::g_floor.load(std::memory_order_relaxed); }

// Secrets (declared secret config values, values from config providers) never appear in log
// lines: each occurrence is replaced by "****". Values shorter than 4 characters are not
// registered (too many false matches and too little to hide).
// add_secret() registers for the life of the process (the worker file's own secrets);
// a Secrets object registers while it lives (a connector's, a validation's), so values
// seen once over REST do not pile up.
void add_secret(std::string_view value);
std::string mask_secrets(std::string_view text);

class Secrets {
public:
    Secrets() = default;
    explicit Secrets(std::vector<std::string> values);
    ~Secrets();
    Secrets(Secrets&& other) noexcept;
    Secrets& operator=(Secrets&& other) noexcept;
    Secrets(const Secrets&) = delete;
    Secrets& operator=(const Secrets&) = delete;

private:
    std::vector<std::string> values_;
};
// How many distinct secrets are registered (tests).
size_t secret_count();

// Where lines go (stderr by default); tests capture them.
using Sink = std::function<void(std::string_view line)>;
void set_sink(Sink sink);

void write(Level level, std::string_view message);
void write(Level level, std::string_view context, std::string_view message);

// The connector/task shown in lines written by this thread while the scope lives.
class Scope {
public:
    explicit Scope(std::string context);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

private:
    std::string previous_;
};

template <class... Args>
std::string cat(const Args&... args) {
    std::ostringstream out;
    (out << ... << args);
    return out.str();
}

template <class... Args> void trace(const Args&... a) { if (enabled(Level::trace)) write(Level::trace, cat(a...)); }
template <class... Args> void debug(const Args&... a) { if (enabled(Level::debug)) write(Level::debug, cat(a...)); }
template <class... Args> void info(const Args&... a) { if (enabled(Level::info)) write(Level::info, cat(a...)); }
template <class... Args> void warn(const Args&... a) { if (enabled(Level::warn)) write(Level::warn, cat(a...)); }
template <class... Args> void error(const Args&... a) { if (enabled(Level::error)) write(Level::error, cat(a...)); }

}  // namespace sluice::log
