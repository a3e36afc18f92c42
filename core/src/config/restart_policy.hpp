// A connector's restart policy: what the worker does when one of its tasks fails (Kafka
// Connect leaves it FAILED until someone calls the REST restart). Declared as a Schema so
// that YAML (`restart:` map, keys without the prefix) and REST flat maps (`restart.` prefix)
// are checked by the same binder, like the error policy.
#pragma once

#include "config/diagnostics.hpp"
#include "config/schema.hpp"

#include <cstdint>
#include <string>

namespace sluice::config {

struct RestartPolicy {
    bool on_failure = true;             // restart.policy: on-failure (default) | never
    int64_t backoff_initial_ms = 1000;  // wait before the first restart; doubles per attempt
    int64_t backoff_max_ms = 60000;     // cap of one wait
    int64_t max_attempts = -1;          // -1: for ever; 0: never restart (as policy never)
    int64_t reset_after_ms = 300000;    // a task that ran this long healthy counts from zero again
};

// The keys, without the "restart." prefix ("policy", "backoff.initial.ms", ...).
const Schema& restart_policy_schema();

// The policy from bound values; checks what the schema cannot (the initial wait not above
// the cap). `prefix` names the keys in messages ("source.restart", "restart").
RestartPolicy restart_policy_from(const Resolved& values, const std::string& prefix, const Location& where, Diagnostics& diags);

}  // namespace sluice::config
