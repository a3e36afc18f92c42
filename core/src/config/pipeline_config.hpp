// Pipeline files (configs/pipelines/*.yaml): a source writing one topic and/or sinks
// reading topics, each an instance of a plugin with its checked configuration.
//
//   name: demo                      # optional, defaults to the file name
//   source:
//     name: traffic                 # connector "demo.traffic"; default: <plugin>-source (<plugin>-sink)
//     plugin: datagen
//     topic: traffic.readings
//     tasks: 1
//     config: {sensors: 20}
//   sinks:
//     - name: archive
//       plugin: file
//       topics: [traffic.readings]  # defaults to the source's topic
//       config: {path: /tmp/traffic.jsonl}
//
// Each connector (the source, every sink) may also have `transforms` (a list), `predicates`
// (a map), `errors` (Kafka Connect's errors.* keys without the prefix) and `restart` (the
// restart.* keys without the prefix): see transform_config.hpp, error_policy.hpp,
// restart_policy.hpp, docs/error-handling.md and docs/restart-policy.md. A source may also
// have the exactly-once keys beside `plugin` (exactly.once.support, transaction.boundary,
// transaction.boundary.interval.ms): exactly_once_config.hpp, docs/exactly-once.md.
#pragma once

#include "config/diagnostics.hpp"
#include "config/error_policy.hpp"
#include "config/exactly_once_config.hpp"
#include "config/isolation_config.hpp"
#include "config/plugin_catalog.hpp"
#include "config/restart_policy.hpp"
#include "config/schema.hpp"
#include "config/transform_config.hpp"
#include "config/yaml_file.hpp"

#include <optional>
#include <string>
#include <vector>

namespace sluice::config {

struct ConnectorSpec {
    ConnectorKind kind = ConnectorKind::source;
    std::string pipeline;
    std::string name;  // "<pipeline>.<local name>"
    std::string plugin;
    std::vector<std::string> topics;  // source: its one target topic; sink: topics it reads
    int tasks = 1;
    Resolved config;
    Location where;
    std::vector<TransformSpec> transforms;  // applied in order
    std::vector<PredicateSpec> predicates;  // referenced by transforms by name
    ErrorPolicy errors;
    RestartPolicy restart;  // what the worker does when a task fails
    ExactlyOncePolicy exactly_once;  // sources: exactly.once.support, transaction.boundary(.interval.ms)
    IsolationOverrides isolation;  // plugin.isolation, plugin.call.timeout.ms, plugin.memory.max.bytes
    bool read_internal_topics = false;  // a sink may read Kafka's and the worker's own topics (said out loud)

    // The Kafka consumer group of a sink connector: its tasks' group, and the one whose
    // committed offsets GET/PATCH/DELETE /connectors/{name}/offsets read and write
    // (Kafka Connect's is connect-<name>).
    std::string consumer_group() const { return "sluice-" + name; }
};

struct PipelineSpec {
    std::string name;
    std::string file;
    std::vector<ConnectorSpec> connectors;  // the source first, then the sinks
};

std::optional<PipelineSpec> load_pipeline(const std::string& path, const PluginCatalog& plugins, Diagnostics& diags);
std::optional<PipelineSpec> parse_pipeline(const YamlDocument& doc, const PluginCatalog& plugins, Diagnostics& diags);

// Checks that span files: connector names must be unique in a worker.
// Every masked value of a connector (its config, its transforms' and predicates').
std::vector<std::string> masked_texts(const ConnectorSpec& c);

// Across pipelines and against the worker: connector names unique; no sink reads an internal
// topic (see internal_topic_problem) unless it says read.internal.topics.
void check_pipelines(const std::vector<PipelineSpec>& pipelines, const std::vector<std::string>& worker_topics, Diagnostics& diags);

// Connectors that require exactly-once delivery on a worker without
// exactly.once.source.support: refused, each at its place (exactly_once_refusal).
void check_exactly_once(const std::vector<PipelineSpec>& pipelines, bool worker_support, Diagnostics& diags);

// A sink reading Kafka's own topics (__consumer_offsets, __transaction_state, any "__..."
// topic) or the worker's (its offsets topic, given in worker_topics) would consume
// bookkeeping records as data, and a sink writing back could corrupt them: refused unless
// the connector sets read.internal.topics: true. nullopt when fine.
std::optional<std::string> internal_topic_problem(const ConnectorSpec& c, const std::vector<std::string>& worker_topics);

// Kafka's rule for topic names; the reason when invalid.
std::optional<std::string> topic_name_problem(const std::string& topic);
// Pipeline and connector names: letters, digits, '_' and '-'.
std::optional<std::string> name_problem(const std::string& name);

}  // namespace sluice::config
