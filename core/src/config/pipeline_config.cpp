#include "config/pipeline_config.hpp"

#include "common/text.hpp"
#include "config/binder.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

namespace sluice::config {

std::string_view kind_name(ConnectorKind kind) {
    switch (kind) {
    case ConnectorKind::source: return "source";
    case ConnectorKind::sink: return "sink";
    case ConnectorKind::transform: return "transform";
    case ConnectorKind::predicate: return "predicate";
    }
    return "unknown";
}

std::optional<std::string> topic_name_problem(const std::string& topic) {
    if (topic.empty()) return "a topic name cannot be empty";
    if (topic.size() > 249) return "a topic name has at most 249 characters";
    if (topic == "." || topic == "..") return "'.' and '..' are not topic names";
    for (char c : topic)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
            return "a topic name uses only letters, digits, '.', '_' and '-', got " + text::shown(topic);
    return std::nullopt;
}

std::optional<std::string> name_problem(const std::string& name) {
    if (name.empty()) return "a name cannot be empty";
    if (name.size() > 100) return "a name has at most 100 characters";
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
            return "a name uses only letters, digits, '_' and '-', got " + text::shown(name);
    return std::nullopt;
}

namespace {

const std::vector<std::string> kPipelineKeys = {"name", "description", "source", "sinks"};
const std::vector<std::string> kSourceKeys = {"name", "plugin", "topic", "tasks", "config", "transforms", "predicates", "errors",
                                              "restart", "plugin.isolation", "plugin.call.timeout.ms", "plugin.memory.max.bytes",
                                              "exactly.once.support", "transaction.boundary", "transaction.boundary.interval.ms"};
const std::vector<std::string> kSinkKeys = {"name", "plugin", "topics", "tasks", "config", "transforms", "predicates", "errors",
                                            "restart", "read.internal.topics", "plugin.isolation", "plugin.call.timeout.ms",
                                            "plugin.memory.max.bytes"};

class PipelineParser {
public:
    PipelineParser(const YamlDocument& doc, const PluginCatalog& plugins, Diagnostics& diags)
        : doc_(doc), plugins_(plugins), diags_(diags) {}

    std::optional<PipelineSpec> parse() {
        size_t before = diags_.size();
        const YAML::Node& root = doc_.root;
        if (!root.IsMap()) {
            diags_.add(at(root), "", "a pipeline file is a map with keys " + text::join(kPipelineKeys, ", ") +
                                          ", got " + std::string(node_kind(root)));
            return std::nullopt;
        }
        PipelineSpec spec;
        spec.file = doc_.file;
        YAML::Node source, sinks, name;
        for (auto& e : entries(root, doc_.file, "", diags_)) {
            if (e.key == "name") name = e.value;
            else if (e.key == "source") source = e.value;
            else if (e.key == "sinks") sinks = e.value;
            else if (e.key == "description") continue;
            else unknown(e, "", kPipelineKeys);
        }
        spec.name = pipeline_name(name);
        std::string source_topic;
        const bool has_source = source.IsDefined() && !source.IsNull();
        if (has_source) {
            if (auto c = connector(source, ConnectorKind::source, "source", spec.name, "")) {
                source_topic = c->topics.empty() ? "" : c->topics.front();
                spec.connectors.push_back(std::move(*c));
            }
        }
        if (sinks.IsDefined() && !sinks.IsNull()) {
            if (!sinks.IsSequence()) {
                diags_.add(at(sinks), "sinks", "expected a list of sinks (each starting with '- '), got " + std::string(node_kind(sinks)));
            } else {
                for (size_t i = 0; i < sinks.size(); ++i) {
                    std::string prefix = "sinks[" + std::to_string(i) + "]";
                    if (auto c = connector(sinks[i], ConnectorKind::sink, prefix, spec.name, source_topic, has_source))
                        spec.connectors.push_back(std::move(*c));
                }
            }
        }
        if ((!source.IsDefined() || source.IsNull()) && (!sinks.IsDefined() || sinks.IsNull() || sinks.size() == 0))
            diags_.add(at(root), "", "a pipeline needs a source, sinks, or both");
        std::set<std::string> names;
        for (const auto& c : spec.connectors)
            if (!names.insert(c.name).second)
                diags_.add(c.where, "name", "connector name '" + c.name + "' is used twice in this pipeline");
        if (diags_.size() != before) return std::nullopt;
        return spec;
    }

private:
    // Where a node is; nodes absent from the file (yaml-cpp gives them no mark) are
    // placed at `fallback`, or at the document when none is given.
    Location at(const YAML::Node& node, const Location* fallback = nullptr) const {
        Location l = location(doc_.file, node);
        if (l.line == 0) l = fallback ? *fallback : location(doc_.file, doc_.root);
        return l;
    }

    void unknown(const Entry& e, const std::string& prefix, const std::vector<std::string>& valid) {
        std::string hint = text::closest(e.key, valid);
        std::string key = prefix.empty() ? e.key : prefix + "." + e.key;
        diags_.add(at(e.key_node), key,
                   "unknown key" + (hint.empty() ? std::string() : " (did you mean '" + hint + "'?)") +
                       "; valid keys: " + text::join(valid, ", "));
    }

    std::string pipeline_name(const YAML::Node& node) {
        if (node.IsDefined() && !node.IsNull()) {
            if (!node.IsScalar()) {
                diags_.add(at(node), "name", "expected a name, got " + std::string(node_kind(node)));
                return "pipeline";
            }
            if (auto p = name_problem(node.Scalar())) diags_.add(at(node), "name", *p);
            return node.Scalar();
        }
        std::string stem = std::filesystem::path(doc_.file).stem().string();
        if (auto p = name_problem(stem)) {
            diags_.add(at(doc_.root), "name", "no 'name' given and the file name cannot serve as one: " + *p);
            return "pipeline";
        }
        return stem;
    }

    std::optional<std::string> scalar(const YAML::Node& node, const std::string& key) {
        if (!node.IsScalar()) {
            diags_.add(at(node), key, "expected a plain value, got " + std::string(node_kind(node)));
            return std::nullopt;
        }
        return node.Scalar();
    }

    std::vector<std::string> topic_list(const YAML::Node& node, const std::string& key) {
        std::vector<std::string> topics;
        if (node.IsSequence()) {
            for (const auto& item : node)
                if (auto t = scalar(item, key)) topics.push_back(*t);
        } else if (node.IsScalar()) {
            for (auto& t : text::split(node.Scalar(), ',')) topics.emplace_back(text::trim(t));
        } else {
            diags_.add(at(node), key, "expected a list of topics, got " + std::string(node_kind(node)));
            return topics;
        }
        if (topics.empty()) diags_.add(at(node), key, "expected at least one topic");
        for (const auto& t : topics)
            if (auto p = topic_name_problem(t)) diags_.add(at(node), key, *p);
        return topics;
    }

    std::optional<ConnectorSpec> connector(const YAML::Node& node, ConnectorKind kind, const std::string& prefix,
                                           const std::string& pipeline, const std::string& source_topic,
                                           bool has_source = false) {
        if (!node.IsMap()) {
            diags_.add(at(node), prefix, "expected a map with keys " +
                                             text::join(kind == ConnectorKind::source ? kSourceKeys : kSinkKeys, ", ") +
                                             ", got " + std::string(node_kind(node)));
            return std::nullopt;
        }
        ConnectorSpec c;
        c.kind = kind;
        c.pipeline = pipeline;
        c.where = at(node);
        YAML::Node name, plugin, topics, tasks, config, transforms, predicates, errors, restart, internal;
        // The keys beside `plugin` bound by a schema of their own (isolation, exactly-once),
        // and every other key of the map, which their binders skip.
        std::vector<std::string> isolation_keys, not_isolation, exactly_once_keys, not_exactly_once;
        const auto& valid = kind == ConnectorKind::source ? kSourceKeys : kSinkKeys;
        for (auto& e : entries(node, doc_.file, prefix, diags_)) {
            (is_isolation_key(e.key) ? isolation_keys : not_isolation).push_back(e.key);
            (is_exactly_once_key(e.key) ? exactly_once_keys : not_exactly_once).push_back(e.key);
            if (e.key == "name") name = e.value;
            else if (e.key == "plugin") plugin = e.value;
            else if (e.key == (kind == ConnectorKind::source ? "topic" : "topics")) topics = e.value;
            else if (e.key == "tasks") tasks = e.value;
            else if (e.key == "config") config = e.value;
            else if (e.key == "transforms") transforms = e.value;
            else if (e.key == "predicates") predicates = e.value;
            else if (e.key == "errors") errors = e.value;
            else if (e.key == "restart") restart = e.value;
            else if (e.key == "read.internal.topics" && kind == ConnectorKind::sink) internal = e.value;
            else if (is_isolation_key(e.key)) continue;
            else if (is_exactly_once_key(e.key) && kind == ConnectorKind::source) continue;
            else if (is_exactly_once_key(e.key))
                diags_.add(at(e.key_node), prefix + "." + e.key,
                           "only source connectors write in transactions; a sink reads committed records only "
                           "(isolation.level=read_committed) without any key");
            else unknown(e, prefix, valid);
        }

        const PluginFacts* facts = nullptr;
        if (!plugin.IsDefined() || plugin.IsNull()) {
            diags_.add(c.where, prefix + ".plugin",
                       "missing required key: the " + std::string(kind_name(kind)) + " plugin to run (available: " +
                           text::join(plugins_.names(kind), ", ") + ")");
        } else if (auto p = scalar(plugin, prefix + ".plugin")) {
            c.plugin = *p;
            facts = plugins_.find(kind, c.plugin);
            if (facts == nullptr) unknown_plugin(plugin, prefix + ".plugin", kind, c.plugin);
        }

        // Default names carry the kind so that one plugin can be both source and sink of a pipeline.
        std::string local = c.plugin.empty() ? std::string(kind_name(kind)) : c.plugin + "-" + std::string(kind_name(kind));
        if (name.IsDefined() && !name.IsNull()) {
            if (auto n = scalar(name, prefix + ".name")) {
                local = *n;
                if (auto problem = name_problem(local)) diags_.add(at(name), prefix + ".name", *problem);
            }
        }
        c.name = pipeline + "." + local;

        if (kind == ConnectorKind::source) {
            if (!topics.IsDefined() || topics.IsNull()) {
                diags_.add(c.where, prefix + ".topic", "missing required key: the topic the source writes to");
            } else if (auto t = scalar(topics, prefix + ".topic")) {
                if (auto p = topic_name_problem(*t)) diags_.add(at(topics), prefix + ".topic", *p);
                c.topics = {*t};
            }
        } else if (topics.IsDefined() && !topics.IsNull()) {
            c.topics = topic_list(topics, prefix + ".topics");
        } else if (!source_topic.empty()) {
            c.topics = {source_topic};
        } else if (!has_source) {  // a source without a topic is reported on its own
            diags_.add(c.where, prefix + ".topics", "missing required key: the topics this sink reads (no source in this pipeline to default to)");
        }

        if (internal.IsDefined() && !internal.IsNull()) {
            auto t = scalar(internal, prefix + ".read.internal.topics");
            if (t && (*t == "true" || *t == "false")) c.read_internal_topics = *t == "true";
            else if (t) diags_.add(at(internal), prefix + ".read.internal.topics", "expected true or false, got " + text::shown(*t));
        }

        if (tasks.IsDefined() && !tasks.IsNull()) {
            KeyDef def;
            def.name = "tasks";
            def.type = ValueType::integer;
            def.min = 1;
            def.max = facts && facts->max_tasks > 0 ? facts->max_tasks : 1000;
            Value v;
            if (auto t = scalar(tasks, prefix + ".tasks")) {
                if (auto e = convert_scalar(def, *t, v)) {
                    KeyDef plain = def;
                    plain.max = std::nullopt;
                    Value ignored;
                    if (facts && facts->max_tasks > 0 && !convert_scalar(plain, *t, ignored))
                        *e = "plugin " + c.plugin + " runs at most " + std::to_string(facts->max_tasks) +
                             (facts->max_tasks == 1 ? " task" : " tasks") + ", got " + *t;
                    diags_.add(at(tasks), prefix + ".tasks", *e);
                } else {
                    c.tasks = std::stoi(v.text);
                }
            }
        }

        // Where the plugin runs decides where its validate() runs: bound before the config.
        c.isolation = isolation_overrides_from(bind_beside(node, connector_isolation_schema(), prefix, c.where, isolation_keys, not_isolation));
        if (facts != nullptr) {
            BindScope scope{doc_.file, doc_.base_dir, prefix + ".config", at(config, &c.where), {}, doc_.access};
            const size_t before = diags_.size();
            c.config = bind(config, facts->schema, scope, diags_);
            const PluginFacts* checks = plugins_.find_for(kind, c.plugin, CheckedConnector{c.name, c.isolation});
            check_with_plugin(checks != nullptr ? *checks : *facts, c.config, scope, diags_.size() == before, diags_);
        }

        ChainSpec chain = parse_chain_yaml(doc_, transforms, predicates, prefix, c.where, plugins_, diags_);
        c.transforms = std::move(chain.transforms);
        c.predicates = std::move(chain.predicates);
        BindScope error_scope{doc_.file, doc_.base_dir, prefix + ".errors", at(errors, &c.where), {}, doc_.access};
        Resolved error_values = bind(errors, error_policy_schema(), error_scope, diags_);
        c.errors = error_policy_from(error_values, c.topics, prefix + ".errors", error_scope.where, diags_);
        BindScope restart_scope{doc_.file, doc_.base_dir, prefix + ".restart", at(restart, &c.where), {}, doc_.access};
        Resolved restart_values = bind(restart, restart_policy_schema(), restart_scope, diags_);
        c.restart = restart_policy_from(restart_values, prefix + ".restart", restart_scope.where, diags_);
        if (kind == ConnectorKind::source)
            c.exactly_once = exactly_once_from(bind_beside(node, exactly_once_schema(), prefix, c.where, exactly_once_keys, not_exactly_once),
                                               prefix, c.where, diags_);
        return c;
    }

    // Keys that sit beside `plugin` (plugin.isolation & co., the exactly-once keys): bound
    // from the connector's own map (their positions), every other key of it (`others`)
    // skipped: read, or reported, above. The map's own problems (a key given twice, a key
    // that is not a name) were reported above too: only what is said of `mine` (the map's
    // keys of this schema, with what is nested under them) is kept from this second walk.
    Resolved bind_beside(const YAML::Node& node, const Schema& schema, const std::string& prefix, const Location& where,
                         const std::vector<std::string>& mine, const std::vector<std::string>& others) {
        BindScope scope{doc_.file, doc_.base_dir, prefix, where, others, doc_.access};
        Diagnostics walk;
        Resolved values = bind(node, schema, scope, walk);
        for (const auto& d : walk.items()) {
            if (d.message == "key given twice") continue;
            for (const auto& k : mine) {
                const std::string key = prefix + "." + k;
                if (d.key == key || text::starts_with(d.key, key + ".")) {
                    diags_.add(d.where, d.key, d.message);
                    break;
                }
            }
        }
        return values;
    }

    void unknown_plugin(const YAML::Node& node, const std::string& key, ConnectorKind kind, const std::string& name) {
        for (ConnectorKind other : {ConnectorKind::source, ConnectorKind::sink, ConnectorKind::transform, ConnectorKind::predicate}) {
            if (other == kind || plugins_.find(other, name) == nullptr) continue;
            diags_.add(at(node), key, "'" + name + "' is a " + std::string(kind_name(other)) + " plugin, not a " +
                                          std::string(kind_name(kind)) + " plugin");
            return;
        }
        auto available = plugins_.names(kind);
        std::string hint = text::closest(name, available);
        diags_.add(at(node), key,
                   "unknown " + std::string(kind_name(kind)) + " plugin '" + name + "'" +
                       (hint.empty() ? std::string() : " (did you mean '" + hint + "'?)") + "; available: " +
                       (available.empty() ? std::string("none (check plugin.path)") : text::join(available, ", ")));
    }

    const YamlDocument& doc_;
    const PluginCatalog& plugins_;
    Diagnostics& diags_;
};

}  // namespace

std::optional<PipelineSpec> parse_pipeline(const YamlDocument& doc, const PluginCatalog& plugins, Diagnostics& diags) {
    return PipelineParser(doc, plugins, diags).parse();
}

std::optional<PipelineSpec> load_pipeline(const std::string& path, const PluginCatalog& plugins, Diagnostics& diags) {
    auto doc = load_yaml_file(path, diags);
    if (!doc) return std::nullopt;
    return parse_pipeline(*doc, plugins, diags);
}

std::vector<std::string> masked_texts(const ConnectorSpec& c) {
    std::vector<std::string> out = masked_texts(c.config);
    for (const auto& t : c.transforms)
        for (auto& v : masked_texts(t.config)) out.push_back(std::move(v));
    for (const auto& p : c.predicates)
        for (auto& v : masked_texts(p.config)) out.push_back(std::move(v));
    return out;
}

std::optional<std::string> internal_topic_problem(const ConnectorSpec& c, const std::vector<std::string>& worker_topics) {
    if (c.kind != ConnectorKind::sink || c.read_internal_topics) return std::nullopt;
    for (const auto& topic : c.topics) {
        const bool kafkas = topic.rfind("__", 0) == 0;
        const bool workers = std::find(worker_topics.begin(), worker_topics.end(), topic) != worker_topics.end();
        if (!kafkas && !workers) continue;
        return "topic " + topic + " is " + (kafkas ? "one of Kafka's internal topics" : "this worker's own offsets topic") +
               ": a sink would read bookkeeping records as data. Set read.internal.topics: true on the connector if that "
               "is really what you want";
    }
    return std::nullopt;
}

void check_exactly_once(const std::vector<PipelineSpec>& pipelines, bool worker_support, Diagnostics& diags) {
    for (const auto& p : pipelines)
        for (const auto& c : p.connectors)
            if (auto refused = exactly_once_refusal(c.exactly_once, worker_support)) diags.add(c.where, "source.exactly.once.support", *refused);
}

void check_pipelines(const std::vector<PipelineSpec>& pipelines, const std::vector<std::string>& worker_topics, Diagnostics& diags) {
    std::map<std::string, const ConnectorSpec*> seen;
    for (const auto& p : pipelines)
        for (const auto& c : p.connectors) {
            if (auto problem = internal_topic_problem(c, worker_topics)) diags.add(c.where, "topics", *problem);
            auto [it, inserted] = seen.emplace(c.name, &c);
            if (!inserted)
                diags.add(c.where, "name", "connector '" + c.name + "' is also defined in " + it->second->where.file +
                                               ":" + std::to_string(it->second->where.line) +
                                               " (give the pipelines different names)");
        }
}

}  // namespace sluice::config
