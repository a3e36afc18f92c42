// What the handlers share: request bodies (JSON with 415/400 answers), connector names and
// the JSON shapes of connector info and status. Flat configuration maps, their conversion
// and their masking are the control plane's (control/connector_config.hpp).
#pragma once

#include "control/connector_config.hpp"
#include "rest/router.hpp"
#include "runtime/worker.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>

namespace sluice::rest {

using control::FlatConfig;
using control::kMask;
using control::describe;
using control::keep_masked_values;
using control::shown_config;
using control::spec_from_flat;

HttpResponse json_response(int status, const nlohmann::json& body);

// The body as JSON: 415 unless Content-Type is application/json, 400 when malformed.
nlohmann::json json_body(const Call& call);
// A JSON object of strings (numbers and booleans taken as their text): 400 naming the key otherwise.
FlatConfig flat_from_json(const nlohmann::json& object, const std::string& what);

// 400 unless the name is usable in a URL path and as a connector name.
void check_name(const std::string& name, const std::string& what = "connector");
// 404 "Connector <name> not found".
[[noreturn]] void not_found(const std::string& name);

std::string type_name(config::ConnectorKind kind);  // "source", "sink"
nlohmann::json info_json(const runtime::ConnectorEntry& entry, const runtime::ConnectorReport& report);
nlohmann::json status_json(const runtime::ConnectorReport& report, const std::string& worker_id);
nlohmann::json task_status_json(const runtime::TaskReport& task, const std::string& worker_id);

}  // namespace sluice::rest
