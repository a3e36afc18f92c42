// Sensor coordinates along a real road, for maps (`geo`): each of N sensors placed at
// an equal share of the route's length, as a geo_point_2d {lat, lon} field of its records.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::datagen {

struct GeoPoint {
    double lat = 0;
    double lon = 0;
};

// The routes `geo` accepts besides "none".
std::vector<std::string> geo_route_names();

// Where sensor `index` of `count` sits on `route`; nullopt for "none" or an unknown route.
std::optional<GeoPoint> sensor_position(const std::string& route, std::uint32_t index, std::uint32_t count);

}  // namespace sluice::datagen
