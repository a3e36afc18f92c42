// /connector-plugins: Kafka Connect's plugin resource, plus sluice's rescan.
#include "rest/api.hpp"
#include "rest/connector_view.hpp"

#include "config/binder.hpp"

namespace sluice::rest {

namespace {

std::string plugin_type(config::ConnectorKind kind) {
    switch (kind) {
    case config::ConnectorKind::source: return "source";
    case config::ConnectorKind::sink: return "sink";
    case config::ConnectorKind::transform: return "transformation";
    case config::ConnectorKind::predicate: return "predicate";
    }
    return "unknown";
}

// Kafka Connect's ConfigDef type names.
std::string connect_type(const config::KeyDef& k) {
    if (k.secret) return "PASSWORD";
    switch (k.type) {
    case config::ValueType::integer: return "LONG";
    case config::ValueType::number: return "DOUBLE";
    case config::ValueType::boolean: return "BOOLEAN";
    case config::ValueType::list: return "LIST";
    default: return "STRING";
    }
}

nlohmann::json key_info(const config::KeyDef& k, const std::string& group, int order) {
    nlohmann::json j = {{"name", k.name},
                        {"type", connect_type(k)},
                        {"required", k.required},
                        {"default_value", k.default_text ? nlohmann::json(*k.default_text) : nlohmann::json(nullptr)},
                        {"importance", k.required ? "HIGH" : "MEDIUM"},
                        {"documentation", k.doc + (k.constraint().empty() ? "" : " (" + k.constraint() + ")")},
                        {"group", group},
                        {"width", "NONE"},
                        {"display_name", k.name},
                        {"dependents", nlohmann::json::array()},
                        {"order", order}};
    return j;
}

// Connector plugins only (what connector.class may name); sources first when both exist.
plugin::PluginPtr connector_plugin(Api& api, const std::string& name) {
    for (auto kind : {config::ConnectorKind::source, config::ConnectorKind::sink})
        if (auto p = api.registry().get(kind, name)) return p;
    throw ApiError(404, "Unknown plugin " + name + " (GET /connector-plugins lists them)");
}

std::vector<config::KeyDef> common_keys(config::ConnectorKind kind) {
    auto key = [](std::string name, config::ValueType type, std::string doc, bool required, std::optional<std::string> def) {
        config::KeyDef k;
        k.name = std::move(name);
        k.type = type;
        k.doc = std::move(doc);
        k.required = required;
        k.default_text = std::move(def);
        return k;
    };
    std::vector<config::KeyDef> keys;
    keys.push_back(key("name", config::ValueType::string, "Globally unique name of the connector", true, std::nullopt));
    keys.push_back(key("connector.class", config::ValueType::string, "The sluice plugin to run", true, std::nullopt));
    keys.push_back(key("tasks.max", config::ValueType::integer, "Maximum number of tasks", false, "1"));
    if (kind == config::ConnectorKind::source)
        keys.push_back(key("topic", config::ValueType::string, "The topic the source writes", true, std::nullopt));
    else
        keys.push_back(key("topics", config::ValueType::list, "The topics the sink reads (comma-separated)", true, std::nullopt));
    return keys;
}

}  // namespace

void add_plugin_routes(Router& router, Api& api) {
    router.add("POST", "/connector-plugins/rescan", [&api](const Call&) {
        auto report = api.registry().scan(api.options().plugin_dirs);
        nlohmann::json added = nlohmann::json::array(), refused = nlohmann::json::array();
        for (const auto& p : report.added)
            added.push_back({{"class", p->name}, {"type", plugin_type(p->kind)}, {"version", p->version}, {"file", p->file}});
        for (const auto& r : report.refused) refused.push_back({{"file", r.file}, {"reason", r.reason}});
        return json_response(200, {{"added", added}, {"refused", refused}});
    });

    router.add("GET", "/connector-plugins", [&api](const Call& call) {
        std::string only = call.query("connectorsOnly");
        if (!only.empty() && only != "true" && only != "false")
            throw ApiError(400, "connectorsOnly must be true or false, got '" + only + "'");
        const bool connectors_only = only != "false";
        nlohmann::json out = nlohmann::json::array();
        for (const auto& p : api.registry().all()) {
            bool connector = p->kind == config::ConnectorKind::source || p->kind == config::ConnectorKind::sink;
            if (connectors_only && !connector) continue;
            out.push_back({{"class", p->name}, {"type", plugin_type(p->kind)}, {"version", p->version}});
        }
        return json_response(200, out);
    });

    router.add("GET", "/connector-plugins/{plugin}/config", [&api](const Call& call) {
        const auto& name = call.param("plugin");
        plugin::PluginPtr p;
        for (auto kind : {config::ConnectorKind::source, config::ConnectorKind::sink, config::ConnectorKind::transform,
                          config::ConnectorKind::predicate})
            if (!p) p = api.registry().get(kind, name);
        if (!p) throw ApiError(404, "Unknown plugin " + name + " (GET /connector-plugins?connectorsOnly=false lists them)");
        nlohmann::json out = nlohmann::json::array();
        int order = 0;
        for (const auto& k : p->facts.schema.keys()) out.push_back(key_info(k, "", order++));
        return json_response(200, out);
    });

    router.add("PUT", "/connector-plugins/{plugin}/config/validate", [&api](const Call& call) {
        const auto& name = call.param("plugin");
        auto p = connector_plugin(api, name);
        FlatConfig flat = flat_from_json(json_body(call), "the configuration");
        if (auto it = flat.find("connector.class"); it != flat.end() && it->second != name)
            throw ApiError(400, "connector.class (" + it->second + ") does not match the plugin in the URL (" + name + ")");
        flat["connector.class"] = name;
        std::string connector_name = flat.count("name") ? flat.at("name") : "validation";
        config::Diagnostics diags;
        spec_from_flat(connector_name, flat, api.registry(), api.access(), diags, api.worker());
        if (!flat.count("name")) diags.add({}, "name", "missing required key: the connector's name");
        std::map<std::string, std::vector<std::string>> errors;
        for (const auto& d : diags.items()) {
            std::string key = d.key.empty() ? "connector.class" : d.key;
            errors[key].push_back(d.message);
        }
        nlohmann::json configs = nlohmann::json::array();
        std::set<std::string> described;
        auto add = [&](const config::KeyDef& k, const std::string& group, int order) {
            described.insert(k.name);
            auto value_it = flat.find(k.name);
            nlohmann::json value = {{"name", k.name},
                                    {"value", value_it == flat.end() ? (k.default_text ? nlohmann::json(*k.default_text) : nlohmann::json(nullptr))
                                                                      : nlohmann::json(k.secret || value_it->second.find("${") != std::string::npos
                                                                                         ? std::string(kMask)
                                                                                         : value_it->second)},
                                    {"recommended_values", k.allowed},
                                    {"errors", errors.count(k.name) ? errors.at(k.name) : std::vector<std::string>{}},
                                    {"visible", true}};
            configs.push_back({{"definition", key_info(k, group, order)}, {"value", value}});
        };
        int order = 0;
        for (const auto& k : common_keys(p->kind)) add(k, "Common", order++);
        for (const auto& k : p->facts.schema.keys()) add(k, p->name, order++);
        // Problems with keys no definition covers (unknown keys, transforms.*, errors.*).
        for (const auto& [key, messages] : errors) {
            if (described.count(key)) continue;
            config::KeyDef k;
            k.name = key;
            k.doc = "not a key of " + p->name;
            add(k, "Other", order++);
        }
        size_t error_count = 0;
        for (const auto& c : configs) error_count += c["value"]["errors"].size();
        return json_response(200, {{"name", name}, {"error_count", error_count}, {"groups", {"Common", p->name}}, {"configs", configs}});
    });
}

}  // namespace sluice::rest
