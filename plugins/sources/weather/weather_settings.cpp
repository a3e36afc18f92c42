#include "weather_settings.hpp"

#include "civil_time.hpp"

#include <cctype>

namespace sluice::weather {

namespace {

std::string base_url(const Config& config, const char* fallback) {
    std::string url = config.string_or("base.url", "");
    if (url.empty()) return fallback;
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
        throw FatalError("base.url: expected an http:// or https:// URL, got '" + url + "'");
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

std::int64_t date(const Config& config, const char* key) {
    const std::string text = config.string(key);
    auto day = parse_date(text);
    if (!day) throw FatalError(std::string(key) + ": expected a date YYYY-MM-DD, got '" + text + "'");
    return *day;
}

}  // namespace

std::string WeatherSettings::source_name() const {
    if (provider == Provider::openweather) return "openweather";
    return archive() ? "open-meteo archive" : "open-meteo forecast";
}

WeatherSettings WeatherSettings::from(const Config& config) {
    WeatherSettings s;
    s.provider = config.string("provider") == "openweather" ? Provider::openweather : Provider::open_meteo;
    s.locations = parse_locations(config.json("locations"));
    s.poll_interval = std::chrono::milliseconds(config.integer("poll.interval.ms"));
    s.request_timeout = std::chrono::milliseconds(config.integer("request.timeout.ms"));
    s.retry.max_attempts = static_cast<int>(config.integer("retry.max.attempts"));
    s.retry.initial = std::chrono::milliseconds(config.integer("retry.backoff.ms"));
    s.retry.max = std::chrono::milliseconds(config.integer("retry.backoff.max.ms"));
    if (s.retry.max < s.retry.initial)
        throw FatalError("retry.backoff.max.ms (" + std::to_string(s.retry.max.count()) +
                         ") must not be below retry.backoff.ms (" + std::to_string(s.retry.initial.count()) + ")");

    if (s.provider == Provider::openweather) {
        s.openweather.base_url = base_url(config, kOpenWeatherBase);
        s.openweather.api_key = config.string_or("api.key", "");
        if (s.openweather.api_key.empty())
            throw FatalError("api.key: provider openweather needs an API key (https://home.openweathermap.org/api_keys)");
        s.openweather.units = config.string("units");
        s.openweather.lang = config.string_or("lang", "");
        if (config.string("endpoint") == "archive")
            throw FatalError("endpoint: archive is an Open-Meteo endpoint; provider openweather reads current weather only");
        return s;
    }

    OpenMeteoQuery& q = s.open_meteo;
    q.archive = config.string("endpoint") == "archive";
    q.base_url = base_url(config, q.archive ? kOpenMeteoArchiveBase : kOpenMeteoForecastBase);
    q.hourly = config.list("hourly");
    if (q.hourly.empty()) throw FatalError("hourly: give at least one variable, e.g. temperature_2m");
    for (const auto& v : q.hourly)
        for (char c : v)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
                throw FatalError("hourly: '" + v + "' is not an Open-Meteo variable name (letters, digits, _)");
    q.timezone = config.string("timezone");
    q.timeformat = config.string("timeformat") == "iso8601" ? TimeFormat::iso8601 : TimeFormat::unixtime;
    q.forecast_days = static_cast<int>(config.integer("forecast.days"));
    if (q.archive) {
        if (!config.has("start.date") || config.string("start.date").empty())
            throw FatalError("start.date: endpoint archive needs the first day to read, e.g. 2024-01-01");
        s.start_day = date(config, "start.date");
        if (config.has("end.date") && !config.string("end.date").empty()) {
            s.end_day = date(config, "end.date");
            if (*s.end_day < s.start_day)
                throw FatalError("end.date (" + config.string("end.date") + ") is before start.date (" +
                                 config.string("start.date") + ")");
        }
        s.window_days = static_cast<int>(config.integer("window.days"));
        s.lag_days = static_cast<int>(config.integer("lag.days"));
    }
    return s;
}

std::vector<ConfigKey> weather_config_keys() {
    std::vector<ConfigKey> k;
    k.push_back(ConfigKey::string("provider", "Weather API: open-meteo (no key) or openweather (api.key needed).")
                    .required()
                    .one_of({"open-meteo", "openweather"}));
    k.push_back(ConfigKey::json("locations",
                                "Places to read: a list of \"name:lat:lon[:timezone]\" strings or of {name, lat, lon, "
                                "timezone} objects. Each is its own source partition; tasks share them round-robin.")
                    .required());
    k.push_back(ConfigKey::string("endpoint", "open-meteo only: forecast (revised each run) or archive (history, append-only).")
                    .default_value("forecast")
                    .one_of({"forecast", "archive"}));
    k.push_back(ConfigKey::string("base.url",
                                  "Scheme and host of the API (tests, mirrors). Default: https://api.open-meteo.com, "
                                  "https://archive-api.open-meteo.com or https://api.openweathermap.org."));
    k.push_back(ConfigKey::list("hourly", "open-meteo: hourly variables to read.")
                    .default_value("temperature_2m,relative_humidity_2m,precipitation,wind_speed_10m"));
    k.push_back(ConfigKey::string("timezone",
                                  "open-meteo: zone of local times when a location names none (IANA name, auto, GMT).")
                    .default_value("auto"));
    k.push_back(ConfigKey::string("timeformat",
                                  "open-meteo: how times are requested; unixtime is exact across DST changes.")
                    .default_value("unixtime")
                    .one_of({"unixtime", "iso8601"}));
    k.push_back(ConfigKey::integer("forecast.days", "open-meteo forecast: days ahead per run.")
                    .default_value("7")
                    .between(1, 16));
    k.push_back(ConfigKey::string("start.date", "open-meteo archive: first day to read, YYYY-MM-DD (required there)."));
    k.push_back(ConfigKey::string("end.date",
                                  "open-meteo archive: last day to read, YYYY-MM-DD; unset: keep following today - lag.days."));
    k.push_back(ConfigKey::integer("window.days", "open-meteo archive: days per request.").default_value("7").between(1, 366));
    k.push_back(ConfigKey::integer("lag.days",
                                   "open-meteo archive: newest day read is today (UTC) minus this; the archive lags a few days.")
                    .default_value("1")
                    .between(1, 60));
    k.push_back(ConfigKey::string("api.key", "openweather: API key, sent as appid (masked in every log).").secret());
    k.push_back(ConfigKey::string("units", "openweather: standard (Kelvin), metric or imperial; recorded with the data.")
                    .default_value("standard")
                    .one_of({"standard", "metric", "imperial"}));
    k.push_back(ConfigKey::string("lang", "openweather: language of `description` (e.g. fr); unset: English."));
    k.push_back(ConfigKey::integer("poll.interval.ms",
                                   "Time between two requests for one location (forecast runs, current weather, "
                                   "archive once caught up).")
                    .default_value("600000")
                    .between(1, 86400000));
    k.push_back(ConfigKey::integer("request.timeout.ms", "Whole HTTP request, connect included.")
                    .default_value("30000")
                    .between(100, 600000));
    k.push_back(ConfigKey::integer("retry.max.attempts",
                                   "Consecutive failed requests (429, 5xx, network) for one location before the task "
                                   "reports a retriable error; it keeps retrying at retry.backoff.max.ms after that.")
                    .default_value("5")
                    .between(1, 1000));
    k.push_back(ConfigKey::integer("retry.backoff.ms", "First wait after a failed request (doubles, with jitter).")
                    .default_value("1000")
                    .between(1, 3600000));
    k.push_back(ConfigKey::integer("retry.backoff.max.ms", "Longest wait between retries (a longer Retry-After wins).")
                    .default_value("60000")
                    .between(1, 3600000));
    // The names before Kafka Connect's convention, accepted for one release.
    return with_former_names(std::move(k), {
        {"base.url", "base_url"},
        {"forecast.days", "forecast_days"},
        {"start.date", "start_date"},
        {"end.date", "end_date"},
        {"window.days", "window_days"},
        {"lag.days", "lag_days"},
        {"api.key", "api_key"},
        {"poll.interval.ms", "poll_interval_ms"},
        {"request.timeout.ms", "request_timeout_ms"},
        {"retry.max.attempts", "retry_max_attempts"},
        {"retry.backoff.ms", "retry_backoff_ms"},
        {"retry.backoff.max.ms", "retry_backoff_max_ms"},
    });
}

}  // namespace sluice::weather
