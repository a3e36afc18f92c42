// Where plugins are looked for, first match wins: --plugin-dir, plugin.path in the
// worker file, $SLUICE_PLUGIN_PATH (colon-separated), then the plugins directory next to
// the binary (build tree: bin/../plugins; installed: bin/../lib/sluice/plugins).
#pragma once

#include "config/worker_config.hpp"

#include <optional>
#include <string>
#include <vector>

namespace sluice::app {

std::vector<std::string> plugin_path(const std::vector<std::string>& cli_dirs, const config::WorkerConfig& worker);

}  // namespace sluice::app
