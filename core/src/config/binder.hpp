// Binds a YAML map to a Schema: every key checked (type, range, allowed values), defaults
// applied, required keys enforced, unknown keys reported with the valid ones. Nested maps
// are the dotted spelling: {batch: {max.rows: 10}} binds the key "batch.max.rows".
// All errors go to the diagnostics; binding never stops at the first.
#pragma once

#include "config/access_policy.hpp"
#include "config/diagnostics.hpp"
#include "config/plugin_catalog.hpp"
#include "config/schema.hpp"

#include <yaml-cpp/yaml.h>

#include <map>
#include <string>
#include <vector>

namespace sluice::config {

struct BindScope {
    std::string file;
    std::string base_dir;    // for ${file:...} references
    std::string key_prefix;  // how keys are named in messages, e.g. "source.config"
    Location where;          // of the map itself, for missing-key errors
    // Top-level keys the caller reads itself (a transform's type, name, predicate, negate):
    // skipped, neither bound nor reported unknown.
    std::vector<std::string> reserved = {};
    // What ${file:}/${env:} references and local paths may reach; null: everything (the
    // operator's own files).
    const AccessPolicy* access = nullptr;
};

Resolved bind(const YAML::Node& map, const Schema& schema, const BindScope& scope, Diagnostics& diags);

// The plugin's own checks (PluginFacts::validate) of what bind() resolved, each problem
// placed at its key (or at the scope's location) like a binding error. Skipped when
// binding already failed: `bound_cleanly` says whether it did not.
void check_with_plugin(const PluginFacts& facts, const Resolved& values, const BindScope& scope, bool bound_cleanly,
                       Diagnostics& diags);

// The same from Kafka Connect's flat string map (REST spelling): key -> text.
Resolved bind_flat(const std::map<std::string, std::string>& values, const Schema& schema, const BindScope& scope,
                   Diagnostics& diags);

}  // namespace sluice::config
