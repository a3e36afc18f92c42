#include "weather_settings.hpp"

#include "civil_time.hpp"

#include <cctype>

namespace sluice::weather {

namespace {

bool is_http_url(const std::string& url) { return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0; }

bool open_meteo_archive(const WeatherSettings& s) { return s.provider == Provider::open_meteo && s.open_meteo.archive; }

std::int64_t date(const std::string& text, const char* key) {
    auto day = parse_date(text);
    if (!day) throw FatalError(std::string(key) + ": expected a date YYYY-MM-DD, got '" + text + "'");
    return *day;
}

config_kit::Spec<WeatherSettings> make_spec() {
    using S = WeatherSettings;
    config_kit::Spec<S> k;
    k.choice("provider", &S::provider, {{"open-meteo", Provider::open_meteo}, {"openweather", Provider::openweather}},
             "Weather API: open-meteo (no key) or openweather (api.key needed).").required();
    k.custom("locations", SLUICE_CONFIG_JSON, "Places to read: a list of \"name:lat:lon[:timezone]\" strings or of {name, lat, lon, timezone} objects. Each is its own source partition; tasks share them round-robin.",
             [](S& s, const Config& c) { s.locations = parse_locations(c.json("locations")); }).required();
    k.choice("endpoint", [](S& s) -> auto& { return s.open_meteo.archive; }, {{"forecast", false}, {"archive", true}},
             "open-meteo only: forecast (revised each run) or archive (history, append-only).").default_value(false);
    k.key("base.url", &S::base_url, "Scheme and host of the API (tests, mirrors). Default: https://api.open-meteo.com, https://archive-api.open-meteo.com or https://api.openweathermap.org.").deprecated("base_url");
    k.key("hourly", [](S& s) -> auto& { return s.open_meteo.hourly; }, "open-meteo: hourly variables to read.").default_value("temperature_2m,relative_humidity_2m,precipitation,wind_speed_10m");
    k.key("timezone", [](S& s) -> auto& { return s.open_meteo.timezone; }, "open-meteo: zone of local times when a location names none (IANA name, auto, GMT).").default_value("auto");
    k.choice("timeformat", [](S& s) -> auto& { return s.open_meteo.timeformat; }, {{"unixtime", TimeFormat::unixtime}, {"iso8601", TimeFormat::iso8601}},
             "open-meteo: how times are requested; unixtime is exact across DST changes.").default_value(TimeFormat::unixtime);
    k.key("forecast.days", [](S& s) -> auto& { return s.open_meteo.forecast_days; }, "open-meteo forecast: days ahead per run.").default_value(7).between(1, 16).deprecated("forecast_days");
    k.key("start.date", &S::start_date, "open-meteo archive: first day to read, YYYY-MM-DD (required there).").deprecated("start_date");
    k.key("end.date", &S::end_date, "open-meteo archive: last day to read, YYYY-MM-DD; unset: keep following today - lag.days.").deprecated("end_date");
    k.key("window.days", &S::window_days, "open-meteo archive: days per request.").default_value(7).between(1, 366).deprecated("window_days");
    k.key("lag.days", &S::lag_days, "open-meteo archive: newest day read is today (UTC) minus this; the archive lags a few days.").default_value(1).between(1, 60).deprecated("lag_days");
    k.key("api.key", [](S& s) -> auto& { return s.openweather.api_key; }, "openweather: API key, sent as appid (masked in every log).").secret().deprecated("api_key");
    k.key("units", [](S& s) -> auto& { return s.openweather.units; }, "openweather: standard (Kelvin), metric or imperial; recorded with the data.").default_value("standard").one_of({"standard", "metric", "imperial"});
    k.key("lang", [](S& s) -> auto& { return s.openweather.lang; }, "openweather: language of `description` (e.g. fr); unset: English.");
    k.key("poll.interval.ms", &S::poll_interval, "Time between two requests for one location (forecast runs, current weather, archive once caught up).").default_value(600000).between(1, 86400000).deprecated("poll_interval_ms");
    k.key("request.timeout.ms", &S::request_timeout, "Whole HTTP request, connect included.").default_value(30000).between(100, 600000).deprecated("request_timeout_ms");
    k.key("retry.max.attempts", [](S& s) -> auto& { return s.retry.max_attempts; }, "Consecutive failed requests (429, 5xx, network) for one location before the task reports a retriable error; it keeps retrying at retry.backoff.max.ms after that.").default_value(5).between(1, 1000).deprecated("retry_max_attempts");
    k.key("retry.backoff.ms", [](S& s) -> auto& { return s.retry.backoff; }, "First wait after a failed request (doubles, with jitter).").default_value(1000).between(1, 3600000).deprecated("retry_backoff_ms");
    k.key("retry.backoff.max.ms", [](S& s) -> auto& { return s.retry.backoff_max; }, "Longest wait between retries, a Retry-After included.").default_value(60000).between(1, 3600000).deprecated("retry_backoff_max_ms");

    k.check("retry.backoff.max.ms", [](const S& s) {
        return s.retry.backoff_max < s.retry.backoff
                   ? "retry.backoff.max.ms (" + std::to_string(s.retry.backoff_max.count()) + ") must not be below retry.backoff.ms (" +
                         std::to_string(s.retry.backoff.count()) + ")"
                   : std::string();
    });
    k.check("base.url", [](const S& s) {
        return !s.base_url.empty() && !is_http_url(s.base_url) ? "base.url: expected an http:// or https:// URL, got '" + s.base_url + "'"
                                                                : std::string();
    });
    // The provider's URL unless one is given; a trailing slash dropped.
    k.derive("base.url", [](S& s, const Config&) {
        std::string url = s.base_url;
        while (!url.empty() && url.back() == '/') url.pop_back();
        if (s.provider == Provider::openweather) {
            s.openweather.base_url = url.empty() ? kOpenWeatherBase : url;
        } else {
            s.open_meteo.base_url = !url.empty() ? url : s.open_meteo.archive ? kOpenMeteoArchiveBase : kOpenMeteoForecastBase;
        }
    });
    k.rule("api.key", "api.key: provider openweather needs an API key (https://home.openweathermap.org/api_keys)",
           [](const S& s) { return s.provider == Provider::openweather && s.openweather.api_key.empty(); });
    k.rule("endpoint", "endpoint: archive is an Open-Meteo endpoint; provider openweather reads current weather only",
           [](const S& s) { return s.provider == Provider::openweather && s.open_meteo.archive; });
    k.rule("hourly", "hourly: give at least one variable, e.g. temperature_2m",
           [](const S& s) { return s.provider == Provider::open_meteo && s.open_meteo.hourly.empty(); });
    k.check("hourly", [](const S& s) {
        if (s.provider != Provider::open_meteo) return std::string();
        for (const auto& v : s.open_meteo.hourly)
            for (char c : v)
                if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
                    return "hourly: '" + v + "' is not an Open-Meteo variable name (letters, digits, _)";
        return std::string();
    });
    k.rule("start.date", "start.date: endpoint archive needs the first day to read, e.g. 2024-01-01",
           [](const S& s) { return open_meteo_archive(s) && s.start_date.empty(); });
    k.derive("start.date", [](S& s, const Config&) {
        if (open_meteo_archive(s) && !s.start_date.empty()) s.start_day = date(s.start_date, "start.date");
    });
    k.derive("end.date", [](S& s, const Config&) {
        if (open_meteo_archive(s) && !s.end_date.empty()) s.end_day = date(s.end_date, "end.date");
    });
    k.check("end.date", [](const S& s) {
        return open_meteo_archive(s) && !s.start_date.empty() && s.end_day && *s.end_day < s.start_day
                   ? "end.date (" + s.end_date + ") is before start.date (" + s.start_date + ")"
                   : std::string();
    });
    return k;
}

}  // namespace

std::string WeatherSettings::source_name() const {
    if (provider == Provider::openweather) return "openweather";
    return archive() ? "open-meteo archive" : "open-meteo forecast";
}

const config_kit::Spec<WeatherSettings>& weather_settings_spec() {
    static const config_kit::Spec<WeatherSettings> spec = make_spec();
    return spec;
}

WeatherSettings WeatherSettings::from(const Config& config) { return weather_settings_spec().parse(config); }

}  // namespace sluice::weather
