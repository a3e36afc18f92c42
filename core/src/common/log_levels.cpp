#include "common/log_levels.hpp"

#include <algorithm>
#include <cctype>

namespace sluice::log {

std::optional<std::string> logger_name_problem(std::string_view name) {
    if (name == kRootLogger) return std::nullopt;
    if (name.empty()) return "a logger name cannot be empty";
    if (name.size() > 255) return "a logger name has at most 255 characters";
    if (name.front() == '/' || name.back() == '/' || name.find("//") != std::string_view::npos)
        return "a logger name is made of non-empty segments separated by '/' (\"kafka\", \"my-connector/0\")";
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '/'))
            return "a logger name uses only letters, digits, '.', '_', '-' and '/'";
    return std::nullopt;
}

bool is_below(std::string_view name, std::string_view ancestor) {
    if (ancestor == kRootLogger) return true;
    return name.size() >= ancestor.size() && name.substr(0, ancestor.size()) == ancestor &&
           (name.size() == ancestor.size() || name[ancestor.size()] == '/');
}

LevelTable::LevelTable(Level root) : root_{root, std::nullopt} {}

const LoggerLevel& LevelTable::governing(std::string_view logger) const {
    if (levels_.empty() || logger == kRootLogger) return root_;
    // The context itself, then each parent: "kafka/demo.src/0", "kafka/demo.src", "kafka".
    std::string_view name = logger;
    while (!name.empty()) {
        if (auto it = levels_.find(name); it != levels_.end()) return it->second;
        const size_t slash = name.rfind('/');
        if (slash == std::string_view::npos) break;
        name = name.substr(0, slash);
    }
    return root_;
}

Level LevelTable::effective(std::string_view context) const { return governing(context).level; }

bool LevelTable::set(std::string_view logger, Level level, std::optional<int64_t> now_ms) {
    const LoggerLevel entry{level, now_ms};
    if (logger == kRootLogger) {
        root_ = entry;
        for (auto& [name, l] : levels_) l = entry;
        return true;
    }
    if (levels_.find(logger) == levels_.end() && levels_.size() >= kMaxLoggers) return false;
    levels_[std::string(logger)] = entry;
    for (auto& [name, l] : levels_)
        if (is_below(name, logger)) l = entry;
    return true;
}

Level LevelTable::floor() const {
    Level lowest = root_.level;
    for (const auto& [name, l] : levels_) lowest = std::min(lowest, l.level);
    return lowest;
}

bool LevelTable::uniform() const {
    return std::all_of(levels_.begin(), levels_.end(), [&](const auto& e) { return e.second.level == root_.level; });
}

std::string_view level_word(Level level) {
    switch (level) {
    case Level::trace: return "TRACE";
    case Level::debug: return "DEBUG";
    case Level::info: return "INFO";
    case Level::warn: return "WARN";
    case Level::error: return "ERROR";
    case Level::off: return "OFF";
    }
    return "?";
}

}  // namespace sluice::log
