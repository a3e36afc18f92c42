#include "control/connector_config.hpp"

#include "common/text.hpp"
#include "config/binder.hpp"
#include "config/connect_flat_config.hpp"
#include "isolation/checks.hpp"

namespace sluice::control {

std::optional<config::ConnectorSpec> spec_from_flat(const std::string& name, const FlatConfig& flat,
                                                    const config::PluginCatalog& plugins, const config::AccessPolicy& access,
                                                    config::Diagnostics& diags) {
    // Converters are Kafka Connect's business: sluice moves bytes. Tools send them anyway.
    FlatConfig relevant;
    for (const auto& [k, v] : flat)
        if (!text::starts_with(k, "key.converter") && !text::starts_with(k, "value.converter") &&
            !text::starts_with(k, "header.converter"))
            relevant[k] = v;
    return config::connector_from_flat(name, relevant, plugins, &access, diags);
}

config::IsolationPolicy isolation_of(const FlatConfig& flat, const config::IsolationPolicy& defaults,
                                     const config::AccessPolicy* access) {
    std::map<std::string, std::string> keys;
    for (const auto& [k, v] : flat)
        if (config::is_isolation_key(k)) keys[k] = v;
    config::Diagnostics ignored;
    const config::Resolved values = config::bind_flat(keys, config::connector_isolation_schema(),
                                                              config::BindScope{"", "", "", {}, {}, access}, ignored);
    return config::isolation_overrides_from(values).over(defaults);
}

std::optional<config::ConnectorSpec> spec_from_flat(const std::string& name, const FlatConfig& flat, const plugin::Registry& registry,
                                                    const config::AccessPolicy& access, config::Diagnostics& diags,
                                                    const runtime::Worker& worker) {
    const config::IsolationPolicy policy = isolation_of(flat, worker.config().plugin_isolation, &access);
    if (policy.mode != config::Isolation::process) return spec_from_flat(name, flat, registry, access, diags);
    const isolation::IsolatingCatalog isolated(registry, policy, worker.id(), name);
    return spec_from_flat(name, flat, isolated, access, diags);
}

std::string describe(const config::Diagnostics& diags) {
    std::string out;
    for (const auto& d : diags.items()) {
        if (!out.empty()) out += "; ";
        out += (d.key.empty() ? "" : d.key + ": ") + d.message;
    }
    return out;
}

FlatConfig shown_config(const runtime::ConnectorDefinition& d) {
    const auto& spec = d.spec;
    FlatConfig out;
    if (!d.flat.empty()) {
        out = d.flat;
        for (auto& [key, value] : out) {
            auto it = spec.config.find(key);
            if ((it != spec.config.end() && it->second.masked()) || value.find("${") != std::string::npos) value = kMask;
        }
        return out;
    }
    out["name"] = spec.name;
    out["connector.class"] = spec.plugin;
    out["tasks.max"] = std::to_string(spec.tasks);
    out[spec.kind == config::ConnectorKind::source ? "topic" : "topics"] = text::join(spec.topics, ",");
    for (const auto& [key, value] : spec.config)
        if (!value.defaulted) out[key] = value.display();
    return out;
}

void keep_masked_values(FlatConfig& incoming, const runtime::ConnectorDefinition& current) {
    FlatConfig shown = shown_config(current);
    for (auto& [key, value] : incoming) {
        if (value != kMask) continue;
        auto it = shown.find(key);
        auto stored = current.flat.find(key);
        if (it != shown.end() && it->second == kMask && stored != current.flat.end()) value = stored->second;
    }
}

}  // namespace sluice::control
