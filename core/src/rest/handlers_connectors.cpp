// /connectors: Kafka Connect's connector resource. Each route parses the request, calls the
// control plane and renders its answer; refusals leave as control::Error (router.hpp).
#include "rest/api.hpp"
#include "rest/connector_view.hpp"

#include <algorithm>

namespace sluice::rest {

namespace {

using control::ControlPlane;

HttpResponse info_response(ControlPlane& control, int status, const std::string& name) {
    auto c = control.find(name);
    if (!c) throw ApiError(409, "Connector " + name + " changed while answering; retry");
    return json_response(status, info_json(c->entry, c->report));
}

HttpResponse empty_response(int status) {
    HttpResponse r;
    r.status = status;
    return r;
}

bool flag(const Call& call, const std::string& name) {
    std::string v = call.query(name);
    if (v.empty() || v == "false") return false;
    if (v == "true") return true;
    throw ApiError(400, "query parameter " + name + " must be true or false, got '" + v + "'");
}

int task_id(const Call& call) {
    const auto& text = call.param("task");
    if (text.empty() || text.size() > 6 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        throw ApiError(400, "task id must be a non-negative integer, got '" + text + "'");
    return std::stoi(text);
}

// A configuration's "name", when given, must be the connector's.
void check_name_matches(const FlatConfig& flat, const std::string& name) {
    if (auto it = flat.find("name"); it != flat.end() && it->second != name)
        throw ApiError(400, "Connector name configuration (" + it->second + ") doesn't match connector name in the URL (" + name + ")");
}

// GET /connectors[?expand=status&expand=info]
HttpResponse list(ControlPlane& control, const Call& call) {
    bool status = false, info = false;
    for (const auto& e : call.query_all("expand")) {
        if (e == "status") status = true;
        else if (e == "info") info = true;
        else throw ApiError(400, "expand must be status or info, got '" + e + "'");
    }
    auto names = control.connector_names();
    if (!status && !info) return json_response(200, names);
    nlohmann::json out = nlohmann::json::object();
    for (const auto& name : names) {
        auto c = control.find(name);
        if (!c) continue;  // deleted meanwhile
        nlohmann::json item = nlohmann::json::object();
        if (status) item["status"] = status_json(c->report, control.worker_id());
        if (info) item["info"] = info_json(c->entry, c->report);
        out[name] = item;
    }
    return json_response(200, out);
}

// POST /connectors {"name": ..., "config": {...}, "initial_state": ...}
HttpResponse create(ControlPlane& control, const Call& call) {
    auto body = json_body(call);
    if (!body.is_object()) throw ApiError(400, "expected {\"name\": ..., \"config\": {...}}");
    if (!body.contains("name") || !body["name"].is_string()) throw ApiError(400, "missing connector name ('name', a string)");
    std::string name = body["name"].get<std::string>();
    check_name(name);
    if (!body.contains("config")) throw ApiError(400, "missing 'config' (the connector's configuration)");
    FlatConfig flat = flat_from_json(body["config"], "config");
    check_name_matches(flat, name);
    auto target = runtime::TargetState::running;
    if (body.contains("initial_state")) {
        auto t = body["initial_state"].is_string() ? runtime::parse_target(body["initial_state"].get<std::string>()) : std::nullopt;
        if (!t) throw ApiError(400, "initial_state must be RUNNING, PAUSED or STOPPED");
        target = *t;
    }
    control.create_connector(name, flat, target);
    HttpResponse r = info_response(control, 201, name);
    r.headers.emplace_back("Location", "/connectors/" + name);
    return r;
}

// PUT /connectors/{name}/config
HttpResponse put_config(ControlPlane& control, const Call& call) {
    const auto& name = call.param("name");
    check_name(name);
    FlatConfig flat = flat_from_json(json_body(call), "the configuration");
    check_name_matches(flat, name);
    const bool created = control.put_connector(name, std::move(flat));
    return info_response(control, created ? 201 : 200, name);
}

// GET /connectors/{name}/tasks
HttpResponse tasks(ControlPlane& control, const Call& call) {
    const auto& name = call.param("name");
    auto e = control.entry(name);
    auto r = control.report(name);
    nlohmann::json out = nlohmann::json::array();
    auto config = shown_config(e.definition);
    for (const auto& t : r.tasks) {
        auto task_config = config;
        task_config["task.id"] = std::to_string(t.task_id);
        out.push_back({{"id", {{"connector", name}, {"task", t.task_id}}}, {"config", task_config}});
    }
    return json_response(200, out);
}

// GET /connectors/{name}/tasks/{task}/status
HttpResponse task_status(ControlPlane& control, const Call& call) {
    const auto& name = call.param("name");
    int id = task_id(call);
    for (const auto& t : control.report(name).tasks)
        if (t.task_id == id) return json_response(200, task_status_json(t, control.worker_id()));
    throw ApiError(404, "Task " + name + "-" + std::to_string(id) + " not found");
}

// POST /connectors/{name}/restart[?includeTasks=&onlyFailed=]
HttpResponse restart(ControlPlane& control, const Call& call) {
    const auto& name = call.param("name");
    const bool include_tasks = flag(call, "includeTasks"), only_failed = flag(call, "onlyFailed");
    control.restart_connector(name, include_tasks, only_failed);
    // Kafka Connect: a plain connector restart answers 204; with includeTasks/onlyFailed
    // 202 and the status (tasks just restarted show their new state).
    if (!include_tasks && !only_failed) return empty_response(204);
    return json_response(202, status_json(control.report(name), control.worker_id()));
}

void add_reads(Router& router, ControlPlane& control) {
    router.add("GET", "/connectors", [&control](const Call& call) { return list(control, call); });
    router.add("GET", "/connectors/{name}", [&control](const Call& call) {
        const auto& name = call.param("name");
        auto e = control.entry(name);
        return json_response(200, info_json(e, control.report(name)));
    });
    router.add("GET", "/connectors/{name}/config",
               [&control](const Call& call) { return json_response(200, shown_config(control.entry(call.param("name")).definition)); });
    router.add("GET", "/connectors/{name}/status", [&control](const Call& call) {
        return json_response(200, status_json(control.report(call.param("name")), control.worker_id()));
    });
    router.add("GET", "/connectors/{name}/tasks", [&control](const Call& call) { return tasks(control, call); });
    router.add("GET", "/connectors/{name}/tasks/{task}/status", [&control](const Call& call) { return task_status(control, call); });
}

void add_changes(Router& router, ControlPlane& control) {
    router.add("POST", "/connectors", [&control](const Call& call) { return create(control, call); });
    router.add("DELETE", "/connectors/{name}", [&control](const Call& call) {
        control.delete_connector(call.param("name"));
        return empty_response(204);
    });
    router.add("PUT", "/connectors/{name}/config", [&control](const Call& call) { return put_config(control, call); });
    router.add("POST", "/connectors/{name}/tasks/{task}/restart", [&control](const Call& call) {
        const auto& name = call.param("name");
        control.restart_task(name, task_id(call));
        return empty_response(204);
    });
    router.add("POST", "/connectors/{name}/restart", [&control](const Call& call) { return restart(control, call); });
    for (auto [verb, target] : {std::pair{"pause", runtime::TargetState::paused}, std::pair{"resume", runtime::TargetState::running},
                                std::pair{"stop", runtime::TargetState::stopped}}) {
        router.add("PUT", std::string("/connectors/{name}/") + verb, [&control, target = target](const Call& call) {
            control.set_target(call.param("name"), target);
            return empty_response(202);
        });
    }
}

}  // namespace

void add_connector_routes(Router& router, Api& api) {
    add_reads(router, api.control());
    add_changes(router, api.control());
}

}  // namespace sluice::rest
