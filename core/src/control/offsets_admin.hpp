// Reading and changing a connector's offsets (Kafka Connect's KIP-875). Source offsets live
// in the offsets topic (Kafka Connect's record format: written here as a task would,
// tombstones to reset); sink offsets are the committed offsets of the connector's consumer
// group, shown and taken as {"kafka_topic", "kafka_partition"} -> {"kafka_offset"}. Callers
// change them only while the connector is STOPPED (ControlPlane checks), so no task races them.
#pragma once

#include "runtime/worker.hpp"

#include <nlohmann/json.hpp>

namespace sluice::control {

// {"offsets": [{"partition": {...}, "offset": {...}}, ...]}; throws control::Error on Kafka errors.
nlohmann::json read_offsets(runtime::Worker& worker, const config::ConnectorSpec& spec);
// `offsets` is the request's array; a null offset resets that partition. Throws
// control::Error (invalid for a malformed entry, unavailable when Kafka refuses).
void alter_offsets(runtime::Worker& worker, const config::ConnectorSpec& spec, const nlohmann::json& offsets);
// Every partition reset.
void reset_offsets(runtime::Worker& worker, const config::ConnectorSpec& spec);

}  // namespace sluice::control
