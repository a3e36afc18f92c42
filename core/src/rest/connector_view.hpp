// What the handlers share: request bodies (JSON with 415/400 answers), connector names,
// Kafka Connect's flat configuration maps (in: converted to the worker's model; out: with
// secrets masked) and the JSON shapes of connector info and status.
#pragma once

#include "config/diagnostics.hpp"
#include "config/plugin_catalog.hpp"
#include "rest/router.hpp"
#include "runtime/worker.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>

namespace sluice::rest {

using FlatConfig = std::map<std::string, std::string>;
inline constexpr const char* kMask = "****";

HttpResponse json_response(int status, const nlohmann::json& body);

// The body as JSON: 415 unless Content-Type is application/json, 400 when malformed.
nlohmann::json json_body(const Call& call);
// A JSON object of strings (numbers and booleans taken as their text): 400 naming the key otherwise.
FlatConfig flat_from_json(const nlohmann::json& object, const std::string& what);

// 400 unless the name is usable in a URL path and as a connector name.
void check_name(const std::string& name, const std::string& what = "connector");
// 404 "Connector <name> not found".
[[noreturn]] void not_found(const std::string& name);

// Kafka Connect's flat map -> the worker's model. The single place the conversion happens.
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

std::string type_name(config::ConnectorKind kind);  // "source", "sink"
nlohmann::json info_json(const runtime::ConnectorEntry& entry, const runtime::ConnectorReport& report);
nlohmann::json status_json(const runtime::ConnectorReport& report, const std::string& worker_id);
nlohmann::json task_status_json(const runtime::TaskReport& task, const std::string& worker_id);

}  // namespace sluice::rest
