// /pipelines/{name}: sluice's own resource. PUT takes a pipeline file's YAML (the same
// format as `sluice run PIPELINE.yaml`), validated with line and column; its connectors are
// named "<pipeline>.<connector>" and show up under /connectors like any other.
#include "rest/api.hpp"
#include "rest/connector_view.hpp"

#include "common/text.hpp"
#include "config/pipeline_config.hpp"

#include <set>

namespace sluice::rest {

namespace {

void check_yaml_body(const Call& call) {
    std::string type = call.request.header("content-type");
    std::string media = std::string(text::trim(type.substr(0, type.find(';'))));
    static const std::set<std::string> accepted = {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"};
    if (!accepted.count(media))
        throw ApiError(415, "expected a pipeline YAML body (Content-Type: application/yaml), got " +
                                (type.empty() ? std::string("no Content-Type") : "Content-Type " + type));
}

HttpResponse pipeline_json(control::ControlPlane& control, int status, const std::string& name,
                           const std::vector<std::string>& connectors) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& connector : connectors) {
        auto c = control.find(connector);
        if (!c) continue;
        const auto& spec = c->entry.definition.spec;
        list.push_back({{"name", connector},
                        {"type", type_name(spec.kind)},
                        {"plugin", spec.plugin},
                        {"topics", spec.topics},
                        {"tasks", spec.tasks},
                        {"config", shown_config(c->entry.definition)},
                        {"status", status_json(c->report, control.worker_id())}});
    }
    return json_response(status, {{"name", name}, {"connectors", list}});
}

// 400 with every problem of the YAML, each with its line, column and key.
HttpResponse invalid_pipeline(const control::InvalidPipeline& e) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& d : e.diagnostics.items())
        errors.push_back({{"line", d.where.line}, {"column", d.where.column}, {"key", d.key}, {"message", d.message}});
    return json_response(400, {{"error_code", 400}, {"message", e.what()}, {"errors", errors}});
}

HttpResponse put_pipeline(control::ControlPlane& control, const Call& call) {
    const auto& name = call.param("name");
    check_name(name, "pipeline");
    if (auto p = config::name_problem(name)) throw ApiError(400, "pipeline name: " + *p);
    check_yaml_body(call);
    try {
        auto change = control.put_pipeline(name, call.request.body);
        return pipeline_json(control, change.replaced ? 200 : 201, name, change.connectors);
    } catch (const control::InvalidPipeline& e) {
        return invalid_pipeline(e);
    }
}

}  // namespace

void add_pipeline_routes(Router& router, Api& api) {
    auto& control = api.control();
    router.add("GET", "/pipelines", [&control](const Call&) { return json_response(200, control.pipeline_names()); });
    router.add("GET", "/pipelines/{name}", [&control](const Call& call) {
        const auto& name = call.param("name");
        return pipeline_json(control, 200, name, control.pipeline_connectors(name));
    });
    router.add("PUT", "/pipelines/{name}", [&control](const Call& call) { return put_pipeline(control, call); });
    router.add("DELETE", "/pipelines/{name}", [&control](const Call& call) {
        control.delete_pipeline(call.param("name"));
        HttpResponse r;
        r.status = 204;
        return r;
    });
}

}  // namespace sluice::rest
