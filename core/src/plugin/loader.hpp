// Loads one plugin file and checks everything the ABI promises before any of it is used.
// A file that fails any check is refused with a reason that names it; the caller keeps
// going with the other files.
#pragma once

#include "plugin/loaded_plugin.hpp"

#include <string>
#include <variant>
#include <vector>

namespace sluice::plugin {

struct Refusal {
    std::string file;
    std::string reason;
};

// The plugins of the file, or why it was refused.
std::variant<std::vector<PluginPtr>, Refusal> load_plugin_file(const std::string& path);

// Converts the declared configuration of a descriptor; the first problem found otherwise.
std::variant<config::Schema, std::string> schema_from_abi(const sluice_plugin_descriptor& d);

}  // namespace sluice::plugin
