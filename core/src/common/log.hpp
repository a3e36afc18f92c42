// Process-wide logging: one line per event, "time LEVEL [connector/task] message", to
// stderr. Thread-safe. Every registered secret is masked in every line, whoever wrote it
// (worker, plugin, librdkafka).
#pragma once

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

void set_level(Level level);
Level level();
inline bool enabled(Level l) { return l >= level(); }

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
std::string_view current_context();

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
