#include "isolation/checks.hpp"

#include "isolation/session.hpp"

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
        problems.push_back({"", out.message});
        return problems;
    }
    for (auto& [key, message] : answer.problems) problems.push_back({std::move(key), plugin::shown_message(message)});
    if (!out.ok() && problems.empty()) problems.push_back({"", out.message});
    return problems;
}

const config::PluginFacts* IsolatingCatalog::find(config::ConnectorKind kind, std::string_view name) const {
    const config::PluginFacts* facts = registry_.find(kind, name);
    if (facts == nullptr || !facts->validate || policy_.mode != config::Isolation::process ||
        (kind != config::ConnectorKind::source && kind != config::ConnectorKind::sink))
        return facts;
    plugin::PluginPtr plugin = registry_.get(kind, name);
    if (!plugin || plugin->file.empty()) return facts;  // built into the worker: nothing to isolate it from
    auto [it, added] = isolated_.try_emplace({static_cast<int>(kind), std::string(name)});
    if (added) {
        it->second = *facts;
        it->second.validate = [plugin, policy = policy_, worker_id = worker_id_, connector = connector_](const config::Schema&,
                                                                                                          const config::Resolved& values) {
            RemoteSpec spec{plugin, values, worker_id, connector, 0, 1, policy, policy.call_timeout_ms};
            return validate_in_host(spec);
        };
    }
    return &it->second;
}

}  // namespace sluice::isolation
