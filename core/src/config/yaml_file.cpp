#include "config/yaml_file.hpp"

#include <sluice/files.hpp>
#include <yaml-cpp/eventhandler.h>
#include "common/text.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

namespace sluice::config {
namespace {

constexpr size_t kMaxYamlFileBytes = 4 * 1024 * 1024;

// Where the second document of a stream starts: its first node, else its "---" line (or
// the first content after a "..." end marker), else where the parser started it.
Location second_document(const std::string& text, const std::string& name, std::optional<YAML::Mark> first_node,
                         const YAML::Mark& start) {
    if (first_node) return {name, first_node->line + 1, 1};
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
    return {name, std::max(start.line, 0) + 1, std::max(start.column, 0) + 1};
}

// Counts the documents of a stream, reading at most two. yaml-cpp 0.7's LoadAll never ends
// on some inputs: after a stray ',' at the top level every call yields another empty
// document without consuming anything (the process grows until it dies). A bounded parser
// tells a second document from that: a real one starts further on.
class DocumentCounter : public YAML::EventHandler {
public:
    std::vector<YAML::Mark> starts;
    std::optional<YAML::Mark> second_node;  // the second document's first node

    void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override { node(mark); }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        node(mark);
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        node(mark);
    }
    void OnMapEnd() override {}

private:
    void node(const YAML::Mark& mark) {
        if (starts.size() == 2 && !second_node) second_node = mark;
    }
};

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
        std::istringstream in(text);
        YAML::Parser parser(in);
        DocumentCounter counter;
        for (int i = 0; i < 2 && parser.HandleNextDocument(counter); ++i) {
        }
        if (counter.starts.size() > 1 && counter.starts[1].pos <= counter.starts[0].pos) {
            const YAML::Mark& at = counter.starts[1];
            const size_t pos = static_cast<size_t>(std::max(at.pos, 0));
            diags.add(Location{name, at.line + 1, at.column + 1}, "",
                      "invalid YAML: unexpected " +
                          (pos < text.size() ? "'" + text::shown(text.substr(pos, 1)) + "'" : std::string("end")) +
                          " outside of a flow collection ([...] or {...})");
            return std::nullopt;
        }
        if (counter.starts.size() > 1) {
            diags.add(second_document(text, name, counter.second_node, counter.starts[1]), "",
                      "a second YAML document starts here; a pipeline or worker file holds exactly one (remove the '---' and what follows, or put it in its own file)");
            return std::nullopt;
        }
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
