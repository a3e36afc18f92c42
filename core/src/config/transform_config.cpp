#include "config/transform_config.hpp"

#include "common/text.hpp"
#include "config/binder.hpp"
#include "config/pipeline_config.hpp"

#include <algorithm>
#include <set>

namespace sluice::config {

const std::vector<std::string>& transform_reserved_keys() {
    static const std::vector<std::string> keys = {"type", "name", "predicate", "negate"};
    return keys;
}

namespace {

const std::vector<std::string> kPredicateReserved = {"type"};

// The plugin of a transform or predicate type; a diagnostic naming the closest one otherwise.
const PluginFacts* lookup(ConnectorKind kind, const std::string& type, const PluginCatalog& plugins, const Location& where,
                          const std::string& key, Diagnostics& diags) {
    if (const PluginFacts* facts = plugins.find(kind, type)) return facts;
    ConnectorKind other = kind == ConnectorKind::transform ? ConnectorKind::predicate : ConnectorKind::transform;
    if (plugins.find(other, type) != nullptr) {
        diags.add(where, key, "'" + type + "' is a " + std::string(kind_name(other)) + ", not a " +
                                  std::string(kind_name(kind)) +
                                  (kind == ConnectorKind::transform ? " (predicates go under 'predicates' and are named by "
                                                                      "a transform's 'predicate' key)"
                                                                    : ""));
        return nullptr;
    }
    auto available = plugins.names(kind);
    std::string hint = text::closest(type, available);
    diags.add(where, key,
              "unknown " + std::string(kind_name(kind)) + " type '" + type + "'" +
                  (hint.empty() ? std::string() : " (did you mean '" + hint + "'?)") + "; available: " +
                  (available.empty() ? std::string("none (check plugin.path)") : text::join(available, ", ")));
    return nullptr;
}

bool parse_bool(const std::string& raw, bool& out, const Location& where, const std::string& key, Diagnostics& diags) {
    KeyDef def;
    def.name = key;
    def.type = ValueType::boolean;
    Value v;
    if (auto e = convert_scalar(def, raw, v)) {
        diags.add(where, key, *e);
        return false;
    }
    out = v.text == "true";
    return true;
}

// Default names: the type, then type-2, type-3 for later transforms of the same type.
void name_transforms(std::vector<TransformSpec>& transforms, const std::vector<bool>& named, const std::string& prefix,
                     Diagnostics& diags) {
    std::set<std::string> taken;
    for (size_t i = 0; i < transforms.size(); ++i)
        if (named[i] && !taken.insert(transforms[i].name).second)
            diags.add(transforms[i].where, prefix + ".transforms[" + std::to_string(i) + "].name",
                      "transform name '" + transforms[i].name + "' is used twice in this chain");
    std::map<std::string, int> seen;
    for (size_t i = 0; i < transforms.size(); ++i) {
        if (named[i]) continue;
        const std::string& type = transforms[i].type;
        int n = seen[type];
        std::string candidate;
        do {
            ++n;
            candidate = n == 1 ? type : type + "-" + std::to_string(n);
        } while (taken.count(candidate));
        seen[type] = n;
        taken.insert(candidate);
        transforms[i].name = candidate;
    }
}

void check_references(ChainSpec& chain, const std::vector<Location>& predicate_where, const std::vector<std::string>& keys,
                      Diagnostics& diags) {
    std::vector<std::string> defined;
    for (const auto& p : chain.predicates) defined.push_back(p.name);
    for (size_t i = 0; i < chain.transforms.size(); ++i) {
        const auto& t = chain.transforms[i];
        if (t.predicate.empty() || std::find(defined.begin(), defined.end(), t.predicate) != defined.end()) continue;
        std::string hint = text::closest(t.predicate, defined);
        diags.add(predicate_where[i], keys[i],
                  "predicate '" + t.predicate + "' is not defined" +
                      (hint.empty() ? std::string() : " (did you mean '" + hint + "'?)") + "; defined predicates: " +
                      (defined.empty() ? std::string("none") : text::join(defined, ", ")));
    }
}

class YamlChainParser {
public:
    YamlChainParser(const YamlDocument& doc, const std::string& prefix, const Location& fallback,
                    const PluginCatalog& plugins, Diagnostics& diags)
        : doc_(doc), prefix_(prefix), fallback_(fallback), plugins_(plugins), diags_(diags) {}

    ChainSpec parse(const YAML::Node& transforms, const YAML::Node& predicates) {
        ChainSpec chain;
        if (predicates.IsDefined() && !predicates.IsNull()) {
            if (!predicates.IsMap()) {
                diags_.add(at(predicates), prefix_ + ".predicates",
                           "expected a map of named predicates (name: {type: ..., <its keys>}), got " +
                               std::string(node_kind(predicates)));
            } else {
                for (auto& e : entries(predicates, doc_.file, prefix_ + ".predicates", diags_)) {
                    std::string key = prefix_ + ".predicates." + e.key;
                    if (auto p = name_problem(e.key)) diags_.add(at(e.key_node), key, *p);
                    if (auto spec = predicate(e.value, key, e.key)) chain.predicates.push_back(std::move(*spec));
                }
            }
        }
        std::vector<bool> named;
        std::vector<Location> predicate_where;
        std::vector<std::string> predicate_keys;
        std::vector<std::pair<size_t, PredicateSpec>> inline_predicates;  // by transform index
        if (transforms.IsDefined() && !transforms.IsNull()) {
            if (!transforms.IsSequence()) {
                diags_.add(at(transforms), prefix_ + ".transforms",
                           "expected a list of transforms (each starting with '- type: ...'), got " +
                               std::string(node_kind(transforms)));
            } else {
                for (size_t i = 0; i < transforms.size(); ++i) {
                    const YAML::Node item = transforms[i];
                    std::string key = prefix_ + ".transforms[" + std::to_string(i) + "]";
                    if (!item.IsMap()) {
                        diags_.add(at(item), key, "expected a map with a 'type' key, got " + std::string(node_kind(item)));
                        continue;
                    }
                    TransformSpec t;
                    t.where = at(item);
                    const YAML::Node type = item["type"], name = item["name"], pred = item["predicate"], negate = item["negate"];
                    if (!type.IsDefined() || type.IsNull()) {
                        auto available = plugins_.names(ConnectorKind::transform);
                        diags_.add(t.where, key + ".type",
                                   "missing required key: the transform plugin (available: " +
                                       (available.empty() ? std::string("none") : text::join(available, ", ")) + ")");
                    } else if (auto s = scalar(type, key + ".type")) {
                        t.type = *s;
                        if (const PluginFacts* facts =
                                lookup(ConnectorKind::transform, t.type, plugins_, at(type), key + ".type", diags_)) {
                            BindScope scope{doc_.file, doc_.base_dir, key, t.where, transform_reserved_keys(), doc_.access};
                            const size_t before = diags_.size();
                            t.config = bind(item, facts->schema, scope, diags_);
                            check_with_plugin(*facts, t.config, scope, diags_.size() == before, diags_);
                        }
                    }
                    bool has_name = false;
                    if (name.IsDefined() && !name.IsNull())
                        if (auto s = scalar(name, key + ".name")) {
                            if (auto p = name_problem(*s)) diags_.add(at(name), key + ".name", *p);
                            t.name = *s;
                            has_name = true;
                        }
                    if (negate.IsDefined() && !negate.IsNull())
                        if (auto s = scalar(negate, key + ".negate")) parse_bool(*s, t.negate, at(negate), key + ".negate", diags_);
                    Location pred_where = t.where;
                    if (pred.IsDefined() && !pred.IsNull()) {
                        pred_where = at(pred);
                        if (pred.IsMap()) {
                            if (auto spec = predicate(pred, key + ".predicate", "")) inline_predicates.emplace_back(chain.transforms.size(), std::move(*spec));
                        } else if (auto s = scalar(pred, key + ".predicate")) {
                            t.predicate = *s;
                        }
                    } else if (negate.IsDefined() && !negate.IsNull()) {
                        diags_.add(at(negate), key + ".negate", "negate applies to a predicate, and this transform has none");
                    }
                    named.push_back(has_name);
                    predicate_where.push_back(pred_where);
                    predicate_keys.push_back(key + ".predicate");
                    chain.transforms.push_back(std::move(t));
                }
            }
        }
        name_transforms(chain.transforms, named, prefix_, diags_);
        // An inline predicate is named after its transform; it cannot clash with a named one.
        for (auto& [index, spec] : inline_predicates) {
            spec.name = chain.transforms[index].name + "-predicate";
            for (const auto& p : chain.predicates)
                if (p.name == spec.name)
                    diags_.add(spec.where, predicate_keys[index],
                               "the inline predicate would be named '" + spec.name + "', which a named predicate already uses");
            chain.transforms[index].predicate = spec.name;
            chain.predicates.push_back(std::move(spec));
        }
        check_references(chain, predicate_where, predicate_keys, diags_);
        return chain;
    }

private:
    Location at(const YAML::Node& node) const {
        Location l = location(doc_.file, node);
        return l.line == 0 ? fallback_ : l;
    }

    std::optional<std::string> scalar(const YAML::Node& node, const std::string& key) {
        if (!node.IsScalar()) {
            diags_.add(at(node), key, "expected a plain value, got " + std::string(node_kind(node)));
            return std::nullopt;
        }
        return node.Scalar();
    }

    std::optional<PredicateSpec> predicate(const YAML::Node& node, const std::string& key, const std::string& name) {
        if (!node.IsMap()) {
            diags_.add(at(node), key, "expected a map with a 'type' key, got " + std::string(node_kind(node)));
            return std::nullopt;
        }
        PredicateSpec p;
        p.name = name;
        p.where = at(node);
        const YAML::Node type = node["type"];
        if (!type.IsDefined() || type.IsNull()) {
            auto available = plugins_.names(ConnectorKind::predicate);
            diags_.add(p.where, key + ".type",
                       "missing required key: the predicate plugin (available: " +
                           (available.empty() ? std::string("none") : text::join(available, ", ")) + ")");
            return std::nullopt;
        }
        auto s = scalar(type, key + ".type");
        if (!s) return std::nullopt;
        p.type = *s;
        const PluginFacts* facts = lookup(ConnectorKind::predicate, p.type, plugins_, at(type), key + ".type", diags_);
        if (facts == nullptr) return std::nullopt;
        BindScope scope{doc_.file, doc_.base_dir, key, p.where, kPredicateReserved, doc_.access};
        const size_t before = diags_.size();
        p.config = bind(node, facts->schema, scope, diags_);
        check_with_plugin(*facts, p.config, scope, diags_.size() == before, diags_);
        return p;
    }

    const YamlDocument& doc_;
    std::string prefix_;
    Location fallback_;
    const PluginCatalog& plugins_;
    Diagnostics& diags_;
};

// "a, b,,c" -> {a, b, c}
std::vector<std::string> flat_list(const std::string& raw) {
    std::vector<std::string> out;
    for (auto& item : text::split(raw, ',')) {
        std::string t(text::trim(item));
        if (!t.empty()) out.push_back(std::move(t));
    }
    return out;
}

// The keys under "<group>.<name>." for each listed name, and complaints about unlisted ones.
std::map<std::string, std::map<std::string, std::string>> flat_group(const std::map<std::string, std::string>& flat,
                                                                     const std::string& group,
                                                                     const std::vector<std::string>& names,
                                                                     const Location& where, Diagnostics& diags) {
    std::map<std::string, std::map<std::string, std::string>> out;
    for (const auto& n : names) {
        if (auto p = name_problem(n)) diags.add(where, group, *p);
        if (out.count(n)) diags.add(where, group, "'" + n + "' is listed twice");
        out[n];
    }
    std::set<std::string> reported;
    for (const auto& [key, value] : flat) {
        if (!text::starts_with(key, group + ".")) continue;
        std::string rest = key.substr(group.size() + 1);
        // Names never contain dots: the first dot ends the name.
        auto dot = rest.find('.');
        if (dot == std::string::npos || dot == 0 || dot + 1 == rest.size()) {
            diags.add(where, key, "expected " + group + ".<name>.<key>");
            continue;
        }
        std::string name = rest.substr(0, dot);
        auto it = out.find(name);
        if (it == out.end()) {
            if (reported.insert(name).second) {
                std::string hint = text::closest(name, names);
                diags.add(where, key,
                          "'" + name + "' is not listed in " + group + " (" +
                              (names.empty() ? std::string("which is empty") : text::join(names, ",")) + ")" +
                              (hint.empty() ? std::string() : "; did you mean '" + hint + "'?"));
            }
            continue;
        }
        it->second[rest.substr(dot + 1)] = value;
    }
    return out;
}

}  // namespace

ChainSpec parse_chain_yaml(const YamlDocument& doc, const YAML::Node& transforms, const YAML::Node& predicates,
                           const std::string& prefix, const Location& fallback, const PluginCatalog& plugins,
                           Diagnostics& diags) {
    return YamlChainParser(doc, prefix, fallback, plugins, diags).parse(transforms, predicates);
}

ChainSpec parse_chain_flat(const std::map<std::string, std::string>& flat, const Location& where,
                           const PluginCatalog& plugins, const AccessPolicy* access, Diagnostics& diags) {
    ChainSpec chain;
    auto list_of = [&](const char* key) {
        auto it = flat.find(key);
        return it == flat.end() ? std::vector<std::string>{} : flat_list(it->second);
    };
    const auto predicate_names = list_of("predicates");
    for (auto& [name, keys] : flat_group(flat, "predicates", predicate_names, where, diags)) {
        const std::string key = "predicates." + name;
        auto type = keys.find("type");
        if (type == keys.end()) {
            diags.add(where, key + ".type", "missing required key: the predicate plugin");
            continue;
        }
        const PluginFacts* facts = lookup(ConnectorKind::predicate, type->second, plugins, where, key + ".type", diags);
        if (facts == nullptr) continue;
        PredicateSpec p;
        p.name = name;
        p.type = type->second;
        p.where = where;
        keys.erase(type);
        const BindScope scope{where.file, "", key, where, {}, access};
        const size_t before = diags.size();
        p.config = bind_flat(keys, facts->schema, scope, diags);
        check_with_plugin(*facts, p.config, scope, diags.size() == before, diags);
        chain.predicates.push_back(std::move(p));
    }
    const auto transform_names = list_of("transforms");
    auto groups = flat_group(flat, "transforms", transform_names, where, diags);
    std::vector<Location> predicate_where;
    std::vector<std::string> predicate_keys;
    for (const auto& name : transform_names) {  // in the listed order, not the map's
        auto& keys = groups[name];
        const std::string key = "transforms." + name;
        TransformSpec t;
        t.name = name;
        t.where = where;
        if (auto it = keys.find("predicate"); it != keys.end()) {
            t.predicate = std::string(text::trim(it->second));
            keys.erase(it);
        }
        if (auto it = keys.find("negate"); it != keys.end()) {
            parse_bool(it->second, t.negate, where, key + ".negate", diags);
            if (t.predicate.empty()) diags.add(where, key + ".negate", "negate applies to a predicate, and this transform has none");
            keys.erase(it);
        }
        auto type = keys.find("type");
        if (type == keys.end()) {
            diags.add(where, key + ".type", "missing required key: the transform plugin");
        } else {
            t.type = type->second;
            keys.erase(type);
            if (const PluginFacts* facts = lookup(ConnectorKind::transform, t.type, plugins, where, key + ".type", diags))
            {
                const BindScope scope{where.file, "", key, where, {}, access};
                const size_t before = diags.size();
                t.config = bind_flat(keys, facts->schema, scope, diags);
                check_with_plugin(*facts, t.config, scope, diags.size() == before, diags);
            }
        }
        predicate_where.push_back(where);
        predicate_keys.push_back(key + ".predicate");
        chain.transforms.push_back(std::move(t));
    }
    check_references(chain, predicate_where, predicate_keys, diags);
    return chain;
}

}  // namespace sluice::config
