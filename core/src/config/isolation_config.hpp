// Where a connector's plugin runs (docs/plugin-isolation.md): in the worker's process, or
// in a plugin host process of its own per task, with a deadline per callback and a memory
// limit. The worker file sets the defaults (plugin.isolation, plugin.call.timeout.ms,
// plugin.memory.max.bytes); a connector may override each under the same name.
#pragma once

#include "config/schema.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::config {

enum class Isolation { in_process, process };
std::string_view isolation_name(Isolation mode);

struct IsolationPolicy {
    Isolation mode = Isolation::in_process;
    int64_t call_timeout_ms = 60000;
    int64_t memory_max_bytes = 4LL << 30;  // 0: no limit
};

// A connector's overrides: only what it set.
struct IsolationOverrides {
    std::optional<Isolation> mode;
    std::optional<int64_t> call_timeout_ms;
    std::optional<int64_t> memory_max_bytes;

    IsolationPolicy over(const IsolationPolicy& defaults) const {
        return {mode.value_or(defaults.mode), call_timeout_ms.value_or(defaults.call_timeout_ms),
                memory_max_bytes.value_or(defaults.memory_max_bytes)};
    }
};

// The three keys; with the worker's defaults (worker file) or without (a connector's).
std::vector<KeyDef> isolation_keys(bool with_defaults);
const Schema& connector_isolation_schema();
bool is_isolation_key(std::string_view key);
IsolationOverrides isolation_overrides_from(const Resolved& values);

}  // namespace sluice::config
