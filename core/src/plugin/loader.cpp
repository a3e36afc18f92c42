#include "plugin/loader.hpp"

#include "common/text.hpp"
#include "plugin/abi_config.hpp"
#include "plugin/call.hpp"

#include <boost/dll/shared_library.hpp>

#include <cstdio>
#include <fstream>
#include <set>

namespace sluice::plugin {
namespace {

using config::KeyDef;
using config::ValueType;

std::optional<std::string> elf_problem(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "cannot be read";
    char magic[4] = {0, 0, 0, 0};
    in.read(magic, 4);
    if (in.gcount() < 4 || magic[0] != 0x7f || magic[1] != 'E' || magic[2] != 'L' || magic[3] != 'F')
        return "not an ELF shared object (a plugin is a .so built with the sluice SDK)";
    return std::nullopt;
}

std::optional<ValueType> value_type(sluice_config_type t) {
    switch (t) {
    case SLUICE_CONFIG_STRING: return ValueType::string;
    case SLUICE_CONFIG_INT: return ValueType::integer;
    case SLUICE_CONFIG_DOUBLE: return ValueType::number;
    case SLUICE_CONFIG_BOOL: return ValueType::boolean;
    case SLUICE_CONFIG_LIST: return ValueType::list;
    case SLUICE_CONFIG_MAP: return ValueType::map;
    case SLUICE_CONFIG_JSON: return ValueType::json;
    default: return std::nullopt;
    }
}

bool valid_plugin_name(const char* name) {
    if (name == nullptr || *name == '\0') return false;
    for (const char* p = name; *p; ++p)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return false;
    return std::string_view(name).size() <= 64;
}

std::optional<std::string> vtable_problem(const sluice_plugin_descriptor& d, LoadedPlugin& out) {
    if (d.vtable == nullptr) return "has no callbacks (vtable is NULL)";
    if (d.kind == SLUICE_KIND_SOURCE) {
        const auto* vt = static_cast<const sluice_source_vtable*>(d.vtable);
        if (vt->struct_size < offsetof(sluice_source_vtable, poll) + sizeof(vt->poll)) return "source vtable too small";
        if (!vt->create || !vt->destroy || !vt->poll) return "source vtable lacks create, destroy or poll";
        out.kind = config::ConnectorKind::source;
        out.source = vt;
        return std::nullopt;
    }
    if (d.kind == SLUICE_KIND_SINK) {
        const auto* vt = static_cast<const sluice_sink_vtable*>(d.vtable);
        if (vt->struct_size < offsetof(sluice_sink_vtable, flush) + sizeof(vt->flush)) return "sink vtable too small";
        if (!vt->create || !vt->destroy || !vt->put || !vt->flush) return "sink vtable lacks create, destroy, put or flush";
        out.kind = config::ConnectorKind::sink;
        out.sink = vt;
        return std::nullopt;
    }
    if (d.kind == SLUICE_KIND_TRANSFORM) {
        const auto* vt = static_cast<const sluice_transform_vtable*>(d.vtable);
        if (vt->struct_size < offsetof(sluice_transform_vtable, apply) + sizeof(vt->apply)) return "transform vtable too small";
        if (!vt->create || !vt->destroy || !vt->apply) return "transform vtable lacks create, destroy or apply";
        out.kind = config::ConnectorKind::transform;
        out.transform = vt;
        return std::nullopt;
    }
    if (d.kind == SLUICE_KIND_PREDICATE) {
        const auto* vt = static_cast<const sluice_predicate_vtable*>(d.vtable);
        if (vt->struct_size < offsetof(sluice_predicate_vtable, test) + sizeof(vt->test)) return "predicate vtable too small";
        if (!vt->create || !vt->destroy || !vt->test) return "predicate vtable lacks create, destroy or test";
        out.kind = config::ConnectorKind::predicate;
        out.predicate = vt;
        return std::nullopt;
    }
    return "has unknown kind " + std::to_string(d.kind) + " (this worker runs sources, sinks, transforms and predicates)";
}

// The plugin's validate() as the configuration code calls it: the resolved values laid out
// for the ABI, every problem collected, messages made safe to show.
std::function<std::vector<config::ConfigProblem>(const config::Schema&, const config::Resolved&)> validator(
    sluice_status (*validate)(const sluice_config*, const sluice_config_problems*)) {
    return [validate](const config::Schema& schema, const config::Resolved& values) {
        std::vector<config::ConfigProblem> found;
        AbiConfig config(schema, values);
        sluice_config_problems sink{&found, [](void* opaque, const char* key, const char* message) {
                                        static_cast<std::vector<config::ConfigProblem>*>(opaque)->push_back(
                                            {key ? key : "", shown_message(message ? message : "")});
                                    }};
        sluice_status status = validate(config.get(), &sink);
        if (status != SLUICE_OK && found.empty()) found.push_back({"", "the plugin's validate() refused the configuration without saying why"});
        return found;
    };
}

}  // namespace

std::variant<config::Schema, std::string> schema_from_abi(const sluice_plugin_descriptor& d) {
    std::vector<KeyDef> keys;
    std::set<std::string> names;
    for (size_t i = 0; i < d.config_count; ++i) {
        const sluice_config_def* def = d.config ? d.config[i] : nullptr;
        if (def == nullptr || def->struct_size < offsetof(sluice_config_def, doc)) return "config key #" + std::to_string(i) + " is missing";
        if (def->name == nullptr || *def->name == '\0') return "config key #" + std::to_string(i) + " has no name";
        KeyDef k;
        k.name = def->name;
        if (!names.insert(k.name).second) return "config key '" + k.name + "' is declared twice";
        auto type = value_type(def->type);
        if (!type) return "config key '" + k.name + "' has unknown type " + std::to_string(def->type);
        k.type = *type;
        k.required = (def->flags & SLUICE_CONFIG_REQUIRED) != 0;
        k.secret = (def->flags & SLUICE_CONFIG_SECRET) != 0;
        k.local_path = (def->flags & SLUICE_CONFIG_LOCAL_PATH) != 0;
        if (def->doc) k.doc = def->doc;
        if (SLUICE_HAS_FIELD(def, sluice_config_def, default_value) && def->default_value)
            k.default_text = def->default_value;
        if (SLUICE_HAS_FIELD(def, sluice_config_def, max_value)) {
            if (def->flags & SLUICE_CONFIG_HAS_MIN) k.min = def->min_value;
            if (def->flags & SLUICE_CONFIG_HAS_MAX) k.max = def->max_value;
        }
        if (SLUICE_HAS_FIELD(def, sluice_config_def, allowed_count) && def->allowed != nullptr)
            for (size_t j = 0; j < def->allowed_count; ++j)
                if (def->allowed[j]) k.allowed.emplace_back(def->allowed[j]);
        if (k.default_text) {
            config::Value ignored;
            if (auto e = config::convert_scalar(k, *k.default_text, ignored))
                return "config key '" + k.name + "' has an invalid default: " + *e;
        }
        keys.push_back(std::move(k));
    }
    return config::Schema(std::move(keys));
}

std::variant<std::vector<PluginPtr>, Refusal> load_plugin_file(const std::string& path) {
    auto refuse = [&](std::string reason) { return Refusal{path, std::move(reason)}; };
    if (auto p = elf_problem(path)) return refuse(*p);

    auto library = std::make_shared<boost::dll::shared_library>();
    try {
        library->load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    } catch (const std::exception& e) {
        return refuse(std::string("cannot be loaded: ") + e.what());
    }
    if (!library->has(SLUICE_MANIFEST_SYMBOL))
        return refuse("has no " SLUICE_MANIFEST_SYMBOL
                      " symbol: not a sluice plugin (export one with SLUICE_SOURCE or SLUICE_SINK from sluice/sdk.hpp)");

    const sluice_manifest* m = nullptr;
    try {
        auto manifest_fn = library->get<const sluice_manifest*(uint32_t, uint32_t)>(SLUICE_MANIFEST_SYMBOL);
        m = manifest_fn(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
    } catch (const std::exception& e) {
        return refuse(std::string(SLUICE_MANIFEST_SYMBOL "() threw: ") + e.what());
    } catch (...) {
        return refuse(SLUICE_MANIFEST_SYMBOL "() threw an unknown exception");
    }
    if (m == nullptr) return refuse(SLUICE_MANIFEST_SYMBOL "() returned NULL: the plugin declined this worker");
    if (m->struct_size < offsetof(sluice_manifest, plugin_count) + sizeof(m->plugin_count))
        return refuse("manifest too small (struct_size " + std::to_string(m->struct_size) + ")");
    if (m->abi_major != SLUICE_ABI_MAJOR)
        return refuse("built for plugin ABI " + std::to_string(m->abi_major) + "." + std::to_string(m->abi_minor) +
                      ", this worker speaks ABI " + std::to_string(SLUICE_ABI_MAJOR) + ".x: rebuild the plugin against this SDK");
    if (m->abi_minor > SLUICE_ABI_MINOR)
        return refuse("built for plugin ABI " + std::to_string(m->abi_major) + "." + std::to_string(m->abi_minor) +
                      ", newer than this worker's " + std::to_string(SLUICE_ABI_MAJOR) + "." +
                      std::to_string(SLUICE_ABI_MINOR) + ": upgrade sluice or build against an older SDK");
    if (m->plugin_count == 0 || m->plugins == nullptr) return refuse("manifest lists no plugins");

    std::vector<PluginPtr> out;
    std::set<std::pair<int, std::string>> names;
    for (size_t i = 0; i < m->plugin_count; ++i) {
        const sluice_plugin_descriptor* d = m->plugins[i];
        if (d == nullptr || d->struct_size < offsetof(sluice_plugin_descriptor, vtable) + sizeof(d->vtable))
            return refuse("plugin descriptor #" + std::to_string(i) + " is missing or too small");
        if (!valid_plugin_name(d->name))
            return refuse("plugin descriptor #" + std::to_string(i) + " has an invalid name " +
                          text::shown(d->name ? d->name : "") + " (expected [a-z0-9_]+)");
        auto plugin = std::make_shared<LoadedPlugin>();
        plugin->name = d->name;
        if (auto p = vtable_problem(*d, *plugin)) return refuse("plugin '" + plugin->name + "' " + *p);
        if (!names.insert({d->kind, plugin->name}).second)
            return refuse("declares the " + std::string(config::kind_name(plugin->kind)) + " plugin '" + plugin->name + "' twice");
        auto schema = schema_from_abi(*d);
        if (auto* problem = std::get_if<std::string>(&schema)) return refuse("plugin '" + plugin->name + "': " + *problem);
        plugin->facts.schema = std::get<config::Schema>(std::move(schema));
        plugin->facts.max_tasks = d->max_tasks > 0 ? d->max_tasks : 0;
        if (SLUICE_HAS_FIELD(d, sluice_plugin_descriptor, validate) && d->validate != nullptr)
            plugin->facts.validate = validator(d->validate);
        plugin->version = d->version ? d->version : "unknown";
        plugin->description = d->description ? d->description : "";
        plugin->sdk_version = m->sdk_version ? m->sdk_version : "";
        plugin->file = path;
        plugin->library = library;
        out.push_back(std::move(plugin));
    }
    return out;
}

}  // namespace sluice::plugin
