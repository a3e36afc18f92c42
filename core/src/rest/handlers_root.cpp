// GET / (version), GET /health (Kafka Connect's KIP-1017 answer), GET /metrics (Prometheus).
#include "rest/api.hpp"
#include "rest/connector_view.hpp"

namespace sluice::rest {

void add_root_routes(Router& router, Api& api) {
    router.add("GET", "/", [&api](const Call&) {
        return json_response(200, {{"version", SLUICE_VERSION}, {"commit", ""}, {"kafka_cluster_id", nullptr},
                                   {"worker_id", api.worker().id()}});
    });
    router.add("GET", "/health", [&api](const Call&) {
        if (!api.worker().ready() || !api.serving())
            return json_response(503, {{"status", "starting"}, {"message", "Worker is still starting up."}});
        return json_response(200, {{"status", "healthy"}, {"message", "Worker has completed startup and is ready to handle requests."}});
    });
    router.add("GET", "/metrics", [&api](const Call&) {
        if (!api.options().metrics_text) throw ApiError(404, "metrics are not enabled in this build");
        HttpResponse r;
        r.content_type = api.options().metrics_content_type;
        r.body = api.options().metrics_text();
        return r;
    });
}

}  // namespace sluice::rest
