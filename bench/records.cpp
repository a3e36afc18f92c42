#include "records.hpp"

#include "config/pipeline_config.hpp"
#include "plugin/instance.hpp"
#include "plugin/registry.hpp"
#include "runtime/source_batch.hpp"
#include "runtime/task_host.hpp"

#include <atomic>
#include <stdexcept>

namespace bench {

RecordSet RecordSet::generate(const std::string& plugin_dir, const std::string& pipeline_file, size_t count) {
    using namespace sluice;
    plugin::Registry registry;
    registry.scan({plugin_dir});
    config::Diagnostics diags;
    auto pipeline = config::load_pipeline(pipeline_file, registry, diags);
    if (!pipeline) throw std::runtime_error("pipeline " + pipeline_file + " is invalid:\n" + diags.format());
    const config::ConnectorSpec* source = nullptr;
    for (const auto& c : pipeline->connectors)
        if (c.kind == config::ConnectorKind::source) source = &c;
    if (source == nullptr) throw std::runtime_error("pipeline " + pipeline_file + " has no source");
    auto loaded = registry.get(config::ConnectorKind::source, source->plugin);
    if (!loaded) throw std::runtime_error("plugin " + source->plugin + " not found in " + plugin_dir);

    std::atomic<bool> stop{false};
    runtime::TaskHost host("bench", source->name, source->plugin, 0, source->tasks, nullptr, &stop);
    auto created = plugin::SourceInstance::create(loaded, source->config, host.get());
    if (auto* outcome = std::get_if<plugin::Outcome>(&created))
        throw std::runtime_error("cannot create " + source->plugin + ": " + outcome->message);
    auto instance = std::get<std::unique_ptr<plugin::SourceInstance>>(std::move(created));

    RecordSet set;
    set.records_.reserve(count);
    runtime::SourceBatch batch(10000);
    while (set.records_.size() < count) {
        batch.clear();
        plugin::Outcome out = instance->poll(batch.writer(), 100);
        if (!out.ok()) throw std::runtime_error(source->plugin + " poll failed: " + out.message);
        if (batch.empty()) throw std::runtime_error(source->plugin + " stopped after " + std::to_string(set.size()) +
                                                    " records; " + std::to_string(count) + " were asked");
        if (set.arena_.empty()) set.arena_.reserve(batch.payload_bytes() * (count / batch.size() + 1) * 11 / 10);
        for (size_t i = 0; i < batch.size() && set.records_.size() < count; ++i) {
            const auto& r = batch[i];
            Record rec;
            rec.timestamp_ms = r.timestamp_ms;
            rec.key_null = r.key.null;
            rec.value_null = r.value.null;
            rec.key = set.arena_.size();
            rec.key_size = r.key.size;
            auto k = batch.view(r.key);
            set.arena_.insert(set.arena_.end(), k.begin(), k.end());
            rec.value = set.arena_.size();
            rec.value_size = r.value.size;
            auto v = batch.view(r.value);
            set.arena_.insert(set.arena_.end(), v.begin(), v.end());
            set.payload_bytes_ += r.key.size + r.value.size;
            set.key_bytes_ += r.key.size;
            set.records_.push_back(rec);
        }
    }
    return set;
}

double RecordSet::mean_key_size() const {
    return records_.empty() ? 0 : static_cast<double>(key_bytes_) / static_cast<double>(records_.size());
}

double RecordSet::mean_value_size() const {
    return records_.empty() ? 0 : static_cast<double>(payload_bytes_ - key_bytes_) / static_cast<double>(records_.size());
}

std::string RecordSet::describe_first() const {
    if (records_.empty()) return "(none)";
    const Record& r = records_.front();
    std::string k = r.key_null ? "null" : std::string(arena_.data() + r.key, r.key_size);
    std::string v = r.value_null ? "null" : std::string(arena_.data() + r.value, r.value_size);
    return "key " + k + ", value " + v;
}

}  // namespace bench
