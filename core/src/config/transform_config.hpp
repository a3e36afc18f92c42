// A connector's transform chain and named predicates, in both spellings: the YAML list
//
//   transforms:
//     - {type: filter, name: drop, predicate: is_unknown, negate: true, <the transform's keys>}
//   predicates:
//     is_unknown: {type: field_matches, <the predicate's keys>}
//
// and Kafka Connect's flat map (transforms=drop, transforms.drop.type=filter, ...,
// predicates=is_unknown, predicates.is_unknown.type=...). Each transform's and predicate's
// own keys are bound against what its plugin declares.
#pragma once

#include "config/diagnostics.hpp"
#include "config/plugin_catalog.hpp"
#include "config/schema.hpp"
#include "config/yaml_file.hpp"

#include <map>
#include <string>
#include <vector>

namespace sluice::config {

struct PredicateSpec {
    std::string name;  // as referenced by transforms
    std::string type;  // predicate plugin name
    Resolved config;
    Location where;
};

struct TransformSpec {
    std::string name;       // default: the type, suffixed -2, -3 when repeated
    std::string type;       // transform plugin name
    Resolved config;
    std::string predicate;  // name of a PredicateSpec; empty: always applies
    bool negate = false;    // apply when the predicate does NOT match
    Location where;
};

struct ChainSpec {
    std::vector<TransformSpec> transforms;  // in order
    std::vector<PredicateSpec> predicates;
};

// Keys of a transform entry that are not the transform's own configuration.
const std::vector<std::string>& transform_reserved_keys();  // type, name, predicate, negate

// YAML: `transforms` (a list) and `predicates` (a map), either may be undefined. `prefix`
// names keys in messages ("source", "sinks[0]").
ChainSpec parse_chain_yaml(const YamlDocument& doc, const YAML::Node& transforms, const YAML::Node& predicates,
                           const std::string& prefix, const Location& fallback, const PluginCatalog& plugins,
                           Diagnostics& diags);

// Flat: every key of `flat` starting with "transforms" or "predicates" (the others are ignored).
ChainSpec parse_chain_flat(const std::map<std::string, std::string>& flat, const Location& where,
                           const PluginCatalog& plugins, const AccessPolicy* access, Diagnostics& diags);

}  // namespace sluice::config
