// /connectors/{name}/offsets (Kafka Connect's KIP-875): GET any time; PATCH and DELETE only
// while the connector is STOPPED, as in Kafka Connect.
#include "rest/api.hpp"
#include "rest/connector_view.hpp"
#include "rest/offsets_admin.hpp"

#include <mutex>

namespace sluice::rest {

namespace {

// One offset change at a time in this worker. A sink's change joins the connector's consumer
// group as its only member: two at once split the partitions between them, neither gets them
// all, and one ended in a 500 after up to 30 s (found by integration.rest_robustness).
std::mutex& changes_mutex() {
    static std::mutex m;
    return m;
}

config::ConnectorSpec stopped_spec(Api& api, const std::string& name) {
    auto e = api.worker().entry(name);
    if (!e) not_found(name);
    if (e->target != runtime::TargetState::stopped)
        throw ApiError(400, "Connectors must be in the STOPPED state before their offsets can be modified. This can be done "
                            "for the specified connector by issuing a 'PUT' request to the '/connectors/" + name + "/stop' endpoint");
    if (e->settling)
        throw ApiError(409, "Connector " + name + " is STOPPED but its tasks are still ending (writing their last offsets); retry in a moment");
    return e->definition.spec;
}

}  // namespace

void add_offset_routes(Router& router, Api& api) {
    router.add("GET", "/connectors/{name}/offsets", [&api](const Call& call) {
        auto e = api.worker().entry(call.param("name"));
        if (!e) not_found(call.param("name"));
        return json_response(200, read_offsets(api.worker(), e->definition.spec));
    });
    router.add("PATCH", "/connectors/{name}/offsets", [&api](const Call& call) {
        const auto& name = call.param("name");
        auto body = json_body(call);
        std::lock_guard lock(changes_mutex());
        auto spec = stopped_spec(api, name);
        if (!body.is_object() || !body.contains("offsets")) throw ApiError(400, "expected {\"offsets\": [...]}");
        alter_offsets(api.worker(), spec, body["offsets"]);
        return json_response(200, {{"message", "The offsets for this connector have been altered successfully"}});
    });
    router.add("DELETE", "/connectors/{name}/offsets", [&api](const Call& call) {
        std::lock_guard lock(changes_mutex());
        auto spec = stopped_spec(api, call.param("name"));
        reset_offsets(api.worker(), spec);
        return json_response(200, {{"message", "The offsets for this connector have been reset successfully"}});
    });
}

}  // namespace sluice::rest
