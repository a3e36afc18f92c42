#include "common/log.hpp"

#include "common/log_levels.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace sluice::log {
namespace {

struct State {
    std::mutex mutex;
    std::map<std::string, long> registered;  // secret -> registrations (add_secret: never released)
    std::vector<std::string> secrets;        // longest first, so a secret containing another is masked whole
    Sink sink;

    void rebuild() {
        secrets.clear();
        for (const auto& [s, n] : registered) secrets.push_back(s);
        std::sort(secrets.begin(), secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    }
    void add(std::string_view value) {
        auto [it, inserted] = registered.emplace(std::string(value), 0);
        ++it->second;
        if (inserted) rebuild();
    }
    void release(const std::string& value) {
        auto it = registered.find(value);
        if (it == registered.end()) return;
        if (--it->second == 0) {
            registered.erase(it);
            rebuild();
        }
    }
};

State& state() {
    static State s;
    return s;
}

thread_local std::string t_context;

std::string timestamp() {
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

std::string mask_locked(const std::vector<std::string>& secrets, std::string_view text) {
    std::string out(text);
    for (const auto& secret : secrets) {
        for (size_t pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos + 4))
            out.replace(pos, secret.size(), "****");
    }
    return out;
}

}  // namespace

std::optional<Level> parse_level(std::string_view name) {
    std::string n(name);
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
    if (n == "trace") return Level::trace;
    if (n == "debug") return Level::debug;
    if (n == "info") return Level::info;
    if (n == "warn" || n == "warning") return Level::warn;
    if (n == "error") return Level::error;
    if (n == "off") return Level::off;
    return std::nullopt;
}

std::string_view level_name(Level level) {
    switch (level) {
    case Level::trace: return "TRACE";
    case Level::debug: return "DEBUG";
    case Level::info: return "INFO ";
    case Level::warn: return "WARN ";
    case Level::error: return "ERROR";
    case Level::off: return "OFF  ";
    }
    return "?";
}

namespace detail {
std::atomic<Level> g_floor{Level::info};
std::atomic<bool> g_per_logger{false};
}  // namespace detail

namespace {

// The published table. Readers keep a copy of the pointer per thread and look here again
// only when the generation moved, so a level check never waits on a writer.
struct LevelState {
    std::mutex mutex;
    std::shared_ptr<const LevelTable> table = std::make_shared<const LevelTable>(Level::info);
};
LevelState& level_state() {
    static LevelState s;
    return s;
}
std::atomic<uint64_t> g_generation{1};

// Under the state's mutex: the new table, then the generation, then the fast path's summary
// (a line checked in between is judged by the old or the new table, never by a mix).
void publish(LevelState& s, std::shared_ptr<const LevelTable> table) {
    s.table = std::move(table);
    g_generation.fetch_add(1, std::memory_order_release);
    detail::g_floor.store(s.table->floor(), std::memory_order_relaxed);
    detail::g_per_logger.store(!s.table->uniform(), std::memory_order_relaxed);
}

struct CachedLevel {
    uint64_t generation = 0;
    std::shared_ptr<const LevelTable> table;
    bool resolved = false;
    std::string context;  // the last context resolved, and its level
    Level level = Level::info;
};
thread_local CachedLevel t_level;

}  // namespace

bool detail::enabled_for(Level l, std::string_view context) {
    auto& c = t_level;
    if (c.generation != g_generation.load(std::memory_order_acquire)) {
        auto& s = level_state();
        std::lock_guard lock(s.mutex);
        c.table = s.table;
        c.generation = g_generation.load(std::memory_order_relaxed);
        c.resolved = false;
    }
    if (!c.resolved || c.context != context) {
        c.context.assign(context);
        c.level = c.table->effective(context);
        c.resolved = true;
    }
    return l >= c.level;
}

void set_level(Level l) {
    auto& s = level_state();
    std::lock_guard lock(s.mutex);
    auto next = std::make_shared<LevelTable>(*s.table);
    next->set_root(l);
    publish(s, std::move(next));
}

Level level() {
    auto& s = level_state();
    std::lock_guard lock(s.mutex);
    return s.table->root().level;
}

std::shared_ptr<const LevelTable> levels() {
    auto& s = level_state();
    std::lock_guard lock(s.mutex);
    return s.table;
}

bool set_logger_level(std::string_view logger, Level l, std::string& error) {
    if (auto problem = logger_name_problem(logger)) {
        error = *problem;
        return false;
    }
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto& s = level_state();
    std::lock_guard lock(s.mutex);
    auto next = std::make_shared<LevelTable>(*s.table);
    if (!next->set(logger, l, now)) {
        error = "at most " + std::to_string(kMaxLoggers) + " loggers may have a level of their own; set a common parent (or root) instead";
        return false;
    }
    publish(s, std::move(next));
    return true;
}

void reset_levels(Level root) {
    auto& s = level_state();
    std::lock_guard lock(s.mutex);
    publish(s, std::make_shared<const LevelTable>(root));
}

void add_secret(std::string_view value) {
    if (value.size() < 4) return;
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.add(value);
}

Secrets::Secrets(std::vector<std::string> values) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    for (auto& v : values)
        if (v.size() >= 4) {
            s.add(v);
            values_.push_back(std::move(v));
        }
}

Secrets::~Secrets() {
    if (values_.empty()) return;
    auto& s = state();
    std::lock_guard lock(s.mutex);
    for (const auto& v : values_) s.release(v);
}

Secrets::Secrets(Secrets&& other) noexcept : values_(std::move(other.values_)) { other.values_.clear(); }

Secrets& Secrets::operator=(Secrets&& other) noexcept {
    if (this != &other) {
        Secrets old(std::move(*this));
        values_ = std::move(other.values_);
        other.values_.clear();
    }
    return *this;
}

size_t secret_count() {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    return s.registered.size();
}

std::string mask_secrets(std::string_view text) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    return mask_locked(s.secrets, text);
}

void set_sink(Sink sink) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.sink = std::move(sink);
}

void write(Level l, std::string_view message) { write(l, t_context, message); }

void write(Level l, std::string_view context, std::string_view message) {
    if (!enabled(l, context)) return;
    std::string line = timestamp();
    line += ' ';
    line += level_name(l);
    line += ' ';
    if (!context.empty()) {
        line += '[';
        line += context;
        line += "] ";
    }
    line += message;
    auto& s = state();
    std::lock_guard lock(s.mutex);
    line = mask_locked(s.secrets, line);
    if (s.sink) {
        s.sink(line);
        return;
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
}

Scope::Scope(std::string context) : previous_(std::move(t_context)) { t_context = std::move(context); }
Scope::~Scope() { t_context = std::move(previous_); }
std::string_view current_context() { return t_context; }

}  // namespace sluice::log
