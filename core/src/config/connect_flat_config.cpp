#include "config/connect_flat_config.hpp"

#include "common/text.hpp"
#include "config/binder.hpp"

namespace sluice::config {

namespace {

bool is_chain_key(const std::string& key) {
    return key == "transforms" || key == "predicates" || text::starts_with(key, "transforms.") ||
           text::starts_with(key, "predicates.");
}

// Source or sink: by the plugin's kind, and by topic/topics when the name is both.
std::optional<ConnectorKind> kind_of(const std::string& plugin, const std::map<std::string, std::string>& flat,
                                     const PluginCatalog& plugins, const Location& where, Diagnostics& diags) {
    const bool source = plugins.find(ConnectorKind::source, plugin) != nullptr;
    const bool sink = plugins.find(ConnectorKind::sink, plugin) != nullptr;
    if (source && sink) {
        const bool topic = flat.count("topic") > 0, topics = flat.count("topics") > 0;
        if (topic != topics) return topic ? ConnectorKind::source : ConnectorKind::sink;
        diags.add(where, "connector.class",
                  "'" + plugin + "' is both a source and a sink plugin: give 'topic' (the source writes it) or 'topics' "
                  "(the sink reads them), not " + std::string(topic ? "both" : "neither"));
        return std::nullopt;
    }
    if (source) return ConnectorKind::source;
    if (sink) return ConnectorKind::sink;
    for (ConnectorKind k : {ConnectorKind::transform, ConnectorKind::predicate})
        if (plugins.find(k, plugin) != nullptr) {
            diags.add(where, "connector.class",
                      "'" + plugin + "' is a " + std::string(kind_name(k)) + " plugin, not a source or sink");
            return std::nullopt;
        }
    std::vector<std::string> available = plugins.names(ConnectorKind::source);
    for (auto& n : plugins.names(ConnectorKind::sink)) available.push_back(n);
    std::string hint = text::closest(plugin, available);
    diags.add(where, "connector.class",
              "unknown connector plugin '" + plugin + "'" + (hint.empty() ? std::string() : " (did you mean '" + hint + "'?)") +
                  "; available: " + (available.empty() ? std::string("none (check plugin.path)") : text::join(available, ", ")));
    return std::nullopt;
}

}  // namespace

std::optional<ConnectorSpec> connector_from_flat(const std::string& name, const std::map<std::string, std::string>& flat,
                                                 const PluginCatalog& plugins, const AccessPolicy* access, Diagnostics& diags) {
    const size_t before = diags.size();
    Location where{"connector " + name, 0, 0};
    ConnectorSpec c;
    c.name = name;
    c.pipeline = name;
    c.where = where;
    if (auto p = name_problem(name)) diags.add(where, "name", *p);
    if (auto it = flat.find("name"); it != flat.end() && it->second != name)
        diags.add(where, "name", "the configuration names connector '" + it->second + "' but is given for '" + name + "'");

    auto cls = flat.find("connector.class");
    std::optional<ConnectorKind> kind;
    if (cls == flat.end() || text::trim(cls->second).empty()) {
        diags.add(where, "connector.class", "missing required key: the source or sink plugin to run");
    } else {
        c.plugin = std::string(text::trim(cls->second));
        kind = kind_of(c.plugin, flat, plugins, where, diags);
    }
    const PluginFacts* facts = kind ? plugins.find(*kind, c.plugin) : nullptr;
    if (kind) c.kind = *kind;

    if (auto it = flat.find("tasks.max"); it != flat.end()) {
        KeyDef def;
        def.name = "tasks.max";
        def.type = ValueType::integer;
        def.min = 1;
        def.max = facts && facts->max_tasks > 0 ? facts->max_tasks : 1000;
        Value v;
        if (auto e = convert_scalar(def, it->second, v)) diags.add(where, "tasks.max", *e);
        else c.tasks = std::stoi(v.text);
    }

    std::map<std::string, std::string> plugin_config, errors, restart, isolation, exactly_once;
    for (const auto& [key, value] : flat) {
        if (key == "name" || key == "connector.class" || key == "tasks.max" || is_chain_key(key)) continue;
        if (key == "read.internal.topics") {
            if (value == "true" || value == "false") c.read_internal_topics = value == "true";
            else diags.add(where, key, "expected true or false, got " + text::shown(value));
            continue;
        }
        if (key == "topic" || key == "topics") {
            if (kind && (*kind == ConnectorKind::source) != (key == "topic")) {
                diags.add(where, key,
                          *kind == ConnectorKind::source ? "a source writes one topic: use 'topic', not 'topics'"
                                                         : "a sink reads 'topics' (comma-separated), not 'topic'");
                continue;
            }
            for (auto& t : text::split(value, ',')) {
                std::string topic(text::trim(t));
                if (topic.empty()) continue;
                if (auto p = topic_name_problem(topic)) diags.add(where, key, *p);
                c.topics.push_back(topic);
            }
            if (key == "topic" && c.topics.size() > 1) diags.add(where, key, "a source writes exactly one topic, got " + value);
            continue;
        }
        if (key == "topics.regex") {
            diags.add(where, key, "topic patterns are not supported; list the topics in 'topics'");
            continue;
        }
        if (is_isolation_key(key)) isolation[key] = value;
        else if (exactly_once_schema().find(key) != nullptr) exactly_once[key] = value;
        else if (text::starts_with(key, "errors.")) errors[key.substr(7)] = value;
        else if (text::starts_with(key, "restart.")) restart[key.substr(8)] = value;
        else plugin_config[key] = value;
    }
    if (kind && c.topics.empty())
        diags.add(where, *kind == ConnectorKind::source ? "topic" : "topics",
                  *kind == ConnectorKind::source ? "missing required key: the topic the source writes to"
                                                 : "missing required key: the topics this sink reads");

    if (facts) {
        const BindScope scope{where.file, "", "", where, {}, access};
        const size_t bound = diags.size();
        c.config = bind_flat(plugin_config, facts->schema, scope, diags);
        check_with_plugin(*facts, c.config, scope, diags.size() == bound, diags);
    }
    ChainSpec chain = parse_chain_flat(flat, where, plugins, access, diags);
    c.transforms = std::move(chain.transforms);
    c.predicates = std::move(chain.predicates);
    Resolved error_values = bind_flat(errors, error_policy_schema(), BindScope{where.file, "", "errors", where, {}, access}, diags);
    c.errors = error_policy_from(error_values, c.topics, "errors", where, diags);
    Resolved restart_values = bind_flat(restart, restart_policy_schema(), BindScope{where.file, "", "restart", where, {}, access}, diags);
    c.restart = restart_policy_from(restart_values, "restart", where, diags);
    c.isolation = isolation_overrides_from(bind_flat(isolation, connector_isolation_schema(), BindScope{where.file, "", "", where, {}, access}, diags));
    if (kind == ConnectorKind::sink) {
        for (const auto& [key, value] : exactly_once)
            diags.add(where, key, "only source connectors write in transactions; a sink reads committed records only "
                                  "(isolation.level=read_committed) without any key");
    } else {
        Resolved values = bind_flat(exactly_once, exactly_once_schema(), BindScope{where.file, "", "", where, {}, access}, diags);
        c.exactly_once = exactly_once_from(values, "", where, diags);
    }
    if (diags.size() != before) return std::nullopt;
    return c;
}

}  // namespace sluice::config
