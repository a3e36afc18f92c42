// A resolved configuration laid out as the C ABI's sluice_config, owning every string it
// points to. One entry per declared key, so a plugin can tell "unset" from "absent".
#pragma once

#include "config/schema.hpp"

#include <sluice/abi.h>

#include <deque>
#include <string>
#include <vector>

namespace sluice::plugin {

class AbiConfig {
public:
    AbiConfig(const config::Schema& schema, const config::Resolved& values);
    AbiConfig(const AbiConfig&) = delete;
    AbiConfig& operator=(const AbiConfig&) = delete;

    const sluice_config* get() const { return &config_; }

private:
    struct Entry {
        std::string key;
        std::string text;
        bool set = false;
        std::string json;
        std::vector<std::string> items;
        std::vector<const char*> item_ptrs;
        sluice_config_value value{};
    };
    std::deque<Entry> entries_;  // stable addresses
    std::vector<const sluice_config_value*> pointers_;
    sluice_config config_{};
};

}  // namespace sluice::plugin
