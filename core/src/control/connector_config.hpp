// A connector's configuration as Kafka Connect's flat map: converted to the worker's model
// (the single place that happens, for REST calls and the REST state file alike) and shown
// back with secrets masked.
#pragma once

#include "config/access_policy.hpp"
#include "config/diagnostics.hpp"
#include "config/plugin_catalog.hpp"
#include "plugin/registry.hpp"
#include "runtime/worker.hpp"

#include <map>
#include <optional>
#include <string>

namespace sluice::control {

using FlatConfig = std::map<std::string, std::string>;
inline constexpr const char* kMask = "****";

// Everything sent over REST is bound under the worker's REST access policy.
std::optional<config::ConnectorSpec> spec_from_flat(const std::string& name, const FlatConfig& flat,
                                                    const config::PluginCatalog& plugins, const config::AccessPolicy& access,
                                                    config::Diagnostics& diags);
// The same on a worker: when the connector's effective plugin.isolation (its keys over the
// worker's defaults) is process, the plugin's validate() runs in a plugin host, so that a
// plugin crashing there fails the validation, not the worker.
std::optional<config::ConnectorSpec> spec_from_flat(const std::string& name, const FlatConfig& flat, const plugin::Registry& registry,
                                                    const config::AccessPolicy& access, config::Diagnostics& diags,
                                                    const runtime::Worker& worker);
// The connector's plugin.isolation & co. over the worker's defaults (a key that does not
// bind keeps the default here; the conversion reports it).
config::IsolationPolicy isolation_of(const FlatConfig& flat, const config::IsolationPolicy& defaults,
                                     const config::AccessPolicy* access);

// One line per problem, "key: message".
std::string describe(const config::Diagnostics& diags);

// The configuration as answers show it: the flat map given over REST, or one built from a
// pipeline's connector; declared secrets and ${env:}/${file:} values as "****".
FlatConfig shown_config(const runtime::ConnectorDefinition& definition);
// PUT with "****" for a key whose stored value is masked keeps the stored value (GET, edit, PUT).
void keep_masked_values(FlatConfig& incoming, const runtime::ConnectorDefinition& current);

}  // namespace sluice::control
