// /admin/loggers: run-time log levels (Kafka Connect's KIP-495, with KIP-976's scope and
// last_modified). The loggers are root, the modules whose lines carry a context of their own
// (kafka, rest), every connector, and every name given a level over REST; the level table and
// its hierarchy are common/log_levels.hpp.
#include "rest/api.hpp"
#include "rest/connector_view.hpp"

#include "common/log.hpp"
#include "common/log_levels.hpp"
#include "common/text.hpp"

#include <algorithm>
#include <cctype>

namespace sluice::rest {

namespace {

nlohmann::json logger_json(const log::LoggerLevel& l) {
    return {{"level", std::string(log::level_word(l.level))},
            {"last_modified", l.last_modified_ms ? nlohmann::json(*l.last_modified_ms) : nlohmann::json(nullptr)}};
}

// Every logger this worker knows of, with the entry that decides its level.
std::map<std::string, log::LoggerLevel> known_loggers(Api& api, const log::LevelTable& table) {
    std::map<std::string, log::LoggerLevel> known;
    known.emplace(log::kRootLogger, table.root());
    for (auto module : log::kModuleLoggers) known.emplace(module, table.governing(module));
    for (const auto& e : api.control().connectors())
        known.emplace(e.definition.spec.name, table.governing(e.definition.spec.name));
    for (const auto& [name, level] : table.explicit_levels()) known[name] = level;
    return known;
}

// Connect's level names, any case. FATAL is refused rather than mapped: nothing in sluice is
// logged at it, so it would silently mean OFF.
log::Level level_from_body(const nlohmann::json& body) {
    if (!body.is_object()) throw ApiError(400, R"(expected a JSON object like {"level": "DEBUG"})");
    auto it = body.find("level");
    if (it == body.end() || it->is_null()) throw ApiError(400, R"(the desired level was not given: expected {"level": "DEBUG"})");
    if (!it->is_string()) throw ApiError(400, "\"level\" must be a string (TRACE, DEBUG, INFO, WARN, ERROR or OFF)");
    std::string word = it->get<std::string>();
    std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (word == "FATAL")
        throw ApiError(400, "sluice has no FATAL level (nothing is logged at it): use ERROR for errors only, or OFF for nothing");
    for (auto l : {log::Level::trace, log::Level::debug, log::Level::info, log::Level::warn, log::Level::error, log::Level::off})
        if (word == log::level_word(l)) return l;
    throw ApiError(400, "invalid log level " + text::shown(it->get<std::string>(), 40) +
                            ": expected TRACE, DEBUG, INFO, WARN, ERROR or OFF");
}

enum class LoggerScope { worker, cluster };

LoggerScope scope_of(const Call& call) {
    std::string scope = call.query("scope");
    std::transform(scope.begin(), scope.end(), scope.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (scope.empty() || scope == "worker") return LoggerScope::worker;
    if (scope == "cluster") return LoggerScope::cluster;
    throw ApiError(400, "scope must be worker (this worker, the default) or cluster (every worker), got " +
                            text::shown(call.query("scope"), 40));
}

HttpResponse put_level(Api& api, const Call& call) {
    const std::string& logger = call.param("logger");
    if (auto problem = log::logger_name_problem(logger)) throw ApiError(400, "logger " + text::shown(logger, 60) + ": " + *problem);
    const log::Level level = level_from_body(json_body(call));
    const std::string word(log::level_word(level));
    const LoggerScope scope = scope_of(call);
    if (scope == LoggerScope::cluster && api.options().apply_logger_on_cluster) {
        // Every worker, this one included, applies it when it reads the change (Connect: 204).
        api.options().apply_logger_on_cluster(logger, word);
        log::info("log level of ", logger, " and the loggers below it set to ", word, " on every worker of the cluster");
        HttpResponse r;
        r.status = 204;
        return r;
    }
    std::string error;
    if (!log::set_logger_level(logger, level, error)) throw ApiError(400, "logger " + text::shown(logger, 60) + ": " + error);
    if (scope == LoggerScope::cluster) {
        log::info("log level of ", logger, " and the loggers below it set to ", word,
                  " (scope=cluster on a standalone worker: this worker is the whole cluster)");
        HttpResponse r;
        r.status = 204;
        return r;
    }
    log::info("log level of ", logger, " and the loggers below it set to ", word, " on this worker");
    // Connect's answer: the loggers whose level was set, sorted.
    nlohmann::json changed = nlohmann::json::array();
    for (const auto& [name, l] : known_loggers(api, *log::levels()))
        if (log::is_below(name, logger)) changed.push_back(name);
    return json_response(200, changed);
}

}  // namespace

void add_logger_routes(Router& router, Api& api) {
    router.add("GET", "/admin/loggers", [&api](const Call&) {
        nlohmann::json all = nlohmann::json::object();
        for (const auto& [name, level] : known_loggers(api, *log::levels())) all[name] = logger_json(level);
        return json_response(200, all);
    });
    router.add("GET", "/admin/loggers/{logger}", [&api](const Call& call) {
        const std::string& logger = call.param("logger");
        auto known = known_loggers(api, *log::levels());
        auto it = known.find(logger);
        if (it == known.end())
            throw ApiError(404, "Logger " + text::shown(logger, 60) + " not found (GET /admin/loggers lists them)");
        return json_response(200, logger_json(it->second));
    });
    router.add("PUT", "/admin/loggers/{logger}", [&api](const Call& call) { return put_level(api, call); });
}

}  // namespace sluice::rest
