// The plugin catalog of the configuration targets: the real plugin files of the fuzz build
// (datagen, file, blackhole, the standard transforms), loaded once by the worker's own
// registry, so the binder checks real declared keys.
#pragma once

#include "plugin/registry.hpp"

namespace sluice::fuzz {

// Loads SLUICE_FUZZ_PLUGIN_DIR on first use; aborts when a plugin the targets expect is
// missing (a fuzz run without them would silently cover much less). Logs are silenced.
plugin::Registry& plugin_catalog();

}  // namespace sluice::fuzz
