#include "config/worker_config.hpp"

#include "common/log.hpp"
#include "config/binder.hpp"
#include "config/isolation_config.hpp"
#include "config/yaml_file.hpp"

#include <filesystem>

namespace sluice::config {
namespace {

KeyDef ranged(KeyDef k, double min, std::optional<double> max = std::nullopt) {
    k.min = min;
    k.max = max;
    return k;
}

bool looks_secret(const std::string& property) {
    return property.find("password") != std::string::npos || property.find("secret") != std::string::npos ||
           property.find("sasl.oauthbearer.config") != std::string::npos || property == "ssl.key.pem";
}

std::map<std::string, std::string> as_map(const Value& v) {
    std::map<std::string, std::string> out;
    for (size_t i = 0; i + 1 < v.items.size(); i += 2) {
        out[v.items[i]] = v.items[i + 1];
        if (looks_secret(v.items[i])) log::add_secret(v.items[i + 1]);
    }
    return out;
}

WorkerConfig from_resolved(Resolved r, const std::string& file, const std::string& base_dir) {
    WorkerConfig w;
    w.file = file;
    auto str = [&](const char* k) { return r.at(k).text; };
    auto num = [&](const char* k) { return std::stoll(r.at(k).text); };
    w.worker_id = str("worker.id");
    w.bootstrap_servers = str("kafka.bootstrap.servers");
    w.embedded_brokers = static_cast<int>(num("kafka.embedded.brokers"));
    w.embedded_max_partitions = static_cast<int>(num("kafka.embedded.max.partitions"));
    if (r.count("kafka.properties")) w.kafka_properties = as_map(r.at("kafka.properties"));
    if (r.count("kafka.producer")) w.producer_properties = as_map(r.at("kafka.producer"));
    if (r.count("kafka.consumer")) w.consumer_properties = as_map(r.at("kafka.consumer"));
    if (r.count("plugin.path")) {
        for (const auto& p : r.at("plugin.path").items) {
            std::filesystem::path path(p);
            if (path.is_relative() && !base_dir.empty()) path = std::filesystem::path(base_dir) / path;
            w.plugin_path.push_back(path.lexically_normal().string());
        }
    }
    auto list = [&](const char* k) { return r.count(k) ? r.at(k).items : std::vector<std::string>{}; };
    w.provider_file_dirs = absolute_dirs(list("config.providers.file.allowed.paths"), base_dir);
    w.provider_env_names = list("config.providers.env.allowed");
    w.rest_file_dirs = absolute_dirs(list("rest.file.allowed.paths"), base_dir);
    w.rest_listener = str("rest.listener");
    w.rest_lifecycle_wait_ms = num("rest.lifecycle.wait.ms");
    w.rest_security = rest_security_from(r, base_dir);
    w.offsets_topic = str("offsets.topic");
    w.offsets_topic_partitions = static_cast<int>(num("offsets.topic.partitions"));
    w.offsets_topic_replication = static_cast<int>(num("offsets.topic.replication.factor"));
    w.offset_flush_interval_ms = num("offset.flush.interval.ms");
    w.topic_creation_enable = str("topic.creation.enable") == "true";
    w.topic_creation_partitions = static_cast<int>(num("topic.creation.partitions"));
    w.topic_creation_replication = static_cast<int>(num("topic.creation.replication.factor"));
    w.backpressure_max_lag_bytes = num("backpressure.max.lag.bytes");
    w.shutdown_timeout_ms = num("shutdown.timeout.ms");
    w.source_batch_max_records = static_cast<int>(num("source.batch.max.records"));
    w.sink_batch_max_records = static_cast<int>(num("sink.batch.max.records"));
    w.exactly_once_source_support = str("exactly.once.source.support") == "enabled";
    w.plugin_isolation.mode = str("plugin.isolation") == "process" ? Isolation::process : Isolation::in_process;
    w.plugin_isolation.call_timeout_ms = num("plugin.call.timeout.ms");
    w.plugin_isolation.memory_max_bytes = num("plugin.memory.max.bytes");
    w.cluster.group_id = str("cluster.group.id");
    w.cluster.config_topic = str("cluster.config.topic");
    w.cluster.status_topic = str("cluster.status.topic");
    w.cluster.status_topic_partitions = static_cast<int>(num("cluster.status.topic.partitions"));
    w.cluster.placement_topic = str("cluster.placement.topic");
    w.cluster.topic_replication = static_cast<int>(num("cluster.topic.replication.factor"));
    w.cluster.session_timeout_ms = num("cluster.session.timeout.ms");
    w.cluster.static_membership = str("cluster.static.membership") == "true";
    w.log_level = str("log.level");
    w.log_progress_interval_ms = num("log.progress.interval.ms");
    w.resolved = std::move(r);
    return w;
}

}  // namespace

const Schema& worker_schema() {
    static const Schema schema([] {
        using T = ValueType;
        std::vector<KeyDef> keys;
        keys.push_back(key_def("worker.id", T::string, "Name of this worker in status answers and logs; empty: host name and REST port", ""));
        keys.push_back(key_def("kafka.bootstrap.servers", T::string,
                           "Kafka brokers (host:port,...). Empty: start the embedded in-memory cluster (demos and tests only, data is lost at exit)", ""));
        keys.push_back(ranged(key_def("kafka.embedded.brokers", T::integer, "Brokers of the embedded cluster", "1"), 1, 9));
        keys.push_back(ranged(key_def("kafka.embedded.max.partitions", T::integer,
                                  "Partitions the embedded cluster may hold in all (each keeps up to ~5 MiB in memory; it cannot delete topics): a connector needing more is refused. Bounds the worker's memory", "100"), 1, 100000));
        keys.push_back(key_def("kafka.properties", T::map, "librdkafka properties for every client (security.protocol, sasl.*, ssl.*, ...)"));
        keys.push_back(key_def("kafka.producer", T::map, "librdkafka properties for source producers (override kafka.properties)"));
        keys.push_back(key_def("kafka.consumer", T::map, "librdkafka properties for sink consumers (override kafka.properties)"));
        keys.push_back(key_def("plugin.path", T::list,
                           "Directories scanned for plugin .so files, relative to this file; empty: the plugins directory next to the sluice binary"));
        for (auto& k : isolation_keys(true)) keys.push_back(std::move(k));
        keys.push_back(key_def("rest.listener", T::string, "host:port of the REST admin API and /metrics", "127.0.0.1:8083"));
        keys.push_back(key_def("rest.file.allowed.paths", T::list,
                           "Directories under which a connector created over REST may name local files (a file sink's path, a file source's); relative to this file. Empty: none"));
        keys.push_back(key_def("config.providers.file.allowed.paths", T::list,
                           "Directories from which ${file:PATH:KEY} in a configuration sent over REST may read; relative to this file. Empty: none (pipeline files given on the command line may read any)"));
        keys.push_back(key_def("config.providers.env.allowed", T::list,
                           "Environment variables ${env:NAME} in a configuration sent over REST may read. Empty: none (pipeline files given on the command line may read any)"));
        keys.push_back(ranged(key_def("rest.lifecycle.wait.ms", T::integer,
                                  "How long a REST call that restarts, stops, deletes or reconfigures a connector waits for its tasks before it answers; the change then goes on in the background (tasks show RESTARTING)", "5000"), 0, 60000));
        add_rest_security_keys(keys);
        keys.push_back(key_def("offsets.topic", T::string, "Topic holding source offsets (Kafka Connect's format)", "sluice-offsets"));
        keys.push_back(ranged(key_def("offsets.topic.partitions", T::integer, "Partitions of the offsets topic when sluice creates it", "25"), 1, 1000));
        keys.push_back(ranged(key_def("offsets.topic.replication.factor", T::integer,
                                  "Replication factor of the offsets topic when sluice creates it (Kafka Connect's offset.storage.replication.factor). 1 for a single-broker development cluster (a warning says so); -1: the broker's default, Kafka 2.4 and newer only. An existing offsets topic must be compacted or the worker does not start",
                                  "3"), -1, 16));
        keys.push_back(ranged(key_def("offset.flush.interval.ms", T::integer,
                                  "How often source offsets are written and sink progress is flushed and committed", "5000"), 10, 3600000));
        keys.push_back(key_def("topic.creation.enable", T::boolean,
                           "Create missing topics (offsets topic, source topics) through the Admin API before use; false: leave it to the broker's auto-creation", "true"));
        keys.push_back(ranged(key_def("topic.creation.partitions", T::integer, "Partitions of a topic sluice creates for a source", "4"), 1, 10000));
        keys.push_back(ranged(key_def("topic.creation.replication.factor", T::integer, "Replication factor of topics sluice creates; -1: broker default", "-1"), -1, 16));
        keys.push_back(ranged(key_def("backpressure.max.lag.bytes", T::integer,
                                  "Per partition: how far a source may run ahead of a sink of the same worker on its topic. -1: automatic (3 MiB with the embedded cluster, whose partitions keep only ~5 MiB; off with a real broker). 0: off", "-1"), -1));
        keys.push_back(ranged(key_def("shutdown.timeout.ms", T::integer, "Graceful stop budget: drain, flush and commit within this time", "30000"), 0, 3600000));
        keys.push_back(ranged(key_def("source.batch.max.records", T::integer, "Records a source may return from one poll", "10000"), 1, 1000000));
        keys.push_back(ranged(key_def("sink.batch.max.records", T::integer, "Records handed to a sink in one put", "10000"), 1, 1000000));
        KeyDef eos = key_def("exactly.once.source.support", T::string,
                             "enabled: every source task writes its records and their source offsets in Kafka transactions of a "
                             "producer of its own (transactional.id <cluster.group.id or worker id>-<connector>-<task>), so that "
                             "consumers reading read_committed see each record once (Kafka Connect's KIP-618; needs transactions on "
                             "the broker, docs/exactly-once.md); disabled: at least once", "disabled");
        eos.allowed = {"disabled", "enabled"};
        keys.push_back(eos);
        keys.push_back(key_def("cluster.group.id", T::string,
                           "Distributed mode: workers with this group id and the same kafka.bootstrap.servers form one cluster (docs/operations.md). Empty: standalone. Needs a shared Kafka, never the embedded cluster", ""));
        keys.push_back(key_def("cluster.config.topic", T::string,
                           "Cluster: compacted topic (1 partition) of connector configurations, target states and pipelines (Kafka Connect's config.storage.topic)", "sluice-configs"));
        keys.push_back(key_def("cluster.status.topic", T::string,
                           "Cluster: compacted topic of connector and task statuses, with the worker running each (Kafka Connect's status.storage.topic)", "sluice-status"));
        keys.push_back(ranged(key_def("cluster.status.topic.partitions", T::integer, "Partitions of the status topic when sluice creates it", "5"), 1, 1000));
        keys.push_back(key_def("cluster.placement.topic", T::string,
                           "Cluster: prefix of the task slot topics \"<prefix>.<n>\" (1 partition each) whose ownership in the consumer group cluster.group.id says which worker runs which task", "sluice-placement"));
        keys.push_back(ranged(key_def("cluster.topic.replication.factor", T::integer,
                                  "Replication factor of the config, status and slot topics when sluice creates them; -1: the broker's default (Kafka 2.4 and newer)", "3"), -1, 16));
        keys.push_back(ranged(key_def("cluster.session.timeout.ms", T::integer,
                                  "Cluster: how long a silent worker keeps its tasks before the others take them over (the placement group's session.timeout.ms)", "10000"), 1000, 300000));
        keys.push_back(key_def("cluster.static.membership", T::boolean,
                           "Cluster: join the placement group as a static member (group.instance.id = <cluster.group.id>-<worker id>) so that a restarted worker takes its tasks back at once; needs Kafka 2.3 or newer and a worker id that stays the same across restarts", "true"));
        keys.push_back(ranged(key_def("log.progress.interval.ms", T::integer, "How often each busy task logs its record counts; 0: never", "10000"), 0, 86400000));
        KeyDef level = key_def("log.level", T::string, "Log level", "info");
        level.allowed = {"trace", "debug", "info", "warn", "error"};
        keys.push_back(level);
        return keys;
    }());
    return schema;
}

std::optional<WorkerConfig> load_worker_config(const std::string& path, Diagnostics& diags) {
    size_t before = diags.size();
    auto doc = load_yaml_file(path, diags);
    if (!doc) return std::nullopt;
    BindScope scope{doc->file, doc->base_dir, "", location(doc->file, doc->root)};
    Resolved r = bind(doc->root, worker_schema(), scope, diags);
    for (const char* k : {"offsets.topic.replication.factor", "topic.creation.replication.factor", "cluster.topic.replication.factor"})
        if (auto it = r.find(k); it != r.end() && it->second.text == "0")
            diags.add(it->second.where, k, "expected -1 (the broker's default, Kafka 2.4+) or at least 1, got 0");
    if (diags.size() == before) check_rest_security(r, diags);
    if (diags.size() != before) return std::nullopt;
    return from_resolved(std::move(r), path, doc->base_dir);
}

AccessPolicy rest_access_policy(const WorkerConfig& worker) {
    AccessPolicy p;
    p.restricted = true;
    p.origin = "configurations sent over REST";
    p.file_dirs = worker.provider_file_dirs;
    p.env_names = worker.provider_env_names;
    p.local_path_dirs = worker.rest_file_dirs;
    return p;
}

WorkerConfig default_worker_config() {
    Diagnostics ignored;
    return from_resolved(bind(YAML::Node(), worker_schema(), {}, ignored), "", "");
}

}  // namespace sluice::config
