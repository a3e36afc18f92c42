// The weather source's configuration: declared keys, and the typed settings checked across
// keys (what one key's declaration cannot express, e.g. openweather needs api_key).
#pragma once

#include "locations.hpp"
#include "open_meteo.hpp"
#include "openweather.hpp"

#include <sluice/sdk.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::weather {

enum class Provider { open_meteo, openweather };

struct RetrySettings {
    int max_attempts = 5;  // consecutive failures of one location before the task hears of it
    std::chrono::milliseconds initial{1000};
    std::chrono::milliseconds max{60000};
};

struct WeatherSettings {
    Provider provider = Provider::open_meteo;
    std::vector<Location> locations;
    OpenMeteoQuery open_meteo;     // base_url, archive, hourly, timezone, timeformat, forecast_days
    std::int64_t start_day = 0;    // archive: first day (days since the epoch)
    std::optional<std::int64_t> end_day;  // archive: last day; none = follow "today - lag_days"
    int window_days = 7;
    int lag_days = 1;
    OpenWeatherQuery openweather;  // base_url, api_key, units, lang
    std::chrono::milliseconds poll_interval{600000};
    std::chrono::milliseconds request_timeout{30000};
    RetrySettings retry;

    bool archive() const { return provider == Provider::open_meteo && open_meteo.archive; }
    // "open-meteo forecast", "open-meteo archive" or "openweather".
    std::string source_name() const;

    // Throws FatalError naming the key at fault.
    static WeatherSettings from(const Config& config);
};

std::vector<ConfigKey> weather_config_keys();

}  // namespace sluice::weather
