// The REST admin API: Kafka Connect's endpoints (same paths, JSON shapes and status codes)
// plus sluice's own (/pipelines, plugin rescan, /health, /metrics), on top of the worker.
#pragma once

#include "plugin/registry.hpp"
#include "rest/http_server.hpp"
#include "rest/router.hpp"
#include "rest/state_store.hpp"
#include "runtime/worker.hpp"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::rest {

struct ApiOptions {
    std::vector<std::string> plugin_dirs;  // what POST /connector-plugins/rescan scans
    std::string state_file;                // empty: REST-created connectors are not kept across restarts
    // Prometheus text for GET /metrics, and the per-request observation (route pattern,
    // method, status, seconds). Empty: /metrics answers 404, nothing is observed.
    std::function<std::string()> metrics_text;
    std::string metrics_content_type = "text/plain; version=0.0.4";
    std::function<void(std::string_view, std::string_view, int, double)> observe;
};

// A pipeline created over REST: its YAML as given, and its connectors.
struct StoredPipeline {
    std::string yaml;
    std::vector<std::string> connectors;
};

class Api {
public:
    Api(runtime::Worker& worker, plugin::Registry& registry, ApiOptions options);

    HttpResponse handle(const HttpRequest& request);

    // Creates what the state file holds (after the worker started), then opens the API
    // (until then only / and /health answer; the rest is 503). Problems are logged; a
    // connector that cannot be created now stays in the file for a later start.
    void restore();

    // For the handlers.
    runtime::Worker& worker() { return worker_; }
    plugin::Registry& registry() { return registry_; }
    const config::AccessPolicy& access() const { return access_; }
    const ApiOptions& options() const { return options_; }
    void persist();  // writes the state file (no-op without one); logs failures
    void persist_locked_pipelines();  // the same, pipelines_mutex() already held
    std::mutex& pipelines_mutex() { return pipelines_mutex_; }
    std::map<std::string, StoredPipeline>& pipelines() { return pipelines_; }

private:
    runtime::Worker& worker_;
    plugin::Registry& registry_;
    ApiOptions options_;
    config::AccessPolicy access_;  // what configurations sent over REST may reach
    Router router_;
    std::unique_ptr<StateStore> store_;
    std::mutex persist_mutex_;
    std::mutex pipelines_mutex_;
    std::map<std::string, StoredPipeline> pipelines_;
    std::vector<StoredConnector> unrestored_;
    std::atomic<bool> serving_{false};  // kept in the file until they can be created
};

// Route registration, one file per resource.
void add_root_routes(Router& router, Api& api);
void add_connector_routes(Router& router, Api& api);
void add_offset_routes(Router& router, Api& api);
void add_plugin_routes(Router& router, Api& api);
void add_pipeline_routes(Router& router, Api& api);

}  // namespace sluice::rest
