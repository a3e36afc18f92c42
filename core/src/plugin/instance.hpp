// One live task instance of a plugin, typed by kind (SourceInstance, SinkInstance,
// TransformInstance, PredicateInstance: each offers its kind's callbacks only): created
// through the ABI, destroyed with it, and the library kept loaded while it lives.
#pragma once

#include "plugin/abi_config.hpp"
#include "plugin/call.hpp"
#include "plugin/loaded_plugin.hpp"
#include "plugin/task_plugin.hpp"

#include <memory>
#include <variant>

namespace sluice::plugin {

// What every kind of instance shares: the plugin, its configuration, the handle.
class Instance {
public:
    virtual ~Instance();
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;
    const LoadedPlugin& plugin() const { return *plugin_; }

protected:
    using Destroy = void (*)(void*);
    Instance(PluginPtr plugin, std::unique_ptr<AbiConfig> config) : plugin_(std::move(plugin)), config_(std::move(config)) {}
    template <class T, class VT>
    friend std::variant<std::unique_ptr<T>, Outcome> create_typed(PluginPtr plugin, const VT* vt, const config::Resolved& config,
                                                                  const sluice_host* host);

    PluginPtr plugin_;  // declared first: destroyed last, after the instance is gone
    std::unique_ptr<AbiConfig> config_;
    void* handle_ = nullptr;
    Destroy destroy_ = nullptr;
};

class SourceInstance final : public Instance, public Source {
public:
    // Creates the instance; on failure the outcome carries the plugin's message.
    static std::variant<std::unique_ptr<SourceInstance>, Outcome> create(PluginPtr plugin, const config::Resolved& config,
                                                                         const sluice_host* host);
    Outcome poll(sluice_batch_writer* out, int32_t timeout_ms) override;
    Outcome commit(const sluice_source_offset* const* offsets, size_t count) override;

private:
    using Instance::Instance;
    template <class T, class VT>
    friend std::variant<std::unique_ptr<T>, Outcome> create_typed(PluginPtr, const VT*, const config::Resolved&, const sluice_host*);
    const sluice_source_vtable* vt_ = nullptr;
};

class SinkInstance final : public Instance, public Sink {
public:
    static std::variant<std::unique_ptr<SinkInstance>, Outcome> create(PluginPtr plugin, const config::Resolved& config,
                                                                       const sluice_host* host);
    Outcome put(const sluice_record* const* records, size_t count) override;
    Outcome flush(sluice_topic_partition* const* positions, size_t count) override;
    Outcome open(sluice_topic_partition* const* partitions, size_t count) override;
    Outcome close(const sluice_topic_partition* const* partitions, size_t count) override;

private:
    using Instance::Instance;
    template <class T, class VT>
    friend std::variant<std::unique_ptr<T>, Outcome> create_typed(PluginPtr, const VT*, const config::Resolved&, const sluice_host*);
    const sluice_sink_vtable* vt_ = nullptr;
};

// ABI 1.1.
class TransformInstance final : public Instance {
public:
    static std::variant<std::unique_ptr<TransformInstance>, Outcome> create(PluginPtr plugin, const config::Resolved& config,
                                                                            const sluice_host* host);
    Outcome apply(sluice_transform_record* record, int32_t* keep);

private:
    using Instance::Instance;
    template <class T, class VT>
    friend std::variant<std::unique_ptr<T>, Outcome> create_typed(PluginPtr, const VT*, const config::Resolved&, const sluice_host*);
    const sluice_transform_vtable* vt_ = nullptr;
};

// ABI 1.1.
class PredicateInstance final : public Instance {
public:
    static std::variant<std::unique_ptr<PredicateInstance>, Outcome> create(PluginPtr plugin, const config::Resolved& config,
                                                                            const sluice_host* host);
    Outcome test(sluice_transform_record* record, int32_t* result);

private:
    using Instance::Instance;
    template <class T, class VT>
    friend std::variant<std::unique_ptr<T>, Outcome> create_typed(PluginPtr, const VT*, const config::Resolved&, const sluice_host*);
    const sluice_predicate_vtable* vt_ = nullptr;
};

// Runs a source's or sink's pre-flight check (OK when it has none).
Outcome preflight(const LoadedPlugin& plugin, const config::Resolved& config, const sluice_host* host);

}  // namespace sluice::plugin
