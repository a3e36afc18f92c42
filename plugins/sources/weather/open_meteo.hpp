// Open-Meteo (https://open-meteo.com/en/docs): request URLs for the forecast and archive
// endpoints, and the columnar `hourly` block of an answer turned into one row per hour.
#pragma once

#include "locations.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::weather {

// An answer that is not what the API documents (not JSON, truncated, arrays of different
// lengths...). The message says what is wrong; the caller adds location and URL.
class BadResponse : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class TimeFormat { iso8601, unixtime };

struct OpenMeteoQuery {
    std::string base_url;                 // scheme://host[:port][/prefix], no trailing slash
    bool archive = false;                 // /v1/archive instead of /v1/forecast
    std::vector<std::string> hourly;      // variable names
    std::string timezone;                 // IANA name, "auto" or "GMT"
    TimeFormat timeformat = TimeFormat::unixtime;
    int forecast_days = 7;                // forecast only
    std::string start_date, end_date;     // archive only, "YYYY-MM-DD", inclusive
};

std::string open_meteo_url(const OpenMeteoQuery& query, const Location& location);

// The default base URL of each endpoint.
inline constexpr const char* kOpenMeteoForecastBase = "https://api.open-meteo.com";
inline constexpr const char* kOpenMeteoArchiveBase = "https://archive-api.open-meteo.com";

struct HourlySeries {
    std::string timezone;                  // the answer's `timezone` ("Africa/Cairo")
    std::int64_t utc_offset_seconds = 0;   // the answer's `utc_offset_seconds`
    std::string grid_latitude = "null";    // JSON: the grid cell, not the requested point
    std::string grid_longitude = "null";
    std::string elevation = "null";
    TimeFormat time_format = TimeFormat::iso8601;
    std::vector<std::string> variables;    // in the answer's order, `time` excluded
    std::string units_json = "{}";         // {"temperature_2m":"°C",...} for those variables
    std::vector<std::int64_t> instants;    // UTC seconds of each hour
    std::vector<std::string> values_json;  // per hour: {"temperature_2m":25.3,"rain":null,...}
    // iso8601 wall times whose steps are not all equal: a DST change inside the series, which
    // one utc_offset_seconds cannot convert exactly (see README).
    bool irregular_steps = false;
};

// Parses an answer of /v1/forecast or /v1/archive. Numbers keep their JSON value, nulls stay
// null. Throws BadResponse.
HourlySeries parse_hourly(std::string_view body);

// Variable names as Open-Meteo's query takes them: "a,b,c".
std::string comma_list(const std::vector<std::string>& items);

// The `reason` of an error answer {"error":true,"reason":"..."}, if the body is one.
std::optional<std::string> open_meteo_error_reason(std::string_view body);

}  // namespace sluice::weather
