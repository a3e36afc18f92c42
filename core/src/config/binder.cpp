#include "config/binder.hpp"

#include "common/log.hpp"
#include "common/text.hpp"
#include "config/interpolation.hpp"
#include "config/yaml_file.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace sluice::config {
namespace {

std::string qualified(const std::string& prefix, const std::string& key) {
    return prefix.empty() ? key : prefix + "." + key;
}

class Binder {
public:
    Binder(const Schema& schema, const BindScope& scope, Diagnostics& diags)
        : schema_(schema), scope_(scope), diags_(diags) {}

    void walk(const YAML::Node& map, const std::string& prefix) {
        for (auto& e : entries(map, scope_.file, qualified(scope_.key_prefix, prefix), diags_)) {
            std::string full = prefix.empty() ? e.key : prefix + "." + e.key;
            if (prefix.empty() && std::find(scope_.reserved.begin(), scope_.reserved.end(), e.key) != scope_.reserved.end())
                continue;
            if (const KeyDef* def = schema_.find(full)) {
                bind_value(*def, e.value, location(scope_.file, e.key_node));
            } else if (e.value.IsMap() && schema_.has_prefix(full)) {
                walk(e.value, full);
            } else {
                unknown(full, location(scope_.file, e.key_node));
            }
        }
    }

    void bind_text(const KeyDef& def, const std::string& raw, Location where) {
        given_.insert(def.name);
        // Files and JSON bodies are checked before they get here; a flat map built any other
        // way is not, and configuration text is UTF-8 all the way to the plugin.
        if (text::invalid_utf8_at(raw)) return fail(def.name, where, "the value is not valid UTF-8 text");
        std::string error;
        auto interpolated = interpolate(raw, scope_.base_dir, scope_.access, error);
        if (!interpolated) return fail(def.name, where, error);
        Value v;
        // A value from a provider is never written back, not even in an error: it may be a
        // credential, or the content of a file the sender should not see.
        const std::string shown = interpolated->used_provider ? "the value from " + text::shown(raw, 200) : "";
        if (auto e = convert_scalar(def, interpolated->text, v, shown)) return fail(def.name, where, *e);
        v.interpolated = interpolated->used_provider;
        if (def.local_path)
            if (auto refused = local_path_refused(scope_.access, qualified(scope_.key_prefix, def.name), v.text))
                return fail(def.name, where, *refused);
        store(def, std::move(v), where);
    }

    void unknown(const std::string& full, Location where) {
        std::string hint = text::closest(full, schema_.names());
        for (const auto& name : schema_.names())
            if (hint.empty() && text::starts_with(name, full + ".")) hint = name;  // "kafka.bootstrap"
        std::string message = "unknown key";
        if (!hint.empty()) message += " (did you mean '" + hint + "'?)";
        if (schema_.keys().empty()) {
            message += "; this plugin takes no configuration";
        } else {
            // Inside a group (kafka.*), the keys of that group say more than the whole list.
            std::vector<std::string> valid;
            auto dot = full.rfind('.');
            std::string group = dot == std::string::npos ? "" : full.substr(0, dot + 1);
            for (const auto& name : schema_.names())
                if (text::starts_with(name, group)) valid.push_back(name);
            message += "; valid keys" + (group.empty() ? std::string() : " under " + group.substr(0, group.size() - 1)) +
                       ": " + text::join(valid.empty() ? schema_.names() : valid, ", ");
        }
        diags_.add(where, qualified(scope_.key_prefix, full), message);
    }

    Resolved finish() {
        for (const auto& def : schema_.keys()) {
            // A key given with a bad value already has its error; "missing" would be a second, wrong one.
            if (resolved_.count(def.name) || given_.count(def.name)) continue;
            if (def.required) {
                std::string message = "missing required key (" + def.expectation() + ")";
                if (!def.doc.empty()) message += ": " + def.doc;
                diags_.add(scope_.where, qualified(scope_.key_prefix, def.name), message);
            } else if (def.default_text) {
                Value v = default_value(def);
                v.where = scope_.where;
                resolved_.emplace(def.name, std::move(v));
            }
        }
        return std::move(resolved_);
    }

private:
    void fail(const std::string& key, const Location& where, const std::string& message) {
        diags_.add(where, qualified(scope_.key_prefix, key), message);
    }

    void store(const KeyDef& def, Value v, const Location& where) {
        v.where = where;
        v.secret = def.secret;
        auto [it, inserted] = resolved_.emplace(def.name, std::move(v));
        if (!inserted)
            fail(def.name, where, "key given twice (also at line " + std::to_string(it->second.where.line) + ")");
    }

    // Scalars of a YAML tree flattened into dotted keys (a map value's nested maps).
    bool flatten(const YAML::Node& node, const std::string& prefix, const KeyDef& def, std::vector<std::string>& items,
                 bool& used_provider) {
        if (!within_budget(def, node)) return false;
        for (auto& e : entries(node, scope_.file, qualified(scope_.key_prefix, def.name), diags_)) {
            std::string key = prefix.empty() ? e.key : prefix + "." + e.key;
            if (e.value.IsMap()) {
                if (!flatten(e.value, key, def, items, used_provider)) return false;
                continue;
            }
            if (!e.value.IsScalar() && !e.value.IsNull()) {
                fail(def.name + "." + key, location(scope_.file, e.key_node),
                     "expected a plain value, got " + std::string(node_kind(e.value)));
                return false;
            }
            std::string error;
            auto text = interpolate(e.value.IsNull() ? std::string() : e.value.Scalar(), scope_.base_dir, scope_.access, error);
            if (!text) {
                fail(def.name + "." + key, location(scope_.file, e.value), error);
                return false;
            }
            used_provider = used_provider || text->used_provider;
            items.push_back(key);
            items.push_back(text->text);
        }
        return true;
    }

    nlohmann::json to_json(const KeyDef& def, const YAML::Node& node, bool& ok, bool& used_provider) {
        if (!ok || !within_budget(def, node)) {
            ok = false;
            return nullptr;
        }
        if (node.IsNull() || !node.IsDefined()) return nullptr;
        if (node.IsSequence()) {
            auto arr = nlohmann::json::array();
            for (const auto& item : node) arr.push_back(to_json(def, item, ok, used_provider));
            return arr;
        }
        if (node.IsMap()) {
            auto obj = nlohmann::json::object();
            for (const auto& pair : node) obj[pair.first.Scalar()] = to_json(def, pair.second, ok, used_provider);
            return obj;
        }
        std::string error;
        auto text = interpolate(node.Scalar(), scope_.base_dir, scope_.access, error);
        if (!text) {
            fail("", location(scope_.file, node), error);
            ok = false;
            return nullptr;
        }
        used_provider = used_provider || text->used_provider;
        if (node.Tag() == "?") {  // plain scalar: YAML core schema types
            auto parsed = nlohmann::json::parse(text->text, nullptr, false);
            if (!parsed.is_discarded() && !parsed.is_string() && !parsed.is_object() && !parsed.is_array()) return parsed;
        }
        return text->text;
    }

    void bind_value(const KeyDef& def, const YAML::Node& node, Location where) {
        given_.insert(def.name);
        if (node.IsScalar()) return bind_text(def, node.Scalar(), where);
        if (node.IsNull()) {
            if (def.type == ValueType::string) return bind_text(def, "", where);
            return fail(def.name, where, "expected " + def.expectation() + ", got an empty value");
        }
        Value v;
        v.type = def.type;
        bool used_provider = false;
        if (def.type == ValueType::list && node.IsSequence()) {
            for (const auto& item : node) {
                if (!item.IsScalar()) {
                    return fail(def.name, location(scope_.file, item),
                                "expected a list of plain values, got " + std::string(node_kind(item)) + " in it");
                }
                std::string error;
                auto text = interpolate(item.Scalar(), scope_.base_dir, scope_.access, error);
                if (!text) return fail(def.name, location(scope_.file, item), error);
                used_provider = used_provider || text->used_provider;
                v.items.push_back(text->text);
            }
            v.text = text::join(v.items, ",");
            v.json = nlohmann::json(v.items).dump();
        } else if (def.type == ValueType::map && node.IsMap()) {
            if (!flatten(node, "", def, v.items, used_provider)) return;
            nlohmann::json obj = nlohmann::json::object();
            for (size_t i = 0; i + 1 < v.items.size(); i += 2) obj[v.items[i]] = v.items[i + 1];
            v.text = obj.dump();
            v.json = v.text;
        } else if (def.type == ValueType::json) {
            bool ok = true;
            auto j = to_json(def, node, ok, used_provider);
            if (!ok) return;
            v.text = j.dump();
            v.json = v.text;
        } else {
            return fail(def.name, where, "expected " + def.expectation() + ", got " + std::string(node_kind(node)));
        }
        v.interpolated = used_provider;
        store(def, std::move(v), where);
    }

    // YAML aliases share nodes, and a walk of nested aliases expands them: ten levels of ten
    // "*a" make ten billion nodes from a few lines (the "billion laughs"). A value holds at
    // most kMaxNodes nodes, counted as walked.
    static constexpr size_t kMaxNodes = 100000;
    bool within_budget(const KeyDef& def, const YAML::Node& node) {
        if (++walked_ <= kMaxNodes) return true;
        if (walked_ == kMaxNodes + 1)
            fail(def.name, location(scope_.file, node),
                 "the value has more than " + std::to_string(kMaxNodes) + " elements (YAML aliases count every time they are used)");
        return false;
    }

    const Schema& schema_;
    const BindScope& scope_;
    Diagnostics& diags_;
    size_t walked_ = 0;
    Resolved resolved_;
    std::set<std::string> given_;  // keys present in the input, valid or not
};

}  // namespace

Resolved bind(const YAML::Node& map, const Schema& schema, const BindScope& scope, Diagnostics& diags) {
    Binder binder(schema, scope, diags);
    if (map.IsDefined() && !map.IsNull()) {
        if (!map.IsMap()) {
            diags.add(location(scope.file, map), scope.key_prefix, "expected a map of keys, got " + std::string(node_kind(map)));
        } else {
            binder.walk(map, "");
        }
    }
    return binder.finish();
}

void check_with_plugin(const PluginFacts& facts, const Resolved& values, const BindScope& scope, bool bound_cleanly,
                       Diagnostics& diags) {
    if (!facts.validate || !bound_cleanly) return;
    const log::Secrets masked(masked_texts(values));  // a plugin's message may echo them
    for (const auto& problem : facts.validate(facts.schema, values)) {
        auto it = values.find(problem.key);
        const Location where = it != values.end() && it->second.where.line > 0 ? it->second.where : scope.where;
        diags.add(where, problem.key.empty() ? scope.key_prefix : qualified(scope.key_prefix, problem.key), problem.message);
    }
}

Resolved bind_flat(const std::map<std::string, std::string>& values, const Schema& schema, const BindScope& scope,
                   Diagnostics& diags) {
    Binder binder(schema, scope, diags);
    for (const auto& [key, text] : values) {
        if (const KeyDef* def = schema.find(key)) binder.bind_text(*def, text, scope.where);
        else binder.unknown(key, scope.where);
    }
    return binder.finish();
}

}  // namespace sluice::config
