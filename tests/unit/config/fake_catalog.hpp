// A plugin catalog without plugins: declared configurations written by hand.
#pragma once

#include "config/plugin_catalog.hpp"

#include <map>

namespace sluice::testing {

inline config::KeyDef key(std::string name, config::ValueType type, std::optional<std::string> def = std::nullopt,
                          bool required = false) {
    config::KeyDef k;
    k.name = std::move(name);
    k.type = type;
    k.default_text = std::move(def);
    k.required = required;
    return k;
}

class FakeCatalog : public config::PluginCatalog {
public:
    FakeCatalog() {
        using T = config::ValueType;
        auto rate = key("rate", T::integer, "100");
        rate.min = 0;
        rate.max = 1000000;
        auto mode = key("mode", T::string, "fast");
        mode.allowed = {"fast", "slow"};
        auto secret = key("password", T::string);
        secret.secret = true;
        add(config::ConnectorKind::source, "datagen", {rate, mode, key("seed", T::integer, "42"), secret,
                                                       key("batch.max.rows", T::integer, "10"), key("tags", T::list),
                                                       key("settings", T::map), key("layout", T::json)});
        add(config::ConnectorKind::source, "file", {key("path", T::string, std::nullopt, true)}, 1);
        add(config::ConnectorKind::sink, "file", {key("path", T::string, std::nullopt, true), key("format", T::string, "value")}, 1);
        add(config::ConnectorKind::sink, "blackhole", {});
    }
    const config::PluginFacts* find(config::ConnectorKind kind, std::string_view name) const override {
        auto it = plugins_.find({kind, std::string(name)});
        return it == plugins_.end() ? nullptr : &it->second;
    }
    std::vector<std::string> names(config::ConnectorKind kind) const override {
        std::vector<std::string> out;
        for (const auto& [k, v] : plugins_)
            if (k.first == kind) out.push_back(k.second);
        return out;
    }

private:
    void add(config::ConnectorKind kind, std::string name, std::vector<config::KeyDef> keys, int max_tasks = 0) {
        plugins_[{kind, std::move(name)}] = {config::Schema(std::move(keys)), max_tasks, {}};
    }
    std::map<std::pair<config::ConnectorKind, std::string>, config::PluginFacts> plugins_;
};

}  // namespace sluice::testing
