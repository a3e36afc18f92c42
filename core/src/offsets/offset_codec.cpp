#include "offsets/offset_codec.hpp"

#include <nlohmann/json.hpp>

namespace sluice::offsets {

std::optional<std::string> canonical_object(std::string_view json) {
    auto parsed = nlohmann::json::parse(json, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
    return parsed.dump();  // nlohmann objects keep keys sorted
}

std::string encode_key(std::string_view connector, std::string_view canonical_partition) {
    std::string out = "[";
    out += nlohmann::json(std::string(connector)).dump();
    out += ',';
    out += canonical_partition;
    out += ']';
    return out;
}

std::optional<DecodedKey> decode_key(std::string_view key) {
    auto parsed = nlohmann::json::parse(key, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_array() || parsed.size() != 2 || !parsed[0].is_string() ||
        !parsed[1].is_object())
        return std::nullopt;
    return DecodedKey{parsed[0].get<std::string>(), parsed[1].dump()};
}

}  // namespace sluice::offsets
