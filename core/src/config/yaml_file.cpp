#include "config/yaml_file.hpp"

#include <sluice/files.hpp>
#include "common/text.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

namespace sluice::config {
namespace {

constexpr size_t kMaxYamlFileBytes = 4 * 1024 * 1024;

// Where the second document of a stream starts: its first node, else its "---" line (or
// the first content after a "..." end marker).
Location second_document(const std::string& text, const std::string& name, const YAML::Node& doc) {
    if (doc.IsDefined() && !doc.IsNull() && !doc.Mark().is_null()) return {name, doc.Mark().line + 1, 1};
    bool started = false, ended = false;
    int line = 1;
    for (size_t pos = 0; pos <= text.size(); ++line) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        const std::string_view l = text::trim(std::string_view(text).substr(pos, end - pos));
        pos = end + 1;
        if (l.substr(0, 3) == "---") {
            if (started) return {name, line, 1};
            started = true;
        } else if (l.substr(0, 3) == "...") {
            ended = true;
        } else if (!l.empty() && l.front() != '#') {
            if (ended) return {name, line, 1};
            started = true;
        }
    }
    return {name, 0, 0};
}

std::optional<YamlDocument> parse(const std::string& text, const std::string& name, const std::string& base_dir,
                                  Diagnostics& diags) {
    // yaml-cpp takes any bytes; a byte that is not UTF-8 would reach JSON later and fail there
    // (or end up in a plugin's config), so the text is checked first, with its position.
    if (auto problem = text::text_file_problem(text)) {
        auto [line, column] = text::line_column(text, problem->offset);
        diags.add(Location{name, static_cast<int>(line), static_cast<int>(column)}, "", problem->what);
        return std::nullopt;
    }
    try {
        std::vector<YAML::Node> docs = YAML::LoadAll(text);
        if (docs.size() > 1) {
            diags.add(second_document(text, name, docs[1]), "",
                      "a second YAML document starts here; a pipeline or worker file holds exactly one (remove the '---' and what follows, or put it in its own file)");
            return std::nullopt;
        }
        YamlDocument doc{docs.empty() ? YAML::Node() : docs.front(), name, base_dir};
        return doc;
    } catch (const YAML::Exception& e) {
        Location where{name, e.mark.is_null() ? 0 : e.mark.line + 1, e.mark.is_null() ? 0 : e.mark.column + 1};
        diags.add(where, "", "invalid YAML: " + e.msg);
        return std::nullopt;
    }
}

}  // namespace

std::optional<YamlDocument> load_yaml_file(const std::string& path, Diagnostics& diags) {
    std::string error;
    auto text = files::read_regular_file(path, kMaxYamlFileBytes, error);
    if (!text) {
        diags.add({path}, "", "cannot read file: " + error + " (pipeline and worker files are regular files of at most " +
                                  files::describe_size(kMaxYamlFileBytes) + ")");
        return std::nullopt;
    }
    auto dir = std::filesystem::path(path).parent_path().string();
    return parse(*text, path, dir.empty() ? "." : dir, diags);
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
