// One plugin as the worker holds it: its descriptor, its declared configuration as a
// Schema, and the library it lives in (kept loaded while anything references it).
#pragma once

#include "config/plugin_catalog.hpp"

#include <sluice/abi.h>

#include <memory>
#include <string>

namespace boost::dll {
class shared_library;
}

namespace sluice::plugin {

struct LoadedPlugin {
    config::ConnectorKind kind = config::ConnectorKind::source;
    std::string name;
    std::string version;
    std::string description;
    std::string file;  // the .so it came from
    std::string sdk_version;
    config::PluginFacts facts;
    const sluice_source_vtable* source = nullptr;  // by kind
    const sluice_sink_vtable* sink = nullptr;
    const sluice_transform_vtable* transform = nullptr;  // ABI 1.1
    const sluice_predicate_vtable* predicate = nullptr;  // ABI 1.1
    std::shared_ptr<boost::dll::shared_library> library;
};

using PluginPtr = std::shared_ptr<const LoadedPlugin>;

}  // namespace sluice::plugin
