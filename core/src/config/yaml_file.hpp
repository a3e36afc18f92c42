// Loading YAML with positions: parse errors and every later diagnostic point at file:line:col.
#pragma once

#include "config/access_policy.hpp"
#include "config/diagnostics.hpp"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

namespace sluice::config {

struct YamlDocument {
    YAML::Node root;
    std::string file;      // as given (shown in messages)
    std::string base_dir;  // for relative references inside the file
    const AccessPolicy* access = nullptr;  // what its values may reach; null: everything (the operator's file)
};

std::optional<YamlDocument> load_yaml_file(const std::string& path, Diagnostics& diags);
std::optional<YamlDocument> load_yaml_text(const std::string& text, const std::string& name, Diagnostics& diags);

// 1-based position of a node (its key when it is a map value, see key_location).
Location location(const std::string& file, const YAML::Node& node);

std::string_view node_kind(const YAML::Node& node);  // "a map", "a list", "a scalar", "nothing"

// Map entries in document order, with duplicate keys reported (yaml-cpp keeps them).
struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
};
std::vector<Entry> entries(const YAML::Node& map, const std::string& file, const std::string& key_prefix,
                           Diagnostics& diags);

}  // namespace sluice::config
