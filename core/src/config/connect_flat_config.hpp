// Kafka Connect's connector configuration (the flat string map of `PUT /connectors/<name>/config`)
// turned into the same ConnectorSpec a pipeline file gives:
//
//   connector.class   the sluice plugin name (a source or a sink)
//   tasks.max         tasks (default 1)
//   topic / topics    source: the topic it writes; sink: the topics it reads (comma-separated)
//   transforms=a,b  transforms.a.type=...  transforms.a.<key>=...  (also .predicate, .negate)
//   predicates=p    predicates.p.type=...  predicates.p.<key>=...
//   errors.<key>      the error policy (errors.tolerance, errors.deadletterqueue.topic.name, ...)
//   restart.<key>     the restart policy; plugin.isolation & co.: where the plugin runs
//   exactly.once.support, transaction.boundary, transaction.boundary.interval.ms   sources only
//   name              optional; must equal the connector's name
//   anything else     the plugin's own configuration, checked against its declared keys
//
// Values are strings; LIST keys are comma-separated. Every problem goes to the diagnostics,
// located at "connector <name>" and named by its key.
#pragma once

#include "config/pipeline_config.hpp"

#include <map>
#include <optional>
#include <string>

namespace sluice::config {

// `access`: what its ${file:}/${env:} references and local paths may reach (REST: restricted).
std::optional<ConnectorSpec> connector_from_flat(const std::string& name, const std::map<std::string, std::string>& flat,
                                                 const PluginCatalog& plugins, const AccessPolicy* access, Diagnostics& diags);

}  // namespace sluice::config
