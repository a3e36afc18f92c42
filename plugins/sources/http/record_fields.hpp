// Reading a record of an API answer: a field by dotted path (flight.iata) or JSON Pointer
// (/flight/iata), its time (ISO 8601 text, or epoch seconds or milliseconds), and the
// Kafka key of the key fields.
#pragma once

#include <nlohmann/json.hpp>

#include <sluice/time_zone.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::http_source {

using Json = nlohmann::ordered_json;

// The field, or nullptr when absent.
const Json* find_path(const Json& record, const std::string& path);
// A time field as epoch ms: ISO 8601 text (UTC when it has no offset), or a number (epoch
// seconds below 10^11, else milliseconds).
std::optional<std::int64_t> time_of(const Json& value);
// The key: one field -> its value as JSON ("AF123"); several -> {"a":..,"b":..}. nullopt
// with `missing` set when a field is absent or null.
std::optional<std::string> key_of(const Json& record, const std::vector<std::string>& fields, std::string& missing);
// Compact JSON text (invalid UTF-8 replaced).
std::string dump(const Json& value);

}  // namespace sluice::http_source
