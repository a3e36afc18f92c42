// One live task instance of a plugin: created through the ABI, destroyed with it, and the
// library kept loaded for as long as the instance lives.
#pragma once

#include "plugin/abi_config.hpp"
#include "plugin/call.hpp"
#include "plugin/loaded_plugin.hpp"

#include <memory>
#include <variant>

namespace sluice::plugin {

class Instance {
public:
    ~Instance();
    Instance(const Instance&) = delete;
    Instance& operator=(const Instance&) = delete;

    // Creates the instance; on failure the outcome carries the plugin's message.
    static std::variant<std::unique_ptr<Instance>, Outcome> create(PluginPtr plugin, const config::Resolved& config,
                                                                   const sluice_host* host);
    // Runs the plugin's pre-flight check (OK when it has none).
    static Outcome test(const LoadedPlugin& plugin, const config::Resolved& config, const sluice_host* host);

    const LoadedPlugin& plugin() const { return *plugin_; }

    // Sources.
    Outcome poll(sluice_batch_writer* out, int32_t timeout_ms);
    Outcome commit(const sluice_source_offset* const* offsets, size_t count);
    bool has_commit() const { return plugin_->source && plugin_->source->commit; }

    // Sinks.
    Outcome put(const sluice_record* const* records, size_t count);
    Outcome flush(sluice_topic_partition* const* positions, size_t count);
    Outcome open(sluice_topic_partition* const* partitions, size_t count);
    Outcome close(const sluice_topic_partition* const* partitions, size_t count);

    // Transforms (ABI 1.1).
    Outcome apply(sluice_transform_record* record, int32_t* keep);
    // Predicates (ABI 1.1).
    Outcome test_record(sluice_transform_record* record, int32_t* result);

private:
    Instance(PluginPtr plugin, std::unique_ptr<AbiConfig> config) : plugin_(std::move(plugin)), config_(std::move(config)) {}

    PluginPtr plugin_;  // declared first: destroyed last, after the instance is gone
    std::unique_ptr<AbiConfig> config_;
    void* handle_ = nullptr;
};

}  // namespace sluice::plugin
