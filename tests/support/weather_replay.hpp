// Replays the stored Open-Meteo and OpenWeather answers (shared/fixtures/weather) the way the
// real APIs answer, for the weather source's unit and integration tests:
//   - Open-Meteo: latitude, longitude and hourly are required, every requested variable must
//     exist, timeformat is iso8601 (default) or unixtime, the answer holds only the requested
//     variables; the archive endpoint needs start_date/end_date and serves only those days.
//     Refusals are HTTP 400 {"error":true,"reason":...} as the real service sends them.
//   - OpenWeather: appid required (401 {"cod":401,"message":...} otherwise, the real text),
//     lat/lon required (400).
// Only the time axis (iso8601 -> unixtime) and the set of variables are derived from the
// stored file; every value is served as stored.
#pragma once

#include "http_test_server.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <iomanip>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::testing::weather_replay {

using ordered = nlohmann::ordered_json;

inline std::string fixture_path(const std::string& relative) {
    return std::string(SLUICE_FIXTURES_DIR) + "/weather/" + relative;
}
inline const char* const kCairo = "open-meteo/forecast_hourly_africa-cairo_2026-06-18.json";
inline const char* const kGmt = "open-meteo/forecast_hourly_gmt_2025-12-22.json";
inline const char* const kLondon = "openweather/current_london_2023-05-26.json";
inline const char* const kBarcelona = "openweather/current_barcelona_metric_es_2024-10-04.json";

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read fixture " + path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline ordered load(const std::string& relative) { return ordered::parse(read_file(fixture_path(relative))); }

// "YYYY-MM-DDTHH:MM" read as UTC seconds (the test's own arithmetic, independent of the plugin's).
inline std::int64_t wall_seconds(const std::string& t) {
    std::tm tm{};
    std::istringstream in(t);
    in >> std::get_time(&tm, "%Y-%m-%dT%H:%M");
    if (in.fail()) throw std::runtime_error("bad fixture time " + t);
    return static_cast<std::int64_t>(timegm(&tm));
}

inline HttpResponse open_meteo_error(const std::string& reason) {
    return HttpResponse::json(ordered{{"error", true}, {"reason", reason}}.dump(), 400);
}

inline bool is_number(const std::string& text, double limit) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    return !text.empty() && end == text.c_str() + text.size() && v >= -limit && v <= limit;
}

inline std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');) out.push_back(item);
    return out;
}

// The answer of /v1/forecast (archive=false) or /v1/archive (archive=true) built from a
// stored forecast answer.
inline HttpResponse open_meteo(const ordered& stored, const HttpRequest& req, bool archive) {
    auto q = [&](const char* name) -> std::string {
        auto it = req.query.find(name);
        return it == req.query.end() ? std::string() : it->second;
    };
    if (!is_number(q("latitude"), 90) || !is_number(q("longitude"), 180))
        return open_meteo_error("Parameter 'latitude' and 'longitude' must have the same number of elements");
    const std::string timeformat = q("timeformat").empty() ? "iso8601" : q("timeformat");
    if (timeformat != "iso8601" && timeformat != "unixtime")
        return open_meteo_error("Cannot initialize Timeformat from invalid String value " + timeformat + " for key timeformat");
    ordered answer = stored;
    ordered hourly = ordered::object();
    ordered units = ordered::object();
    hourly["time"] = stored["hourly"]["time"];
    units["time"] = timeformat;
    for (const auto& var : split(q("hourly"))) {
        if (!stored["hourly"].contains(var))
            return open_meteo_error("Cannot initialize WeatherVariable from invalid String value " + var + " for key hourly");
        hourly[var] = stored["hourly"][var];
        units[var] = stored["hourly_units"][var];
    }
    if (archive) {
        const std::string start = q("start_date"), end = q("end_date");
        if (start.size() != 10 || end.size() != 10) return open_meteo_error("Parameter 'start_date' is required");
        const auto& times = stored["hourly"]["time"];
        const std::string first = times.front().get<std::string>().substr(0, 10);
        const std::string last = times.back().get<std::string>().substr(0, 10);
        if (start < first || end > last || end < start)
            return open_meteo_error("Parameter 'start_date' is out of allowed range from " + first + " to " + last);
        ordered sliced = ordered::object();
        for (auto it = hourly.begin(); it != hourly.end(); ++it) sliced[it.key()] = ordered::array();
        for (std::size_t i = 0; i < times.size(); ++i) {
            const std::string day = times[i].get<std::string>().substr(0, 10);
            if (day < start || day > end) continue;
            for (auto it = hourly.begin(); it != hourly.end(); ++it) sliced[it.key()].push_back(it.value()[i]);
        }
        hourly = sliced;
    }
    if (timeformat == "unixtime") {
        const std::int64_t offset = stored["utc_offset_seconds"].get<std::int64_t>();
        for (auto& t : hourly["time"]) t = wall_seconds(t.get<std::string>()) - offset;
    }
    answer["hourly_units"] = units;
    answer["hourly"] = hourly;
    return HttpResponse::json(answer.dump());
}

inline HttpResponse openweather(const std::string& stored_body, const HttpRequest& req) {
    auto key = req.query.find("appid");
    if (key == req.query.end() || key->second.empty())
        return HttpResponse::json(R"({"cod":401, "message": "Invalid API key. Please see https://openweathermap.org/faq#error401 for more info."})", 401);
    if (!req.query.count("lat") || !req.query.count("lon"))
        return HttpResponse::json(R"({"cod":"400","message":"Nothing to geocode"})", 400);
    return HttpResponse::json(stored_body);
}

}  // namespace sluice::testing::weather_replay
