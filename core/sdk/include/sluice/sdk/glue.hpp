// sluice/sdk/glue.hpp: what the export macros (SLUICE_SOURCE, SLUICE_SINK, SLUICE_TRANSFORM,
// SLUICE_PREDICATE) build on, shared by every plugin kind: one instance template that owns a
// plugin object with the context and configuration it was built from, exceptions turned into
// statuses of the C ABI, the descriptor registry and the one exported symbol,
// sluice_plugin_manifest. Each kind's header (source.hpp, sink.hpp, transform.hpp) adds only
// its own vtable entries. Plugin code does not use this header directly.
//
// Build plugins with -fvisibility=hidden -fvisibility-inlines-hidden (sluice_add_plugin()
// does): the macros then export sluice_plugin_manifest and nothing of the plugin's own.
#pragma once

#include <sluice/abi.h>
#include <sluice/sdk/config.hpp>
#include <sluice/sdk/context.hpp>
#include <sluice/sdk/errors.hpp>
#include <sluice/sdk/version.hpp>

#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::detail {

inline void set_error(sluice_error* err, std::string_view message, std::int64_t record_index = -1) {
    if (err == nullptr) return;
    err->record_index = record_index;
    if (err->message == nullptr || err->capacity == 0) return;
    std::size_t n = message.size() < err->capacity - 1 ? message.size() : err->capacity - 1;
    std::memcpy(err->message, message.data(), n);
    err->message[n] = '\0';
}

// Runs `body`; exceptions never leave the plugin, they become the ABI's statuses.
template <class F>
sluice_status guarded(sluice_error* err, F&& body) noexcept {
    try {
        body();
        return SLUICE_OK;
    } catch (const RetriableError& e) {
        set_error(err, e.what());
        return SLUICE_RETRY;
    } catch (const FatalError& e) {
        set_error(err, e.what());
        return SLUICE_FATAL;
    } catch (const RecordError& e) {
        set_error(err, e.what(), static_cast<std::int64_t>(e.index()));
        return SLUICE_ERROR;
    } catch (const std::exception& e) {
        set_error(err, e.what());
        return SLUICE_ERROR;
    } catch (...) {
        set_error(err, "unknown exception");
        return SLUICE_ERROR;
    }
}

struct NoScratch {};

// One live instance of a plugin of any kind, behind the ABI's `void* instance`. The plugin
// object keeps references to the context and configuration, so they live here beside it;
// `Scratch` is per-call storage a kind needs (transforms: the bytes they hand back).
template <class T, class Scratch = NoScratch>
struct Instance {
    Instance(const sluice_host* host, const sluice_config* config)
        : context(host), config(config), task(std::make_unique<T>(this->config, context)) {}
    TaskContext context;
    Config config;
    [[no_unique_address]] Scratch scratch;
    std::unique_ptr<T> task;

    static Instance& of(void* instance) { return *static_cast<Instance*>(instance); }
};

// Exceptions from a constructor mean the instance cannot start at all.
template <class I>
sluice_status create(const sluice_host* host, const sluice_config* config, void** instance, sluice_error* err) {
    sluice_status status = guarded(err, [&] { *instance = new I(host, config); });
    return status == SLUICE_OK ? SLUICE_OK : SLUICE_FATAL;
}

template <class I>
void destroy(void* instance) {
    delete static_cast<I*>(instance);
}

// The entries every kind's vtable starts with.
template <class Vtable, class I>
Vtable lifecycle() {
    Vtable v{};
    v.struct_size = sizeof(Vtable);
    v.create = &create<I>;
    v.destroy = &destroy<I>;
    return v;
}

template <class T>
constexpr bool has_test = requires(const Config& c, TaskContext& ctx) { T::test(c, ctx); };

template <class T>
constexpr bool has_validate = requires(const Config& c, ConfigProblems& p) { T::validate(c, p); };

template <class T>
sluice_status test(const sluice_host* host, const sluice_config* config, sluice_error* err) {
    return guarded(err, [&] {
        Config c(config);
        TaskContext ctx(host);
        T::test(c, ctx);
    });
}

// An exception from validate() is a problem of its own, never a crash.
template <class T>
sluice_status validate_config(const sluice_config* config, const sluice_config_problems* problems) noexcept {
    ConfigProblems found(problems);
    try {
        Config c(config);
        T::validate(c, found);
    } catch (const std::exception& e) {
        found.add("", e.what());
    } catch (...) {
        found.add("", "validate() failed");
    }
    return found.count() == 0 ? SLUICE_OK : SLUICE_ERROR;
}

template <class T>
constexpr int max_tasks() {
    if constexpr (requires { T::max_tasks; }) return T::max_tasks;
    else return 0;
}

// Registered descriptors form a list per shared object. Hidden visibility keeps each
// plugin's list its own even when several plugins are loaded into one process.
struct RegistryNode {
    const sluice_plugin_descriptor* descriptor;
    RegistryNode* next;
};
__attribute__((visibility("hidden"))) inline RegistryNode* registry_head = nullptr;

// Owns everything a descriptor points to; lives as long as the library.
template <class Vtable>
struct Registration {
    std::string name, version, description;
    std::vector<ConfigKey> keys;
    std::vector<const sluice_config_def*> defs;
    Vtable vtable{};
    sluice_plugin_descriptor descriptor{};
    RegistryNode node{};
};

// Adds plugin class T of `kind` with its vtable to this library's manifest.
template <class T, class Vtable>
bool enlist(sluice_plugin_kind kind, const char* name, const char* version, const char* description, const Vtable& vtable) {
    auto* s = new Registration<Vtable>();  // lives until the library is unloaded
    s->name = name;
    s->version = version;
    s->description = description;
    if constexpr (requires { T::config_keys(); }) s->keys = T::config_keys();
    for (auto& k : s->keys) s->defs.push_back(k.def());
    s->vtable = vtable;
    s->descriptor.struct_size = sizeof(sluice_plugin_descriptor);
    s->descriptor.kind = kind;
    s->descriptor.name = s->name.c_str();
    s->descriptor.version = s->version.c_str();
    s->descriptor.description = s->description.c_str();
    s->descriptor.config = s->defs.empty() ? nullptr : s->defs.data();
    s->descriptor.config_count = s->defs.size();
    s->descriptor.max_tasks = max_tasks<T>();
    s->descriptor.vtable = &s->vtable;
    if constexpr (has_validate<T>) s->descriptor.validate = &validate_config<T>;
    s->node.descriptor = &s->descriptor;
    s->node.next = registry_head;
    registry_head = &s->node;
    return true;
}

__attribute__((visibility("hidden"))) inline const sluice_manifest* build_manifest() {
    static std::vector<const sluice_plugin_descriptor*> plugins;
    static const sluice_manifest manifest = [] {
        for (RegistryNode* n = registry_head; n != nullptr; n = n->next) plugins.insert(plugins.begin(), n->descriptor);
        sluice_manifest m{};
        m.struct_size = sizeof(sluice_manifest);
        m.abi_major = SLUICE_ABI_MAJOR;
        m.abi_minor = SLUICE_ABI_MINOR;
        m.sdk_version = SLUICE_SDK_VERSION;
        m.plugins = plugins.data();
        m.plugin_count = plugins.size();
        return m;
    }();
    return &manifest;
}

}  // namespace sluice::detail

// The one exported symbol. Weak, so that every translation unit of a plugin may include
// the SDK; the linker keeps one copy.
extern "C" SLUICE_EXPORT __attribute__((weak)) const sluice_manifest* sluice_plugin_manifest(uint32_t host_abi_major,
                                                                                            uint32_t host_abi_minor) {
    (void)host_abi_major;
    (void)host_abi_minor;
    return sluice::detail::build_manifest();
}

#define SLUICE_DETAIL_CONCAT2(a, b) a##b
#define SLUICE_DETAIL_CONCAT(a, b) SLUICE_DETAIL_CONCAT2(a, b)

// Registers Class through `registrar` when the library is loaded (see the kinds' macros).
#define SLUICE_DETAIL_REGISTER(registrar, Class, name, version, description)                     \
    [[maybe_unused]] static const bool SLUICE_DETAIL_CONCAT(sluice_registered_, __COUNTER__) =        \
        ::sluice::detail::registrar<Class>(name, version, description);
