#include "config/yaml_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace sluice::config {
namespace {

std::optional<YamlDocument> parse(const std::string& text, const std::string& name, const std::string& base_dir,
                                  Diagnostics& diags) {
    try {
        YamlDocument doc{YAML::Load(text), name, base_dir};
        return doc;
    } catch (const YAML::Exception& e) {
        Location where{name, e.mark.is_null() ? 0 : e.mark.line + 1, e.mark.is_null() ? 0 : e.mark.column + 1};
        diags.add(where, "", "invalid YAML: " + e.msg);
        return std::nullopt;
    }
}

}  // namespace

std::optional<YamlDocument> load_yaml_file(const std::string& path, Diagnostics& diags) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        diags.add({path}, "", "is a directory, expected a YAML file");
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        diags.add({path}, "", std::string("cannot read file: ") + std::strerror(errno));
        return std::nullopt;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    auto dir = std::filesystem::path(path).parent_path().string();
    return parse(buf.str(), path, dir.empty() ? "." : dir, diags);
}

std::optional<YamlDocument> load_yaml_text(const std::string& text, const std::string& name, Diagnostics& diags) {
    return parse(text, name, ".", diags);
}

Location location(const std::string& file, const YAML::Node& node) {
    if (!node.IsDefined()) return {file};
    YAML::Mark m = node.Mark();
    if (m.is_null()) return {file};
    return {file, m.line + 1, m.column + 1};
}

std::string_view node_kind(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return "nothing";
    if (node.IsMap()) return "a map";
    if (node.IsSequence()) return "a list";
    return "a scalar";
}

std::vector<Entry> entries(const YAML::Node& map, const std::string& file, const std::string& key_prefix,
                           Diagnostics& diags) {
    std::vector<Entry> out;
    std::set<std::string> seen;
    for (const auto& pair : map) {  // yaml-cpp's it->first would dangle: its pair is a temporary
        YAML::Node k = pair.first;
        if (!k.IsScalar()) {
            diags.add(location(file, k), key_prefix, "keys must be plain names, got " + std::string(node_kind(k)));
            continue;
        }
        std::string key = k.Scalar();
        if (!seen.insert(key).second) {
            diags.add(location(file, k), key_prefix.empty() ? key : key_prefix + "." + key, "key given twice");
            continue;
        }
        out.push_back({key, k, pair.second});
    }
    return out;
}

}  // namespace sluice::config
