#include "rest/connector_view.hpp"

#include "common/text.hpp"

namespace sluice::rest {

HttpResponse json_response(int status, const nlohmann::json& body) {
    HttpResponse r;
    r.status = status;
    r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // any bytes: never a 500
    return r;
}

nlohmann::json json_body(const Call& call) {
    std::string type = call.request.header("content-type");
    std::string media = std::string(text::trim(type.substr(0, type.find(';'))));
    for (auto& ch : media) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (media != "application/json")
        throw ApiError(415, "expected a JSON body (Content-Type: application/json), got " +
                                (type.empty() ? std::string("no Content-Type") : "Content-Type " + type));
    auto j = nlohmann::json::parse(call.request.body, nullptr, false);
    if (j.is_discarded()) {
        // Say where: nlohmann's exception carries the byte position.
        try {
            auto again = nlohmann::json::parse(call.request.body);
            (void)again;
        } catch (const nlohmann::json::parse_error& e) {
            throw ApiError(400, std::string("malformed JSON body: ") + e.what());
        }
        throw ApiError(400, "malformed JSON body");
    }
    return j;
}

FlatConfig flat_from_json(const nlohmann::json& object, const std::string& what) {
    if (!object.is_object()) throw ApiError(400, what + " must be a JSON object of string values, got " + std::string(object.type_name()));
    FlatConfig out;
    for (const auto& [key, value] : object.items()) {
        if (value.is_string()) out[key] = value.get<std::string>();
        else if (value.is_number() || value.is_boolean()) out[key] = value.dump();
        else throw ApiError(400, what + ": key '" + key + "' must be a string, got " + std::string(value.type_name()));
    }
    return out;
}

void check_name(const std::string& name, const std::string& what) {
    if (name.empty()) throw ApiError(400, what + " name cannot be empty");
    if (name == "." || name == "..") throw ApiError(400, what + " name cannot be '" + name + "'");
    for (char c : name) {
        auto u = static_cast<unsigned char>(c);
        if (c == '/' || c == '\\') throw ApiError(400, what + " name " + text::shown(name) + " contains '" + std::string(1, c) + "'");
        if (std::isspace(u) || std::iscntrl(u))
            throw ApiError(400, what + " name " + text::shown(name) + " contains whitespace or a control character");
    }
    if (name.size() > 200) throw ApiError(400, what + " name longer than 200 characters");
}

void not_found(const std::string& name) { throw ApiError(404, "Connector " + name + " not found"); }

std::string type_name(config::ConnectorKind kind) { return kind == config::ConnectorKind::source ? "source" : "sink"; }

nlohmann::json info_json(const runtime::ConnectorEntry& entry, const runtime::ConnectorReport& report) {
    nlohmann::json tasks = nlohmann::json::array();
    for (const auto& t : report.tasks) tasks.push_back({{"connector", report.name}, {"task", t.task_id}});
    return {{"name", entry.definition.spec.name},
            {"config", shown_config(entry.definition)},
            {"tasks", tasks},
            {"type", type_name(entry.definition.spec.kind)}};
}

nlohmann::json task_status_json(const runtime::TaskReport& t, const std::string& worker_id) {
    nlohmann::json j = {{"id", t.task_id}, {"state", runtime::state_name(t.status.state)},
                        {"worker_id", t.worker_id.empty() ? worker_id : t.worker_id}};
    // RESTARTING after a failure keeps the failure's trace while the restart waits out its backoff.
    if (t.status.state == runtime::TaskState::failed || (t.status.state == runtime::TaskState::restarting && !t.status.trace.empty()))
        j["trace"] = t.status.trace;
    // The restart policy's attempts in a row (docs/restart-policy.md); absent while there are none.
    if (t.restart_attempts > 0) j["restart_attempts"] = t.restart_attempts;
    return j;
}

nlohmann::json status_json(const runtime::ConnectorReport& r, const std::string& worker_id) {
    nlohmann::json connector = {{"state", runtime::state_name(r.state)}, {"worker_id", worker_id}};
    if (r.state == runtime::TaskState::failed) {
        std::string trace = "every task failed:";
        for (const auto& t : r.tasks) trace += "\n  task " + std::to_string(t.task_id) + ": " + t.status.trace;
        connector["trace"] = trace;
    }
    nlohmann::json tasks = nlohmann::json::array();
    for (const auto& t : r.tasks) tasks.push_back(task_status_json(t, worker_id));
    return {{"name", r.name}, {"connector", connector}, {"tasks", tasks}, {"type", type_name(r.kind)}};
}

}  // namespace sluice::rest
