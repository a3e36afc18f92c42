// Kafka Connect's source offset records, byte for byte: key ["<connector>",{<partition>}],
// value {<offset>}, both compact JSON (what Connect's JsonConverter writes with schemas
// disabled). Partitions are compared in canonical form (keys sorted), so a plugin may
// spell its partition object in any key order.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice::offsets {

// Compact JSON with sorted keys, or nullopt when the text is not a JSON object.
std::optional<std::string> canonical_object(std::string_view json);

std::string encode_key(std::string_view connector, std::string_view canonical_partition);

struct DecodedKey {
    std::string connector;
    std::string partition;  // canonical
};
std::optional<DecodedKey> decode_key(std::string_view key);

}  // namespace sluice::offsets
