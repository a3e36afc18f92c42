// OpenWeather current weather (https://openweathermap.org/current): request URLs and the
// answer read far enough to know when the observation was made.
#pragma once

#include "locations.hpp"
#include "open_meteo.hpp"  // BadResponse

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::weather {

struct OpenWeatherQuery {
    std::string base_url;  // scheme://host[:port][/prefix], no trailing slash
    std::string api_key;   // sent as appid: never logged (sluice::http::redact_url masks it)
    std::string units;     // standard, metric or imperial
    std::string lang;      // empty: the API's default (English)
};

inline constexpr const char* kOpenWeatherBase = "https://api.openweathermap.org";

std::string openweather_url(const OpenWeatherQuery& query, const Location& location);

struct Observation {
    std::int64_t dt = 0;                 // observation time, Unix seconds UTC
    std::int64_t timezone_offset = 0;    // the answer's `timezone`: seconds east of UTC
    std::string json;                    // the answer as received, compact
};

// Parses a 200 answer of /data/2.5/weather. Throws BadResponse.
Observation parse_observation(std::string_view body);

// The `message` of an error answer {"cod":401,"message":"..."} (cod int or string), if any.
std::optional<std::string> openweather_error_message(std::string_view body);

}  // namespace sluice::weather
