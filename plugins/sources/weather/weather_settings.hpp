// The weather source's configuration: declared keys, and the typed settings checked across
// keys (what one key's declaration cannot express, e.g. openweather needs api_key).
#pragma once

#include "locations.hpp"
#include "open_meteo.hpp"
#include "openweather.hpp"

#include <sluice/config_kit.hpp>
#include <sluice/http_retry.hpp>
#include <sluice/sdk.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::weather {

enum class Provider { open_meteo, openweather };

struct WeatherSettings {
    Provider provider{};
    std::vector<Location> locations;
    OpenMeteoQuery open_meteo;     // base_url, archive, hourly, timezone, timeformat, forecast_days
    std::int64_t start_day = 0;    // archive: first day (days since the epoch)
    std::optional<std::int64_t> end_day;  // archive: last day; none = follow "today - lag_days"
    int window_days = 0;
    int lag_days = 0;
    OpenWeatherQuery openweather;  // base_url, api_key, units, lang
    std::chrono::milliseconds poll_interval{};
    std::chrono::milliseconds request_timeout{};
    // max_attempts: failures in a row of one location before the task hears of it.
    http::RetrySettings retry;
    // As written: base.url (empty: the provider's), start.date and end.date (YYYY-MM-DD).
    std::string base_url, start_date, end_date;

    bool archive() const { return provider == Provider::open_meteo && open_meteo.archive; }
    // "open-meteo forecast", "open-meteo archive" or "openweather".
    std::string source_name() const;

    // Throws FatalError naming the key at fault.
    static WeatherSettings from(const Config& config);
};

// Every key, the parse into WeatherSettings and the cross-key rules (validate()).
const config_kit::Spec<WeatherSettings>& weather_settings_spec();
inline std::vector<ConfigKey> weather_config_keys() { return weather_settings_spec().keys(); }

}  // namespace sluice::weather
