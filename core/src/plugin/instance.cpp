#include "plugin/instance.hpp"

#include "common/log.hpp"

namespace sluice::plugin {

namespace {
// An optional callback appended in a later ABI minor is absent from older plugins.
template <class VT, class F>
bool has_callback(const VT* vt, F VT::*field, size_t offset) {
    return vt != nullptr && vt->struct_size >= offset + sizeof(F) && vt->*field != nullptr;
}
// create and destroy of whichever kind the plugin is.
sluice_status create_any(const LoadedPlugin& p, const sluice_host* host, const sluice_config* c, void** handle,
                         sluice_error* e) {
    if (p.source) return p.source->create(host, c, handle, e);
    if (p.sink) return p.sink->create(host, c, handle, e);
    if (p.transform) return p.transform->create(host, c, handle, e);
    return p.predicate->create(host, c, handle, e);
}

void destroy_any(const LoadedPlugin& p, void* handle) {
    if (p.source) p.source->destroy(handle);
    else if (p.sink) p.sink->destroy(handle);
    else if (p.transform) p.transform->destroy(handle);
    else p.predicate->destroy(handle);
}
}  // namespace

std::variant<std::unique_ptr<Instance>, Outcome> Instance::create(PluginPtr plugin, const config::Resolved& config,
                                                                  const sluice_host* host) {
    auto abi_config = std::make_unique<AbiConfig>(plugin->facts.schema, config);
    std::unique_ptr<Instance> instance(new Instance(plugin, std::move(abi_config)));
    const sluice_config* c = instance->config_->get();
    void* handle = nullptr;
    Outcome out = call_plugin("create", [&](sluice_error* e) { return create_any(*plugin, host, c, &handle, e); });
    if (!out.ok()) {
        out.message = plugin->name + " (" + plugin->file + "): create failed: " + out.message;
        if (handle != nullptr) destroy_any(*plugin, handle);
        return out;
    }
    if (handle == nullptr) {
        out.status = SLUICE_FATAL;
        out.message = plugin->name + " (" + plugin->file + "): create returned OK without an instance";
        return out;
    }
    instance->handle_ = handle;
    return instance;
}

Outcome Instance::test(const LoadedPlugin& plugin, const config::Resolved& config, const sluice_host* host) {
    AbiConfig c(plugin.facts.schema, config);
    if (plugin.source && has_callback(plugin.source, &sluice_source_vtable::test, offsetof(sluice_source_vtable, test)))
        return call_plugin("test", [&](sluice_error* e) { return plugin.source->test(host, c.get(), e); });
    if (plugin.sink && has_callback(plugin.sink, &sluice_sink_vtable::test, offsetof(sluice_sink_vtable, test)))
        return call_plugin("test", [&](sluice_error* e) { return plugin.sink->test(host, c.get(), e); });
    return {};
}

Instance::~Instance() {
    if (handle_ == nullptr) return;
    try {
        destroy_any(*plugin_, handle_);
    } catch (...) {
        log::error("plugin ", plugin_->name, " threw from destroy");
    }
}

Outcome Instance::poll(sluice_batch_writer* out, int32_t timeout_ms) {
    return call_plugin("poll", [&](sluice_error* e) { return plugin_->source->poll(handle_, out, timeout_ms, e); });
}

Outcome Instance::commit(const sluice_source_offset* const* offsets, size_t count) {
    if (!has_callback(plugin_->source, &sluice_source_vtable::commit, offsetof(sluice_source_vtable, commit))) return {};
    return call_plugin("commit", [&](sluice_error* e) { return plugin_->source->commit(handle_, offsets, count, e); });
}

Outcome Instance::put(const sluice_record* const* records, size_t count) {
    return call_plugin("put", [&](sluice_error* e) { return plugin_->sink->put(handle_, records, count, e); });
}

Outcome Instance::flush(sluice_topic_partition* const* positions, size_t count) {
    return call_plugin("flush", [&](sluice_error* e) { return plugin_->sink->flush(handle_, positions, count, e); });
}

Outcome Instance::open(sluice_topic_partition* const* partitions, size_t count) {
    if (!has_callback(plugin_->sink, &sluice_sink_vtable::open, offsetof(sluice_sink_vtable, open))) return {};
    return call_plugin("open", [&](sluice_error* e) { return plugin_->sink->open(handle_, partitions, count, e); });
}

Outcome Instance::close(const sluice_topic_partition* const* partitions, size_t count) {
    if (!has_callback(plugin_->sink, &sluice_sink_vtable::close, offsetof(sluice_sink_vtable, close))) return {};
    return call_plugin("close", [&](sluice_error* e) { return plugin_->sink->close(handle_, partitions, count, e); });
}

Outcome Instance::apply(sluice_transform_record* record, int32_t* keep) {
    return call_plugin("apply", [&](sluice_error* e) { return plugin_->transform->apply(handle_, record, keep, e); });
}

Outcome Instance::test_record(sluice_transform_record* record, int32_t* result) {
    return call_plugin("test", [&](sluice_error* e) { return plugin_->predicate->test(handle_, record, result, e); });
}

}  // namespace sluice::plugin
