// Turns one record of an Opendatasoft answer (v2.1: the flat result object; v1: the
// record's "fields") into what the source emits: the key from key_fields, the value with
// geo_point_2d as {lat, lon} and geo_shape as a GeoJSON geometry, and the timestamp as a
// UTC instant. Field names are matched case-insensitively: portals changed the case of
// column names across years (Rennes: predefinedLocationReference / predefinedlocationreference).
#pragma once

#include "settings.hpp"
#include "time_zone.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::ods {

using Json = nlohmann::ordered_json;

// A record that cannot be mapped; `field` names the field at fault.
class MappingError : public std::runtime_error {
public:
    MappingError(std::string field, const std::string& message) : std::runtime_error(message), field_(std::move(field)) {}
    const std::string& field() const { return field_; }

private:
    std::string field_;
};

struct MappedRecord {
    std::string key;            // {"gid":1081}
    std::string key_id;         // the key values as compact JSON: 1081, or [1081,"x"] for several fields
    std::string value;          // the normalised record, compact JSON
    std::int64_t timestamp_ms = 0;
    std::uint64_t fingerprint = 0;  // of the compared fields (emit: changes)
};

// The member of `object` whose name equals `name` ignoring ASCII case, or nullptr.
const Json* find_field(const Json& object, std::string_view name);

// geo_point_2d in any of its spellings ({"lon":x,"lat":y}, [lat, lon], "lat, lon") as
// {"lat":y,"lon":x}; throws MappingError otherwise.
Json normalise_geo_point(const Json& value);
// geo_shape as a GeoJSON geometry: a Feature is unwrapped, a JSON string parsed.
Json normalise_geo_shape(const Json& value);

class RecordMapper {
public:
    RecordMapper(const Settings& settings, const TimeZone& zone);
    // Normalises `fields` in place and maps it. Throws MappingError.
    MappedRecord map(Json& fields) const;

private:
    const Settings& settings_;
    const TimeZone& zone_;
};

}  // namespace sluice::ods
