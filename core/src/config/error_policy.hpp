// A connector's error policy: Kafka Connect's errors.* settings (tolerance, retries,
// dead-letter topic, logging), declared as a Schema so that YAML (`errors:` map, keys
// without the prefix) and REST flat maps (`errors.` prefix) are checked by the same binder.
#pragma once

#include "config/diagnostics.hpp"
#include "config/schema.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::config {

enum class Tolerance { none, all };

struct ErrorPolicy {
    Tolerance tolerance = Tolerance::none;
    int64_t retry_timeout_ms = 0;          // 0: no retry (transforms); -1: retry forever
    int64_t retry_delay_max_ms = 60000;    // cap of one backoff wait
    std::string dlq_topic;                 // empty: no dead-letter topic
    int dlq_replication_factor = -1;       // -1: the cluster's default
    bool dlq_context_headers = false;
    bool log_enable = false;
    bool log_include_messages = false;
    bool fail_on_gap = false;  // sinks: records deleted before they were read fail the task

    bool has_dlq() const { return !dlq_topic.empty(); }
};

// The keys, without the "errors." prefix ("tolerance", "retry.timeout", ...).
const Schema& error_policy_schema();

// The policy from bound values; checks what the schema cannot (a dead-letter topic needs
// tolerance all, a valid topic name, not one of the connector's own topics). `prefix` names
// the keys in messages ("source.errors", "errors").
ErrorPolicy error_policy_from(const Resolved& values, const std::vector<std::string>& own_topics,
                              const std::string& prefix, const Location& where, Diagnostics& diags);

}  // namespace sluice::config
