// The REST admin API: Kafka Connect's endpoints (same paths, JSON shapes and status codes)
// plus sluice's own (/pipelines, plugin rescan, /health, /metrics), on top of the worker.
#pragma once

#include "control/control_plane.hpp"
#include "plugin/registry.hpp"
#include "rest/http_server.hpp"
#include "rest/router.hpp"
#include "rest/state_store.hpp"
#include "runtime/worker.hpp"

#include <atomic>
#include <functional>
#include <condition_variable>
#include <cstdint>
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
    // PUT /admin/loggers/{logger}?scope=cluster: sets the level (TRACE ... OFF) on every worker
    // of the cluster, this one included (distributed mode: through the config topic; each worker
    // applies it with log::set_logger_level, as Connect's KIP-976 does only for changes written
    // after the worker started). Called with a valid logger name and level; may throw
    // control::Error (unavailable: 503). Unset (standalone): scope=cluster applies on this
    // worker, the whole cluster.
    std::function<void(const std::string& logger, const std::string& level)> apply_logger_on_cluster;
};

class Api {
public:
    Api(runtime::Worker& worker, plugin::Registry& registry, ApiOptions options);

    HttpResponse handle(const HttpRequest& request);

    // Creates what the state file holds (after the worker started), then opens the API
    // (until then only / and /health answer; the rest is 503). Problems are logged; a
    // connector that cannot be created now stays in the file for a later start.
    void restore();

    // For the handlers: every run-time change goes through control().
    control::ControlPlane& control() { return control_; }
    runtime::Worker& worker() { return worker_; }
    plugin::Registry& registry() { return registry_; }
    const config::AccessPolicy& access() const { return control_.access(); }
    const ApiOptions& options() const { return options_; }
    // True once restore() ran: the worker started and (in a cluster) read the config topic.
    bool serving() const { return serving_.load(); }

private:
    runtime::Worker& worker_;
    plugin::Registry& registry_;
    ApiOptions options_;
    // The REST state file (standalone mode's store of what was created over REST). Written
    // after every change the control plane makes (its `changed` hook) and returns once that is
    // on disk; failures are logged. Concurrent callers share one write (group commit): the
    // file is fsynced twice per write, and a hundred clients each paying for its own queued
    // behind one another.
    void persist();
    StoredState snapshot();
    std::unique_ptr<StateStore> store_;
    std::mutex persist_mutex_;
    std::condition_variable persisted_;
    uint64_t persist_requested_ = 0, persist_written_ = 0;
    bool persisting_ = false;
    std::vector<StoredConnector> unrestored_;  // kept in the file until they can be created
    control::ControlPlane control_;
    Router router_;
    std::atomic<bool> serving_{false};
};

// Route registration, one file per resource.
void add_root_routes(Router& router, Api& api);
void add_connector_routes(Router& router, Api& api);
void add_offset_routes(Router& router, Api& api);
void add_plugin_routes(Router& router, Api& api);
void add_pipeline_routes(Router& router, Api& api);
void add_logger_routes(Router& router, Api& api);

}  // namespace sluice::rest
