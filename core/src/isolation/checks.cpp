#include "isolation/checks.hpp"

#include "isolation/session.hpp"

#include <optional>

namespace sluice::isolation {

namespace {

// validate() has no host of its own; a plugin that calls back from it anyway gets answers
// that do nothing (its log lines still reach the worker's log through the session).
sluice_status refuse_errant(void*, const sluice_record*, const char*, size_t) { return SLUICE_FATAL; }
int32_t never_stopping(void*) { return 0; }

}  // namespace

plugin::Outcome preflight_in_host(const RemoteSpec& spec, const sluice_host* host) {
    Message answer;
    plugin::Outcome out = HostSession::check(spec, host, Check::test, answer);
    return out;
}

std::vector<config::ConfigProblem> validate_in_host(const RemoteSpec& spec) {
    sluice_host host{};
    host.worker_id = spec.worker_id.c_str();
    host.connector = spec.connector.c_str();
    host.plugin = spec.plugin->name.c_str();
    host.task_count = spec.task_count;
    host.stopping = &never_stopping;
    host.report_errant = &refuse_errant;
    Message answer;
    plugin::Outcome out = HostSession::check(spec, &host, Check::validate, answer);
    std::vector<config::ConfigProblem> problems;
    if (!out.ok() && answer.type != Type::checked) {  // the host failed: no answer
        problems.push_back({"", (spec.connector.empty() ? "" : "connector " + spec.connector + ": ") + out.message});
        return problems;
    }
    for (auto& [key, message] : answer.problems) problems.push_back({std::move(key), plugin::shown_message(message)});
    if (!out.ok() && problems.empty()) problems.push_back({"", out.message});
    return problems;
}

namespace {

// The plugin's facts with its validate() run in a plugin host under `policy` for
// `connector`; nullopt when there is nothing to isolate: in-process, no validate(), not a
// source or sink, or a plugin built into the worker (no file to load in a host).
std::optional<config::PluginFacts> facts_validated_in_host(const plugin::Registry& registry, config::ConnectorKind kind,
                                                           std::string_view name, const config::IsolationPolicy& policy,
                                                           const std::string& worker_id, const std::string& connector) {
    const config::PluginFacts* facts = registry.find(kind, name);
    if (facts == nullptr || !facts->validate || policy.mode != config::Isolation::process ||
        (kind != config::ConnectorKind::source && kind != config::ConnectorKind::sink))
        return std::nullopt;
    plugin::PluginPtr plugin = registry.get(kind, name);
    if (!plugin || plugin->file.empty()) return std::nullopt;
    config::PluginFacts isolated = *facts;
    isolated.validate = [plugin, policy, worker_id, connector](const config::Schema&, const config::Resolved& values) {
        RemoteSpec spec{plugin, values, worker_id, connector, 0, 1, policy, policy.call_timeout_ms};
        return validate_in_host(spec);
    };
    return isolated;
}

}  // namespace

const config::PluginFacts* IsolatingCatalog::find(config::ConnectorKind kind, std::string_view name) const {
    const auto key = std::make_pair(static_cast<int>(kind), std::string(name));
    if (auto it = isolated_.find(key); it != isolated_.end()) return &it->second;
    auto isolated = facts_validated_in_host(registry_, kind, name, policy_, worker_id_, connector_);
    if (!isolated) return registry_.find(kind, name);
    return &isolated_.emplace(key, std::move(*isolated)).first->second;
}

const config::PluginFacts* PipelineCatalog::find_for(config::ConnectorKind kind, std::string_view name,
                                                     const config::CheckedConnector& connector) const {
    auto isolated = facts_validated_in_host(registry_, kind, name, connector.isolation.over(defaults_), worker_id_,
                                            std::string(connector.name));
    if (!isolated) return registry_.find(kind, name);
    return &isolated_.emplace_back(std::move(*isolated));
}

}  // namespace sluice::isolation
