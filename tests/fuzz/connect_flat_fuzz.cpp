// Kafka Connect flat maps (PUT /connectors/{name}/config, POST /connectors): the fuzz bytes
// are a connector name (first line) and key=value lines, converted by the REST layer's own
// spec_from_flat (converters dropped, connector.class, tasks.max, topic(s), transforms,
// predicates, errors.*, the plugin's keys bound against its real declaration). No exception
// may escape; refused maps have diagnostics; an accepted one is consistent; what the API
// would show of it never holds a secret or a value that came from ${env:} or ${file:}.
#include "fuzz_support.hpp"
#include "plugin_catalog.hpp"

#include "config/pipeline_config.hpp"
#include "rest/connector_view.hpp"

#include <string>

using namespace sluice;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto& catalog = fuzz::plugin_catalog();
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto nl = in.find('\n');
    const std::string name(in.substr(0, nl));
    rest::FlatConfig flat;
    while (nl != std::string_view::npos) {
        in.remove_prefix(nl + 1);
        nl = in.find('\n');
        std::string_view line = in.substr(0, nl);
        auto eq = line.find('=');
        flat[std::string(line.substr(0, eq))] = eq == std::string_view::npos ? "" : std::string(line.substr(eq + 1));
    }

    config::Diagnostics diags;
    std::optional<config::ConnectorSpec> spec;
    try {
        // As over REST: providers and local paths restricted (nothing allowed).
        static const config::AccessPolicy rest_access{true, "configurations sent over REST", {}, {}, {}};
        spec = rest::spec_from_flat(name, flat, catalog, rest_access, diags);
    } catch (const std::exception& e) {
        if (!fuzz::tolerated(e)) throw;
        return 0;
    }
    FUZZ_CHECK(spec.has_value() == diags.empty(), "refused without a reason or accepted with errors: " + rest::describe(diags));
    for (const auto& d : diags.items()) FUZZ_CHECK(!d.message.empty(), "a diagnostic without a message: " + d.format());
    if (!spec) return 0;

    FUZZ_CHECK(spec->name == name && !config::name_problem(name), "accepted connector name " + fuzz::excerpt(name));
    FUZZ_CHECK(catalog.find(spec->kind, spec->plugin) != nullptr, "accepted unknown plugin " + fuzz::excerpt(spec->plugin));
    FUZZ_CHECK(spec->tasks >= 1, "accepted tasks.max " + std::to_string(spec->tasks));
    FUZZ_CHECK(!spec->topics.empty(), "accepted without topics");
    for (const auto& t : spec->topics) FUZZ_CHECK(!config::topic_name_problem(t), "accepted topic " + fuzz::excerpt(t));

    // What GET /connectors/{name}/config shows: given as a flat map, and built from the spec.
    runtime::ConnectorDefinition given{*spec, flat, "", runtime::Origin::rest};
    auto shown = rest::shown_config(given);
    for (const auto& [key, value] : flat) {
        auto it = spec->config.find(key);
        if ((it != spec->config.end() && it->second.masked()) || value.find("${") != std::string::npos)
            FUZZ_CHECK(shown.at(key) == rest::kMask, "shown unmasked: " + fuzz::excerpt(key));
    }
    runtime::ConnectorDefinition built{*spec, {}, "", runtime::Origin::rest};
    for (const auto& [key, value] : rest::shown_config(built)) {
        auto it = spec->config.find(key);
        if (it != spec->config.end() && it->second.masked()) FUZZ_CHECK(value == rest::kMask, "shown unmasked: " + fuzz::excerpt(key));
    }
    return 0;
}
