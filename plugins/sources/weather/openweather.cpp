#include "openweather.hpp"

#include <sluice/http_client.hpp>

#include <nlohmann/json.hpp>

namespace sluice::weather {

std::string openweather_url(const OpenWeatherQuery& q, const Location& loc) {
    using sluice::http::url_encode;
    std::string url = q.base_url + "/data/2.5/weather?lat=" + url_encode(loc.latitude) + "&lon=" + url_encode(loc.longitude);
    url += "&units=" + url_encode(q.units);
    if (!q.lang.empty()) url += "&lang=" + url_encode(q.lang);
    url += "&appid=" + url_encode(q.api_key);  // last: a cut-off URL in a message shows no key
    return url;
}

Observation parse_observation(std::string_view body) {
    const auto doc = nlohmann::ordered_json::parse(body, nullptr, false);
    if (doc.is_discarded())
        throw BadResponse("the body is not JSON (truncated or an error page?); it starts with: " +
                          std::string(body.substr(0, 120)));
    if (!doc.is_object()) throw BadResponse("expected a JSON object, got " + std::string(doc.type_name()));
    auto dt = doc.find("dt");
    if (dt == doc.end() || !dt->is_number_integer())
        throw BadResponse("`dt` (observation time) is missing or not an integer" +
                          (dt == doc.end() ? std::string() : ": " + dt->dump()));
    Observation o;
    o.dt = dt->get<std::int64_t>();
    if (auto tz = doc.find("timezone"); tz != doc.end() && tz->is_number_integer()) o.timezone_offset = tz->get<std::int64_t>();
    o.json = doc.dump();
    return o;
}

std::optional<std::string> openweather_error_message(std::string_view body) {
    const auto doc = nlohmann::json::parse(body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
    auto message = doc.find("message");
    if (message == doc.end() || !message->is_string()) return std::nullopt;
    return message->get<std::string>();
}

}  // namespace sluice::weather
