#include "plugin/registry.hpp"

#include "common/log.hpp"

#include <algorithm>
#include <filesystem>

namespace sluice::plugin {

namespace fs = std::filesystem;

Registry::ScanReport Registry::scan(const std::vector<std::string>& directories) {
    ScanReport report;
    std::vector<std::string> files;
    for (const auto& dir : directories) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) {
            report.refused.push_back({dir, "plugin directory does not exist or is not a directory"});
            continue;
        }
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            if (entry.path().extension() == ".so" && !entry.is_directory(ec)) files.push_back(entry.path().string());
        }
    }
    std::sort(files.begin(), files.end());  // deterministic: the first file wins a name clash
    std::lock_guard lock(mutex_);
    for (const auto& f : files) add_locked(fs::weakly_canonical(f).string(), report);
    return report;
}

Registry::ScanReport Registry::add_file(const std::string& path) {
    ScanReport report;
    std::lock_guard lock(mutex_);
    add_locked(fs::weakly_canonical(path).string(), report);
    return report;
}

void Registry::add_locked(const std::string& path, ScanReport& report) {
    if (loaded_files_.count(path)) return;
    auto result = load_plugin_file(path);
    if (auto* refusal = std::get_if<Refusal>(&result)) {
        refused_[path] = *refusal;
        report.refused.push_back(*refusal);
        log::warn("plugin file ", path, " refused: ", refusal->reason);
        return;
    }
    auto& plugins = std::get<std::vector<PluginPtr>>(result);
    for (const auto& p : plugins) {
        auto it = plugins_.find(std::make_pair(p->kind, p->name));
        if (it != plugins_.end()) {
            Refusal r{path, "declares the " + std::string(config::kind_name(p->kind)) + " plugin '" + p->name +
                                "', already provided by " + it->second->file};
            refused_[path] = r;
            report.refused.push_back(r);
            log::warn("plugin file ", path, " refused: ", r.reason);
            return;
        }
    }
    refused_.erase(path);
    loaded_files_.insert(path);
    for (auto& p : plugins) {
        log::debug("loaded ", config::kind_name(p->kind), " plugin ", p->name, " ", p->version, " from ", path);
        plugins_.emplace(std::make_pair(p->kind, p->name), p);
        report.added.push_back(p);
    }
}

bool Registry::add(PluginPtr plugin) {
    std::lock_guard lock(mutex_);
    return plugins_.emplace(std::make_pair(plugin->kind, plugin->name), plugin).second;
}

PluginPtr Registry::get(config::ConnectorKind kind, std::string_view name) const {
    std::lock_guard lock(mutex_);
    auto it = plugins_.find(std::make_pair(kind, std::string(name)));
    return it == plugins_.end() ? nullptr : it->second;
}

std::vector<PluginPtr> Registry::all() const {
    std::lock_guard lock(mutex_);
    std::vector<PluginPtr> out;
    for (const auto& [key, p] : plugins_) out.push_back(p);
    return out;
}

std::vector<Refusal> Registry::refused() const {
    std::lock_guard lock(mutex_);
    std::vector<Refusal> out;
    for (const auto& [file, r] : refused_) out.push_back(r);
    return out;
}

const config::PluginFacts* Registry::find(config::ConnectorKind kind, std::string_view name) const {
    auto p = get(kind, name);
    return p ? &p->facts : nullptr;  // plugins are never removed, so the pointer stays valid
}

std::vector<std::string> Registry::names(config::ConnectorKind kind) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [key, p] : plugins_)
        if (key.first == kind) out.push_back(p->name);
    return out;
}

}  // namespace sluice::plugin
