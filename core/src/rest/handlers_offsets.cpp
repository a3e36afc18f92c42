// /connectors/{name}/offsets (Kafka Connect's KIP-875): GET any time; PATCH and DELETE only
// while the connector is STOPPED, as in Kafka Connect (the control plane's rules).
#include "rest/api.hpp"
#include "rest/connector_view.hpp"

namespace sluice::rest {

void add_offset_routes(Router& router, Api& api) {
    auto& control = api.control();
    router.add("GET", "/connectors/{name}/offsets",
               [&control](const Call& call) { return json_response(200, control.offsets(call.param("name"))); });
    router.add("PATCH", "/connectors/{name}/offsets", [&control](const Call& call) {
        control.alter_offsets(call.param("name"), json_body(call));
        return json_response(200, {{"message", "The offsets for this connector have been altered successfully"}});
    });
    router.add("DELETE", "/connectors/{name}/offsets", [&control](const Call& call) {
        control.reset_offsets(call.param("name"));
        return json_response(200, {{"message", "The offsets for this connector have been reset successfully"}});
    });
}

}  // namespace sluice::rest
