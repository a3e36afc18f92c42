// Reading and changing a connector's offsets for GET/PATCH/DELETE /connectors/{name}/offsets
// (Kafka Connect's KIP-875). Source offsets live in the offsets topic (Kafka Connect's
// record format: written here as a task would, tombstones to reset); sink offsets are the
// committed offsets of the consumer group "sluice-<connector>", shown and taken as
// {"kafka_topic", "kafka_partition"} -> {"kafka_offset"}. Changes are only made while
// the connector is STOPPED (the handler checks), so no task races them.
#pragma once

#include "runtime/worker.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace sluice::rest {

// {"offsets": [{"partition": {...}, "offset": {...}}, ...]}; throws ApiError on Kafka errors.
nlohmann::json read_offsets(runtime::Worker& worker, const config::ConnectorSpec& spec);
// `offsets` is the request's array; a null offset resets that partition. Throws ApiError
// (400 for a malformed entry, 500 when Kafka refuses).
void alter_offsets(runtime::Worker& worker, const config::ConnectorSpec& spec, const nlohmann::json& offsets);
// Every partition reset.
void reset_offsets(runtime::Worker& worker, const config::ConnectorSpec& spec);

}  // namespace sluice::rest
