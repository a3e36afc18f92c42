// The weather source's answer parsers: an Open-Meteo forecast or archive answer (the
// columnar `hourly` block) and an OpenWeather current-weather answer, each read through the
// feed that turns it into records and offsets, and the source offset each feed reads back
// from Kafka. The first fuzz byte picks the feed (forecast, archive, observation); the rest
// is the answer body, also tried as a stored offset.
// Invariants: only BadResponse (answers) and FatalError (offsets) escape; no undefined
// behaviour on extreme numbers; every record's key, value and offset are JSON in UTF-8; an
// offset a feed wrote is accepted by a new feed (a restart resumes).
#include "fuzz_support.hpp"

#include "feeds.hpp"
#include "open_meteo.hpp"
#include "openweather.hpp"

#include <nlohmann/json.hpp>

#include <string>

using namespace sluice;
using namespace sluice::weather;

namespace {

bool json_in_utf8(std::string_view text) { return fuzz::valid_utf8(text) && nlohmann::json::accept(text); }

WeatherSettings settings_for(int kind) {
    WeatherSettings s;
    s.provider = kind == 2 ? Provider::openweather : Provider::open_meteo;
    s.open_meteo.base_url = kind == 1 ? kOpenMeteoArchiveBase : kOpenMeteoForecastBase;
    s.open_meteo.archive = kind == 1;
    s.open_meteo.hourly = {"temperature_2m", "precipitation"};
    s.open_meteo.timezone = "GMT";
    s.start_day = 20250;  // 2025-06-11
    s.end_day = 20260;
    s.window_days = 7;  // the keys' defaults: the settings struct no longer repeats them
    s.lag_days = 1;
    s.openweather.base_url = kOpenWeatherBase;
    s.openweather.api_key = "fuzz-key";
    s.openweather.units = "metric";
    s.locations = {Location{"Bordeaux", "44.84", "-0.58", ""}};
    return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const int kind = data[0] % 3;
    const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::int64_t now_ms = 1750000000000;  // 2025-06-15
    static const WeatherSettings settings[3] = {settings_for(0), settings_for(1), settings_for(2)};
    const WeatherSettings& s = settings[kind];

    try {
        HourlySeries h = parse_hourly(body);
        FUZZ_CHECK(h.values_json.size() == h.instants.size(), "hours and values differ in number");
        for (const auto& v : h.values_json) FUZZ_CHECK(json_in_utf8(v), "hour values not JSON: " + fuzz::excerpt(v));
        FUZZ_CHECK(json_in_utf8(h.units_json) && json_in_utf8(h.grid_latitude) && json_in_utf8(h.grid_longitude) &&
                       json_in_utf8(h.elevation),
                   "series metadata not JSON");
    } catch (const BadResponse&) {
    }
    try {
        Observation o = parse_observation(body);
        FUZZ_CHECK(json_in_utf8(o.json), "observation not JSON: " + fuzz::excerpt(o.json));
    } catch (const BadResponse&) {
    }
    (void)open_meteo_error_reason(body);
    (void)openweather_error_message(body);

    auto restored = make_feeds(s, s.locations);
    try {
        restored.front()->restore(body);
        (void)restored.front()->first_due_ms(now_ms);
        (void)restored.front()->next_url(now_ms);
    } catch (const FatalError&) {
    }

    auto feeds = make_feeds(s, s.locations);
    Feed& feed = *feeds.front();
    (void)feed.next_url(now_ms);  // the archive's window
    std::vector<PendingRecord> records;
    std::vector<std::string> warnings;
    try {
        records = feed.accept(body, now_ms, warnings);
    } catch (const BadResponse&) {
        return 0;
    }
    for (const auto& r : records) {
        FUZZ_CHECK(json_in_utf8(r.key) && json_in_utf8(r.value) && json_in_utf8(r.offset),
                   "record not JSON in UTF-8: " + fuzz::excerpt(r.key) + " " + fuzz::excerpt(r.value) + " " + fuzz::excerpt(r.offset));
        auto again = make_feeds(s, s.locations);
        try {
            again.front()->restore(r.offset);
        } catch (const FatalError& e) {
            FUZZ_FAIL(std::string("an offset this feed wrote is refused: ") + e.what());
        }
    }
    return 0;
}
