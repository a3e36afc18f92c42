// A connector's configuration checks in a plugin host: the pre-flight `test` (sluice run,
// sluice check) and `validate` (every configuration given over REST, validate included, and
// every connector of pipeline YAML, files or REST), when the connector's effective
// plugin.isolation is process. Each check gets a host of
// its own that loads the plugin, runs the one callback and ends; a host that crashes,
// outlives plugin.call.timeout.ms, breaks the protocol or runs out of memory fails the
// check with a message naming the plugin file, the callback, the reason and the host's
// last log lines, and the worker goes on.
#pragma once

#include "config/plugin_catalog.hpp"
#include "isolation/remote.hpp"
#include "plugin/call.hpp"
#include "plugin/registry.hpp"

#include <list>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sluice::isolation {

// The plugin's test(): its outcome, or FATAL saying how the host failed. `host` serves the
// plugin's callbacks (log lines, stored offsets) as a task's does.
plugin::Outcome preflight_in_host(const RemoteSpec& spec, const sluice_host* host);

// The plugin's validate(): its problems; a host that failed gives one problem for the
// configuration as a whole saying how (naming the connector, when the spec has one).
std::vector<config::ConfigProblem> validate_in_host(const RemoteSpec& spec);

// The registry as configuration code sees it, with the validate() of every source and sink
// loaded from a file run in a plugin host under `policy` (when its mode is process).
class IsolatingCatalog final : public config::PluginCatalog {
public:
    IsolatingCatalog(const plugin::Registry& registry, config::IsolationPolicy policy, std::string worker_id, std::string connector)
        : registry_(registry), policy_(policy), worker_id_(std::move(worker_id)), connector_(std::move(connector)) {}
    const config::PluginFacts* find(config::ConnectorKind kind, std::string_view name) const override;
    std::vector<std::string> names(config::ConnectorKind kind) const override { return registry_.names(kind); }

private:
    const plugin::Registry& registry_;
    config::IsolationPolicy policy_;
    std::string worker_id_, connector_;
    mutable std::map<std::pair<int, std::string>, config::PluginFacts> isolated_;  // stable addresses
};

// The registry as pipeline YAML (files given to sluice validate/check/run, pipelines put over
// REST) is checked with: each connector's validate() runs where its own plugin.isolation
// over the worker's `defaults` says, in a plugin host of its own when that is process.
class PipelineCatalog final : public config::PluginCatalog {
public:
    PipelineCatalog(const plugin::Registry& registry, config::IsolationPolicy defaults, std::string worker_id)
        : registry_(registry), defaults_(defaults), worker_id_(std::move(worker_id)) {}
    const config::PluginFacts* find(config::ConnectorKind kind, std::string_view name) const override { return registry_.find(kind, name); }
    std::vector<std::string> names(config::ConnectorKind kind) const override { return registry_.names(kind); }
    const config::PluginFacts* find_for(config::ConnectorKind kind, std::string_view name,
                                        const config::CheckedConnector& connector) const override;

private:
    const plugin::Registry& registry_;
    config::IsolationPolicy defaults_;
    std::string worker_id_;
    mutable std::list<config::PluginFacts> isolated_;  // one per isolated connector checked; stable addresses
};

}  // namespace sluice::isolation
