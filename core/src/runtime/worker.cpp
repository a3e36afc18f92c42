#include "runtime/worker.hpp"

#include "common/log.hpp"
#include "plugin/instance.hpp"
#include "runtime/task_host.hpp"

#include <unistd.h>

#include <set>

namespace sluice::runtime {
namespace {

// Kafka Connect names workers host:port; so do we, unless worker.id says otherwise.
std::string default_worker_id(const std::string& rest_listener) {
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    auto colon = rest_listener.rfind(':');
    return std::string(host) + (colon == std::string::npos ? "" : rest_listener.substr(colon));
}

// 3 MiB of payload leaves headroom under the embedded cluster's ~5 MiB per partition, which also
// counts Kafka's record framing.
constexpr int64_t kEmbeddedMaxLagBytes = 3 * 1024 * 1024;

}  // namespace

Worker::Worker(config::WorkerConfig config, plugin::Registry& registry)
    : config_(std::move(config)), registry_(registry) {
    id_ = config_.worker_id.empty() ? default_worker_id(config_.rest_listener) : config_.worker_id;
}

Worker::~Worker() {
    request_stop();
    connectors_.clear();  // joins every task before the cluster goes
}

bool Worker::start(std::string& error) {
    cluster_ = kafka::Cluster::connect(config_, error);
    if (!cluster_) return false;
    if (!cluster_->reachable(15000, error)) return false;
    int64_t lag = config_.backpressure_max_lag_bytes;
    if (lag < 0) lag = cluster_->embedded() ? kEmbeddedMaxLagBytes : 0;
    flow_ = std::make_unique<FlowControl>(lag);
    if (config_.topic_creation_enable || cluster_->embedded()) {
        std::string topic_error;
        cluster_->ensure_topic(config_.offsets_topic, config_.offsets_topic_partitions, config_.offsets_topic_replication,
                               {{"cleanup.policy", "compact"}}, topic_error);
        if (!topic_error.empty()) log::warn("offsets topic ", config_.offsets_topic, ": ", topic_error);
    }
    offsets_ = std::make_unique<offsets::OffsetStore>(config_.offsets_topic);
    if (!offsets_->load(*cluster_, error)) return false;
    log::info("worker ", id_, " ready: Kafka at ", cluster_->bootstrap_servers(), cluster_->embedded() ? " (embedded)" : "",
              ", offsets in topic ", config_.offsets_topic);
    return true;
}

std::vector<std::string> Worker::preflight(const std::vector<config::PipelineSpec>& pipelines) {
    std::vector<std::string> failures;
    for (const auto& p : pipelines)
        for (const auto& c : p.connectors) {
            auto plugin = registry_.get(c.kind, c.plugin);
            if (!plugin) {
                failures.push_back(c.name + ": plugin " + c.plugin + " is not loaded");
                continue;
            }
            TaskHost host(id_, c.name, c.plugin, 0, c.tasks, nullptr, nullptr);
            plugin::Outcome out = plugin::Instance::test(*plugin, c.config, host.get());
            if (!out.ok()) failures.push_back(c.name + " (" + std::string(config::kind_name(c.kind)) + " plugin " + c.plugin + "): " + out.message);
        }
    return failures;
}

bool Worker::launch(const std::vector<config::PipelineSpec>& pipelines, std::string& error) {
    Environment env{config_, *cluster_, *offsets_, *flow_, id_, nullptr, &registry_};
    std::set<std::string> source_topics;
    for (const auto& p : pipelines)
        for (const auto& c : p.connectors) {
            if (!registry_.get(c.kind, c.plugin)) {
                error = c.name + ": plugin " + c.plugin + " is not loaded";
                return false;
            }
            if (c.kind == config::ConnectorKind::source) source_topics.insert(c.topics.front());
            else flow_->add_reader(c.name, c.topics);  // before any source runs, so none races ahead
        }
    if (config_.topic_creation_enable || cluster_->embedded()) {
        for (const auto& t : source_topics) {
            std::string topic_error;
            cluster_->ensure_topic(t, config_.topic_creation_partitions, config_.topic_creation_replication, {}, topic_error);
            if (!topic_error.empty()) log::warn("topic ", t, ": ", topic_error);
        }
    }
    // Sinks first: their consumer groups start joining while the sources warm up.
    for (auto kind : {config::ConnectorKind::sink, config::ConnectorKind::source})
        for (const auto& p : pipelines)
            for (const auto& c : p.connectors) {
                if (c.kind != kind) continue;
                auto connector = std::make_unique<Connector>(env, c, registry_.get(c.kind, c.plugin));
                connector->start();
                connectors_.push_back(std::move(connector));
            }
    return true;
}

void Worker::request_stop() {
    for (auto& c : connectors_) c->request_stop();
}

bool Worker::wait(std::chrono::steady_clock::time_point deadline) {
    bool all = true;
    for (auto& c : connectors_) all = c->wait(deadline) && all;
    return all;
}

std::vector<ConnectorReport> Worker::reports() const {
    std::vector<ConnectorReport> out;
    for (const auto& c : connectors_) out.push_back(c->report());
    return out;
}

}  // namespace sluice::runtime
