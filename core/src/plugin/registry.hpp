// Every plugin the worker knows, found by scanning plugin directories. Rescanning loads
// new files only: running connectors keep the libraries they use.
#pragma once

#include "config/plugin_catalog.hpp"
#include "plugin/loaded_plugin.hpp"
#include "plugin/loader.hpp"

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace sluice::plugin {

class Registry : public config::PluginCatalog {
public:
    struct ScanReport {
        std::vector<PluginPtr> added;
        std::vector<Refusal> refused;
    };

    // Loads every *.so under the directories (not recursive) not loaded before.
    ScanReport scan(const std::vector<std::string>& directories);
    // Adds one file (tests, and single-file plugin paths).
    ScanReport add_file(const std::string& path);
    // Adds a plugin that lives in the process (the tasks' and worker's unit tests): false
    // when one of that kind and name is known already.
    bool add(PluginPtr plugin);

    PluginPtr get(config::ConnectorKind kind, std::string_view name) const;
    std::vector<PluginPtr> all() const;
    std::vector<Refusal> refused() const;

    const config::PluginFacts* find(config::ConnectorKind kind, std::string_view name) const override;
    std::vector<std::string> names(config::ConnectorKind kind) const override;

private:
    void add_locked(const std::string& path, ScanReport& report);

    mutable std::mutex mutex_;
    std::map<std::pair<config::ConnectorKind, std::string>, PluginPtr, std::less<>> plugins_;
    std::set<std::string> loaded_files_;
    std::map<std::string, Refusal> refused_;  // by file; a later scan retries them
};

}  // namespace sluice::plugin
