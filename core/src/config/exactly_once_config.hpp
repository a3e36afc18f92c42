// A source connector's exactly-once keys (Kafka Connect's KIP-618; docs/exactly-once.md).
// Whether transactions are used at all is the worker's choice (exactly.once.source.support
// in the worker file); a connector says whether it insists on them and where its
// transactions end. Declared as a Schema so that YAML (beside `plugin`) and REST flat maps
// (beside `connector.class`) are checked by the same binder, like the isolation keys.
#pragma once

#include "config/diagnostics.hpp"
#include "config/schema.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::config {

// Where a transaction ends: after each poll's records, or after everything polled within
// an interval.
enum class TransactionBoundary { poll, interval };

struct ExactlyOncePolicy {
    bool required = false;  // exactly.once.support: requested (default) | required
    TransactionBoundary boundary = TransactionBoundary::poll;
    std::optional<int64_t> interval_ms;  // transaction.boundary.interval.ms; unset: the worker's offset.flush.interval.ms
};

// The longest transaction.boundary.interval.ms: a transaction must commit within the
// broker's transaction.max.timeout.ms (15 minutes by default), with room for the commit.
inline constexpr int64_t kMaxTransactionIntervalMs = 600000;

const Schema& exactly_once_schema();
// A connector map's key that belongs to the schema: one of its keys, or the head of one
// spelled as a nested YAML map ("transaction" of `transaction: {boundary: interval}`).
bool is_exactly_once_key(std::string_view key);
// The policy from bound values; checks what the schema cannot (an interval given with the
// poll boundary). `prefix` names the keys in messages ("source", "" over REST).
ExactlyOncePolicy exactly_once_from(const Resolved& values, const std::string& prefix, const Location& where, Diagnostics& diags);

// A connector that requires exactly-once delivery on a worker without
// exactly.once.source.support: the refusal (Kafka Connect refuses it too); nullopt when fine.
std::optional<std::string> exactly_once_refusal(const ExactlyOncePolicy& policy, bool worker_support);

}  // namespace sluice::config
