// /pipelines/{name}: sluice's own resource. PUT takes a pipeline file's YAML (the same
// format as `sluice run PIPELINE.yaml`), validated with line and column; its connectors are
// named "<pipeline>.<connector>" and show up under /connectors like any other.
#include "rest/api.hpp"
#include "rest/connector_view.hpp"

#include "common/text.hpp"
#include "config/pipeline_config.hpp"
#include "config/yaml_file.hpp"

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

HttpResponse pipeline_json(Api& api, int status, const std::string& name, const std::vector<std::string>& connectors) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : connectors) {
        auto e = api.worker().entry(c);
        auto r = api.worker().report(c);
        if (!e || !r) continue;
        const auto& spec = e->definition.spec;
        list.push_back({{"name", c},
                        {"type", type_name(spec.kind)},
                        {"plugin", spec.plugin},
                        {"topics", spec.topics},
                        {"tasks", spec.tasks},
                        {"config", shown_config(e->definition)},
                        {"status", status_json(*r, api.worker().id())}});
    }
    return json_response(status, {{"name", name}, {"connectors", list}});
}

}  // namespace

void add_pipeline_routes(Router& router, Api& api) {
    router.add("GET", "/pipelines", [&api](const Call&) {
        std::lock_guard lock(api.pipelines_mutex());
        nlohmann::json names = nlohmann::json::array();
        for (const auto& [name, p] : api.pipelines()) names.push_back(name);
        return json_response(200, names);
    });

    router.add("GET", "/pipelines/{name}", [&api](const Call& call) {
        const auto& name = call.param("name");
        std::vector<std::string> connectors;
        {
            std::lock_guard lock(api.pipelines_mutex());
            auto it = api.pipelines().find(name);
            if (it == api.pipelines().end()) throw ApiError(404, "Pipeline " + name + " not found");
            connectors = it->second.connectors;
        }
        return pipeline_json(api, 200, name, connectors);
    });

    router.add("PUT", "/pipelines/{name}", [&api](const Call& call) {
        const auto& name = call.param("name");
        check_name(name, "pipeline");
        if (auto p = config::name_problem(name)) throw ApiError(400, "pipeline name: " + *p);
        check_yaml_body(call);
        config::Diagnostics diags;
        const std::string file = "pipelines/" + name;  // its stem is the default pipeline name
        auto doc = config::load_yaml_text(call.request.body, file, diags);
        if (doc) doc->access = &api.access();
        auto spec = doc ? config::parse_pipeline(*doc, api.registry(), diags) : std::nullopt;
        if (spec && spec->name != name)
            diags.add(config::Location{file, 1, 1}, "name", "the pipeline is named '" + spec->name + "' but is given for '" + name + "'");
        if (!diags.empty()) {
            nlohmann::json errors = nlohmann::json::array();
            for (const auto& d : diags.items())
                errors.push_back({{"line", d.where.line}, {"column", d.where.column}, {"key", d.key}, {"message", d.message}});
            HttpResponse r = json_response(400, {{"error_code", 400},
                                                 {"message", std::to_string(diags.size()) + " error(s) in pipeline " + name + ":\n" + diags.format()},
                                                 {"errors", errors}});
            return r;
        }
        // One pipeline change at a time: replacing is delete-then-create of its connectors.
        std::lock_guard lock(api.pipelines_mutex());
        auto existing = api.pipelines().find(name);
        const bool replace = existing != api.pipelines().end();
        std::set<std::string> own;
        if (replace) own.insert(existing->second.connectors.begin(), existing->second.connectors.end());
        for (const auto& c : spec->connectors)
            if (!own.count(c.name) && api.worker().entry(c.name))
                throw ApiError(409, "connector " + c.name + " already exists outside pipeline " + name);
        for (const auto& c : own) api.worker().remove(c);
        StoredPipeline stored{call.request.body, {}};
        std::string failures;
        for (const auto& c : spec->connectors) {
            std::string message;
            if (api.worker().create({c, {}, name, runtime::Origin::rest}, runtime::TargetState::running, message) ==
                runtime::Worker::Change::created)
                stored.connectors.push_back(c.name);
            else
                failures += (failures.empty() ? "" : "; ") + c.name + ": " + message;
        }
        api.pipelines()[name] = stored;
        if (!failures.empty()) {
            for (const auto& c : stored.connectors) api.worker().remove(c);
            api.pipelines().erase(name);
            throw ApiError(409, "pipeline " + name + " not created: " + failures);
        }
        auto connectors = stored.connectors;
        api.persist_locked_pipelines();
        return pipeline_json(api, replace ? 200 : 201, name, connectors);
    });

    router.add("DELETE", "/pipelines/{name}", [&api](const Call& call) {
        const auto& name = call.param("name");
        std::lock_guard lock(api.pipelines_mutex());
        auto it = api.pipelines().find(name);
        if (it == api.pipelines().end()) throw ApiError(404, "Pipeline " + name + " not found");
        for (const auto& c : it->second.connectors) api.worker().remove(c);
        api.pipelines().erase(it);
        api.persist_locked_pipelines();
        HttpResponse r;
        r.status = 204;
        return r;
    });
}

}  // namespace sluice::rest
