#include "plugin/abi_config.hpp"

namespace sluice::plugin {

AbiConfig::AbiConfig(const config::Schema& schema, const config::Resolved& values) {
    for (const auto& def : schema.keys()) {
        Entry& e = entries_.emplace_back();
        e.key = def.name;
        e.json = "null";
        if (auto it = values.find(def.name); it != values.end()) {
            e.set = true;
            e.text = it->second.text;
            e.json = it->second.json;
            e.items = it->second.items;
        }
        for (const auto& item : e.items) e.item_ptrs.push_back(item.c_str());
        e.value.key = e.key.c_str();
        e.value.text = e.set ? e.text.c_str() : nullptr;
        e.value.items = e.item_ptrs.empty() ? nullptr : e.item_ptrs.data();
        e.value.item_count = e.item_ptrs.size();
        e.value.json = e.json.c_str();
        pointers_.push_back(&e.value);
    }
    config_.values = pointers_.data();
    config_.count = pointers_.size();
}

}  // namespace sluice::plugin
