#include "plugin/instance.hpp"

#include "common/log.hpp"

namespace sluice::plugin {

namespace {
// An optional callback appended in a later ABI minor is absent from older plugins.
template <class VT, class F>
bool has_callback(const VT* vt, F VT::*field, size_t offset) {
    return vt != nullptr && vt->struct_size >= offset + sizeof(F) && vt->*field != nullptr;
}
}  // namespace

// Every kind's vtable starts with the same create and destroy: one creation for all.
template <class T, class VT>
std::variant<std::unique_ptr<T>, Outcome> create_typed(PluginPtr plugin, const VT* vt, const config::Resolved& config,
                                                       const sluice_host* host) {
    if (vt == nullptr) {
        Outcome wrong;
        wrong.status = SLUICE_FATAL;
        wrong.message = plugin->name + " (" + plugin->file + ") is a " + std::string(config::kind_name(plugin->kind)) +
                        " plugin, not of the kind asked for";
        return wrong;
    }
    auto abi_config = std::make_unique<AbiConfig>(plugin->facts.schema, config);
    std::unique_ptr<T> instance(new T(plugin, std::move(abi_config)));
    instance->vt_ = vt;
    const sluice_config* c = instance->config_->get();
    void* handle = nullptr;
    Outcome out = call_plugin("create", plugin->file.c_str(), [&](sluice_error* e) { return vt->create(host, c, &handle, e); });
    if (!out.ok()) {
        out.message = plugin->name + " (" + plugin->file + "): create failed: " + out.message;
        if (handle != nullptr) vt->destroy(handle);
        return out;
    }
    if (handle == nullptr) {
        out.status = SLUICE_FATAL;
        out.message = plugin->name + " (" + plugin->file + "): create returned OK without an instance";
        return out;
    }
    instance->handle_ = handle;
    instance->destroy_ = vt->destroy;
    return instance;
}

Instance::~Instance() {
    if (handle_ == nullptr || destroy_ == nullptr) return;
    try {
        destroy_(handle_);
    } catch (...) {
        log::error("plugin ", plugin_->name, " threw from destroy");
    }
}

std::variant<std::unique_ptr<SourceInstance>, Outcome> SourceInstance::create(PluginPtr plugin, const config::Resolved& config,
                                                                              const sluice_host* host) {
    const auto* vt = plugin->source;
    return create_typed<SourceInstance>(std::move(plugin), vt, config, host);
}

std::variant<std::unique_ptr<SinkInstance>, Outcome> SinkInstance::create(PluginPtr plugin, const config::Resolved& config,
                                                                          const sluice_host* host) {
    const auto* vt = plugin->sink;
    return create_typed<SinkInstance>(std::move(plugin), vt, config, host);
}

std::variant<std::unique_ptr<TransformInstance>, Outcome> TransformInstance::create(PluginPtr plugin, const config::Resolved& config,
                                                                                    const sluice_host* host) {
    const auto* vt = plugin->transform;
    return create_typed<TransformInstance>(std::move(plugin), vt, config, host);
}

std::variant<std::unique_ptr<PredicateInstance>, Outcome> PredicateInstance::create(PluginPtr plugin, const config::Resolved& config,
                                                                                    const sluice_host* host) {
    const auto* vt = plugin->predicate;
    return create_typed<PredicateInstance>(std::move(plugin), vt, config, host);
}

Outcome preflight(const LoadedPlugin& plugin, const config::Resolved& config, const sluice_host* host) {
    AbiConfig c(plugin.facts.schema, config);
    if (has_callback(plugin.source, &sluice_source_vtable::test, offsetof(sluice_source_vtable, test)))
        return call_plugin("test", plugin.file.c_str(), [&](sluice_error* e) { return plugin.source->test(host, c.get(), e); });
    if (has_callback(plugin.sink, &sluice_sink_vtable::test, offsetof(sluice_sink_vtable, test)))
        return call_plugin("test", plugin.file.c_str(), [&](sluice_error* e) { return plugin.sink->test(host, c.get(), e); });
    return {};
}

Outcome SourceInstance::poll(sluice_batch_writer* out, int32_t timeout_ms) {
    return call_plugin("poll", plugin_->file.c_str(), [&](sluice_error* e) { return vt_->poll(handle_, out, timeout_ms, e); });
}

Outcome SourceInstance::commit(const sluice_source_offset* const* offsets, size_t count) {
    if (!has_callback(vt_, &sluice_source_vtable::commit, offsetof(sluice_source_vtable, commit))) return {};
    return call_plugin("commit", plugin_->file.c_str(), [&](sluice_error* e) { return vt_->commit(handle_, offsets, count, e); });
}

Outcome SinkInstance::put(const sluice_record* const* records, size_t count) {
    return call_plugin("put", plugin_->file.c_str(), [&](sluice_error* e) { return vt_->put(handle_, records, count, e); });
}

Outcome SinkInstance::flush(sluice_topic_partition* const* positions, size_t count) {
    return call_plugin("flush", plugin_->file.c_str(), [&](sluice_error* e) { return vt_->flush(handle_, positions, count, e); });
}

Outcome SinkInstance::open(sluice_topic_partition* const* partitions, size_t count) {
    if (!has_callback(vt_, &sluice_sink_vtable::open, offsetof(sluice_sink_vtable, open))) return {};
    return call_plugin("open", plugin_->file.c_str(), [&](sluice_error* e) { return vt_->open(handle_, partitions, count, e); });
}

Outcome SinkInstance::close(const sluice_topic_partition* const* partitions, size_t count) {
    if (!has_callback(vt_, &sluice_sink_vtable::close, offsetof(sluice_sink_vtable, close))) return {};
    return call_plugin("close", plugin_->file.c_str(), [&](sluice_error* e) { return vt_->close(handle_, partitions, count, e); });
}

Outcome TransformInstance::apply(sluice_transform_record* record, int32_t* keep) {
    return call_plugin("apply", plugin_->file.c_str(), [&](sluice_error* e) { return vt_->apply(handle_, record, keep, e); });
}

Outcome PredicateInstance::test(sluice_transform_record* record, int32_t* result) {
    return call_plugin("test", plugin_->file.c_str(), [&](sluice_error* e) { return vt_->test(handle_, record, result, e); });
}

}  // namespace sluice::plugin
