// A connector's configuration as Kafka Connect's flat map: converted to the worker's model
// (the single place that happens, for REST calls and the REST state file alike) and shown
// back with secrets masked.
#pragma once

#include "config/access_policy.hpp"
#include "config/diagnostics.hpp"
#include "config/plugin_catalog.hpp"
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
// One line per problem, "key: message".
std::string describe(const config::Diagnostics& diags);

// The configuration as answers show it: the flat map given over REST, or one built from a
// pipeline's connector; declared secrets and ${env:}/${file:} values as "****".
FlatConfig shown_config(const runtime::ConnectorDefinition& definition);
// PUT with "****" for a key whose stored value is masked keeps the stored value (GET, edit, PUT).
void keep_masked_values(FlatConfig& incoming, const runtime::ConnectorDefinition& current);

}  // namespace sluice::control
