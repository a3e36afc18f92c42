// What configuration validation needs to know about plugins, without loading any:
// implemented by the plugin registry, and by fakes in tests.
#pragma once

#include "config/isolation_config.hpp"
#include "config/schema.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::config {

// The kind of a plugin. Connectors are sources and sinks; transforms and predicates (ABI 1.1)
// run inside a connector's tasks. Names are unique per kind.
enum class ConnectorKind { source, sink, transform, predicate };
std::string_view kind_name(ConnectorKind kind);  // "source", "sink", "transform", "predicate"

// One problem a plugin's validate() found: the key at fault ("" for the whole) and why.
struct ConfigProblem {
    std::string key;
    std::string message;
};

struct PluginFacts {
    Schema schema;
    int max_tasks = 0;  // 0: no limit
    // The plugin's own checks of a configuration already bound to `schema` (ABI 1.2; empty
    // for older plugins and in tests): rules across keys, the shape of values. No I/O.
    std::function<std::vector<ConfigProblem>(const Schema&, const Resolved&)> validate;
};

// The connector whose configuration a plugin's validate() is about to check: its full name
// and the plugin.isolation keys it set itself (the catalog knows the worker's defaults).
struct CheckedConnector {
    std::string_view name;
    IsolationOverrides isolation;
};

class PluginCatalog {
public:
    virtual ~PluginCatalog() = default;
    virtual const PluginFacts* find(ConnectorKind kind, std::string_view name) const = 0;
    virtual std::vector<std::string> names(ConnectorKind kind) const = 0;
    // The facts `connector`'s configuration is checked with: find()'s, unless this catalog
    // runs that connector's validate() elsewhere (a plugin host, for plugin.isolation: process).
    virtual const PluginFacts* find_for(ConnectorKind kind, std::string_view name, const CheckedConnector& /*connector*/) const {
        return find(kind, name);
    }
};

}  // namespace sluice::config
