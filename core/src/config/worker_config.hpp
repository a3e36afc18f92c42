// configs/worker.yaml: how this worker reaches Kafka, where plugins live, offsets, limits.
#pragma once

#include "config/access_policy.hpp"
#include "config/diagnostics.hpp"
#include "config/isolation_config.hpp"
#include "config/rest_security.hpp"
#include "config/schema.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::config {

struct ClusterConfig {
    std::string group_id;                         // empty: standalone
    std::string config_topic = "sluice-configs";  // 1 partition, compacted
    std::string status_topic = "sluice-status";   // compacted
    int status_topic_partitions = 5;
    std::string placement_topic = "sluice-placement";  // slot topics "<placement_topic>.<n>", 1 partition each
    int topic_replication = 3;
    int64_t session_timeout_ms = 10000;
    bool static_membership = true;  // group.instance.id from the worker id (Kafka 2.3+)
    bool enabled() const { return !group_id.empty(); }
};

struct WorkerConfig {
    std::string file;  // empty when built from defaults
    std::string worker_id;
    std::string bootstrap_servers;  // empty: the embedded in-memory cluster
    int embedded_brokers = 1;
    int embedded_max_partitions = 100;
    std::map<std::string, std::string> kafka_properties;  // every client
    std::map<std::string, std::string> producer_properties;
    std::map<std::string, std::string> consumer_properties;
    std::vector<std::string> plugin_path;  // absolute or relative to the worker file
    IsolationPolicy plugin_isolation;      // plugin.isolation, plugin.call.timeout.ms, plugin.memory.max.bytes
    // What configurations sent over REST may reach (see access_policy.hpp); absolute.
    std::vector<std::string> provider_file_dirs;
    std::vector<std::string> provider_env_names;
    std::vector<std::string> rest_file_dirs;
    std::string rest_listener = "127.0.0.1:8083";
    int64_t rest_lifecycle_wait_ms = 5000;
    RestSecurityConfig rest_security;  // rest.tls.*, rest.auth*
    std::string offsets_topic = "sluice-offsets";
    int offsets_topic_partitions = 25;
    int offsets_topic_replication = 3;
    int64_t offset_flush_interval_ms = 5000;
    bool topic_creation_enable = true;
    int topic_creation_partitions = 4;
    int topic_creation_replication = -1;
    int64_t backpressure_max_lag_bytes = -1;  // -1: automatic (on for the embedded cluster)
    int64_t shutdown_timeout_ms = 30000;
    int source_batch_max_records = 10000;
    int sink_batch_max_records = 10000;
    // exactly.once.source.support: enabled: every source task writes its records and their
    // offsets in transactions (docs/exactly-once.md).
    bool exactly_once_source_support = false;
    // Distributed mode (docs/operations.md): workers with the same cluster.group.id and
    // bootstrap servers form one cluster; empty: standalone.
    ClusterConfig cluster;
    std::string log_level = "info";
    int64_t log_progress_interval_ms = 10000;

    bool embedded() const { return bootstrap_servers.empty(); }
    Resolved resolved;  // as loaded, for listings (secrets masked by Value::display)
};

const Schema& worker_schema();

// From a YAML file; nullopt (with diagnostics) when invalid.
std::optional<WorkerConfig> load_worker_config(const std::string& path, Diagnostics& diags);
// Every default: what `sluice run` uses without --worker.
WorkerConfig default_worker_config();

// What a configuration sent over REST may reach on this worker.
AccessPolicy rest_access_policy(const WorkerConfig& worker);

}  // namespace sluice::config
