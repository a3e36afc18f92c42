// /connectors: Kafka Connect's connector resource.
#include "rest/api.hpp"
#include "rest/connector_view.hpp"

#include "common/text.hpp"

namespace sluice::rest {

namespace {

using runtime::Worker;

runtime::ConnectorEntry entry_or_404(Api& api, const std::string& name) {
    auto e = api.worker().entry(name);
    if (!e) not_found(name);
    return *e;
}

runtime::ConnectorReport report_or_404(Api& api, const std::string& name) {
    auto r = api.worker().report(name);
    if (!r) not_found(name);
    return *r;
}

// Flat map -> definition, or 400 with every problem.
runtime::ConnectorDefinition definition_from(Api& api, const std::string& name, const FlatConfig& flat) {
    config::Diagnostics diags;
    auto spec = spec_from_flat(name, flat, api.registry(), api.access(), diags);
    if (!spec) throw ApiError(400, "Connector configuration is invalid and contains the following " +
                                       std::to_string(diags.size()) + " error(s):\n" + describe(diags));
    return runtime::ConnectorDefinition{*spec, flat, "", runtime::Origin::rest};
}

void check_change(Worker::Change change, const std::string& name, const std::string& message) {
    switch (change) {
    case Worker::Change::not_found: not_found(name);
    case Worker::Change::conflict: throw ApiError(409, message);
    case Worker::Change::invalid: throw ApiError(400, message);
    default: return;
    }
}

HttpResponse info_response(Api& api, int status, const std::string& name) {
    auto e = api.worker().entry(name);
    auto r = api.worker().report(name);
    if (!e || !r) throw ApiError(409, "Connector " + name + " changed while answering; retry");
    return json_response(status, info_json(*e, *r));
}

HttpResponse accepted() {
    HttpResponse r;
    r.status = 202;
    return r;
}

HttpResponse no_content() {
    HttpResponse r;
    r.status = 204;
    return r;
}

bool flag(const Call& call, const std::string& name) {
    std::string v = call.query(name);
    if (v.empty() || v == "false") return false;
    if (v == "true") return true;
    throw ApiError(400, "query parameter " + name + " must be true or false, got '" + v + "'");
}

}  // namespace

void add_connector_routes(Router& router, Api& api) {
    router.add("GET", "/connectors", [&api](const Call& call) {
        auto expand = call.query_all("expand");
        bool status = false, info = false;
        for (const auto& e : expand) {
            if (e == "status") status = true;
            else if (e == "info") info = true;
            else throw ApiError(400, "expand must be status or info, got '" + e + "'");
        }
        auto names = api.worker().names();
        if (!status && !info) return json_response(200, names);
        nlohmann::json out = nlohmann::json::object();
        for (const auto& name : names) {
            auto e = api.worker().entry(name);
            auto r = api.worker().report(name);
            if (!e || !r) continue;  // deleted meanwhile
            nlohmann::json item = nlohmann::json::object();
            if (status) item["status"] = status_json(*r, api.worker().id());
            if (info) item["info"] = info_json(*e, *r);
            out[name] = item;
        }
        return json_response(200, out);
    });

    router.add("POST", "/connectors", [&api](const Call& call) {
        auto body = json_body(call);
        if (!body.is_object()) throw ApiError(400, "expected {\"name\": ..., \"config\": {...}}");
        if (!body.contains("name") || !body["name"].is_string()) throw ApiError(400, "missing connector name ('name', a string)");
        std::string name = body["name"].get<std::string>();
        check_name(name);
        if (!body.contains("config")) throw ApiError(400, "missing 'config' (the connector's configuration)");
        FlatConfig flat = flat_from_json(body["config"], "config");
        if (auto it = flat.find("name"); it != flat.end() && it->second != name)
            throw ApiError(400, "Connector name configuration (" + it->second + ") doesn't match connector name in the URL (" + name + ")");
        auto target = runtime::TargetState::running;
        if (body.contains("initial_state")) {
            auto t = body["initial_state"].is_string() ? runtime::parse_target(body["initial_state"].get<std::string>()) : std::nullopt;
            if (!t) throw ApiError(400, "initial_state must be RUNNING, PAUSED or STOPPED");
            target = *t;
        }
        if (api.worker().entry(name)) throw ApiError(409, "Connector " + name + " already exists");
        std::string message;
        check_change(api.worker().create(definition_from(api, name, flat), target, message), name, message);
        api.persist();
        HttpResponse r = info_response(api, 201, name);
        r.headers.emplace_back("Location", "/connectors/" + name);
        return r;
    });

    router.add("GET", "/connectors/{name}", [&api](const Call& call) {
        const auto& name = call.param("name");
        auto e = entry_or_404(api, name);
        return json_response(200, info_json(e, report_or_404(api, name)));
    });

    router.add("DELETE", "/connectors/{name}", [&api](const Call& call) {
        const auto& name = call.param("name");
        auto e = entry_or_404(api, name);
        if (!e.definition.pipeline.empty())
            throw ApiError(409, "Connector " + name + " belongs to pipeline " + e.definition.pipeline +
                                    "; delete it with DELETE /pipelines/" + e.definition.pipeline);
        check_change(api.worker().remove(name), name, "");
        api.persist();
        return no_content();
    });

    router.add("GET", "/connectors/{name}/config", [&api](const Call& call) {
        return json_response(200, shown_config(entry_or_404(api, call.param("name")).definition));
    });

    router.add("PUT", "/connectors/{name}/config", [&api](const Call& call) {
        const auto& name = call.param("name");
        check_name(name);
        FlatConfig flat = flat_from_json(json_body(call), "the configuration");
        if (auto it = flat.find("name"); it != flat.end() && it->second != name)
            throw ApiError(400, "Connector name configuration (" + it->second + ") doesn't match connector name in the URL (" + name + ")");
        auto current = api.worker().entry(name);
        if (current) {
            if (!current->definition.pipeline.empty())
                throw ApiError(409, "Connector " + name + " belongs to pipeline " + current->definition.pipeline +
                                        "; change it with PUT /pipelines/" + current->definition.pipeline);
            keep_masked_values(flat, current->definition);
        }
        std::string message;
        auto change = api.worker().put(definition_from(api, name, flat), message);
        check_change(change, name, message);
        api.persist();
        return info_response(api, change == Worker::Change::created ? 201 : 200, name);
    });

    router.add("GET", "/connectors/{name}/status", [&api](const Call& call) {
        return json_response(200, status_json(report_or_404(api, call.param("name")), api.worker().id()));
    });

    router.add("GET", "/connectors/{name}/tasks", [&api](const Call& call) {
        const auto& name = call.param("name");
        auto e = entry_or_404(api, name);
        auto r = report_or_404(api, name);
        nlohmann::json out = nlohmann::json::array();
        auto config = shown_config(e.definition);
        for (const auto& t : r.tasks) {
            auto task_config = config;
            task_config["task.id"] = std::to_string(t.task_id);
            out.push_back({{"id", {{"connector", name}, {"task", t.task_id}}}, {"config", task_config}});
        }
        return json_response(200, out);
    });

    auto task_id = [](const Call& call) {
        const auto& text = call.param("task");
        if (text.empty() || text.size() > 6 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
            throw ApiError(400, "task id must be a non-negative integer, got '" + text + "'");
        return std::stoi(text);
    };

    router.add("GET", "/connectors/{name}/tasks/{task}/status", [&api, task_id](const Call& call) {
        const auto& name = call.param("name");
        int id = task_id(call);
        auto r = report_or_404(api, name);
        for (const auto& t : r.tasks)
            if (t.task_id == id) return json_response(200, task_status_json(t, api.worker().id()));
        throw ApiError(404, "Task " + name + "-" + std::to_string(id) + " not found");
    });

    router.add("POST", "/connectors/{name}/tasks/{task}/restart", [&api, task_id](const Call& call) {
        const auto& name = call.param("name");
        int id = task_id(call);
        entry_or_404(api, name);
        if (api.worker().restart_task(name, id) == Worker::Change::not_found)
            throw ApiError(404, "Task " + name + "-" + std::to_string(id) + " not found");
        return no_content();
    });

    router.add("POST", "/connectors/{name}/restart", [&api](const Call& call) {
        const auto& name = call.param("name");
        const bool include_tasks = flag(call, "includeTasks"), only_failed = flag(call, "onlyFailed");
        std::vector<int> restarted;
        check_change(api.worker().restart(name, include_tasks, only_failed, restarted), name, "");
        // Kafka Connect: a plain connector restart answers 204; with includeTasks/onlyFailed
        // 202 and the status (tasks just restarted show their new state).
        if (!include_tasks && !only_failed) return no_content();
        return json_response(202, status_json(report_or_404(api, name), api.worker().id()));
    });

    for (auto [verb, target] : {std::pair{"pause", runtime::TargetState::paused}, std::pair{"resume", runtime::TargetState::running},
                                std::pair{"stop", runtime::TargetState::stopped}}) {
        router.add("PUT", std::string("/connectors/{name}/") + verb, [&api, target = target](const Call& call) {
            const auto& name = call.param("name");
            check_change(api.worker().set_target(name, target), name, "");
            api.persist();
            return accepted();
        });
    }
}

}  // namespace sluice::rest
