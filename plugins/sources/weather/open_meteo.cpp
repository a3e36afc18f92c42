#include "open_meteo.hpp"

#include "civil_time.hpp"

#include <sluice/http_client.hpp>

#include <nlohmann/json.hpp>

namespace sluice::weather {

namespace {

using ordered = nlohmann::ordered_json;

std::string member_json(const ordered& obj, const char* name) {
    auto it = obj.find(name);
    return it == obj.end() ? "null" : it->dump();
}

}  // namespace

std::string open_meteo_url(const OpenMeteoQuery& q, const Location& loc) {
    using sluice::http::url_encode;
    std::string url = q.base_url + (q.archive ? "/v1/archive" : "/v1/forecast");
    url += "?latitude=" + url_encode(loc.latitude) + "&longitude=" + url_encode(loc.longitude);
    url += "&hourly=" + url_encode(comma_list(q.hourly));
    url += "&timezone=" + url_encode(loc.timezone.empty() ? q.timezone : loc.timezone);
    url += std::string("&timeformat=") + (q.timeformat == TimeFormat::unixtime ? "unixtime" : "iso8601");
    if (q.archive) url += "&start_date=" + q.start_date + "&end_date=" + q.end_date;
    else url += "&forecast_days=" + std::to_string(q.forecast_days);
    return url;
}

HourlySeries parse_hourly(std::string_view body) {
    const ordered doc = ordered::parse(body, nullptr, false);
    if (doc.is_discarded())
        throw BadResponse("the body is not JSON (truncated or an error page?); it starts with: " +
                          std::string(body.substr(0, 120)));
    if (!doc.is_object()) throw BadResponse("expected a JSON object, got " + std::string(doc.type_name()));
    if (auto err = doc.find("error"); err != doc.end() && err->is_boolean() && err->get<bool>())
        throw BadResponse("the API answered an error: " + member_json(doc, "reason"));

    HourlySeries s;
    if (auto tz = doc.find("timezone"); tz != doc.end() && tz->is_string()) s.timezone = tz->get<std::string>();
    auto offset = doc.find("utc_offset_seconds");
    if (offset == doc.end() || !offset->is_number_integer())
        throw BadResponse("utc_offset_seconds is missing or not an integer");
    s.utc_offset_seconds = offset->get<std::int64_t>();
    s.grid_latitude = member_json(doc, "latitude");
    s.grid_longitude = member_json(doc, "longitude");
    s.elevation = member_json(doc, "elevation");

    auto hourly = doc.find("hourly");
    if (hourly == doc.end() || !hourly->is_object()) throw BadResponse("the answer has no `hourly` object");
    auto time = hourly->find("time");
    if (time == hourly->end() || !time->is_array()) throw BadResponse("hourly.time is missing or not an array");
    const std::size_t hours = time->size();

    const ordered* units = nullptr;
    if (auto u = doc.find("hourly_units"); u != doc.end() && u->is_object()) units = &*u;
    // The unit of `time` says how times are written; without it, the first value does.
    std::string time_unit;
    if (units != nullptr)
        if (auto tu = units->find("time"); tu != units->end() && tu->is_string()) time_unit = tu->get<std::string>();
    if (time_unit.empty()) time_unit = hours > 0 && (*time)[0].is_number() ? "unixtime" : "iso8601";
    if (time_unit != "unixtime" && time_unit != "iso8601")
        throw BadResponse("hourly_units.time is '" + time_unit + "', expected iso8601 or unixtime");
    s.time_format = time_unit == "unixtime" ? TimeFormat::unixtime : TimeFormat::iso8601;

    s.instants.reserve(hours);
    std::optional<std::int64_t> step;
    for (std::size_t i = 0; i < hours; ++i) {
        const ordered& t = (*time)[i];
        std::optional<std::int64_t> instant;
        if (s.time_format == TimeFormat::unixtime) {
            if (t.is_number_integer()) instant = t.get<std::int64_t>();
        } else if (t.is_string()) {
            if (auto wall = parse_wall_time(t.get<std::string>())) instant = *wall - s.utc_offset_seconds;
        }
        if (!instant)
            throw BadResponse("hourly.time[" + std::to_string(i) + "] is " + t.dump() + ", expected " +
                              (s.time_format == TimeFormat::unixtime ? "Unix seconds" : "a time like 2026-06-18T00:00"));
        if (i > 0) {
            const std::int64_t delta = *instant - s.instants.back();
            if (!step) step = delta;
            else if (delta != *step) s.irregular_steps = true;
        }
        s.instants.push_back(*instant);
    }
    // Unix times are instants: their steps say nothing about DST.
    if (s.time_format == TimeFormat::unixtime) s.irregular_steps = false;

    ordered unit_map = ordered::object();
    std::vector<const ordered*> columns;
    for (auto it = hourly->begin(); it != hourly->end(); ++it) {
        if (it.key() == "time") continue;
        if (!it.value().is_array())
            throw BadResponse("hourly." + it.key() + " is " + std::string(it.value().type_name()) + ", expected an array");
        if (it.value().size() != hours)
            throw BadResponse("hourly." + it.key() + " has " + std::to_string(it.value().size()) +
                              " values but hourly.time has " + std::to_string(hours));
        s.variables.push_back(it.key());
        columns.push_back(&it.value());
        if (units != nullptr)
            if (auto u = units->find(it.key()); u != units->end()) unit_map[it.key()] = *u;
    }
    s.units_json = unit_map.dump();

    s.values_json.reserve(hours);
    for (std::size_t i = 0; i < hours; ++i) {
        std::string row = "{";
        for (std::size_t v = 0; v < columns.size(); ++v) {
            const ordered& value = (*columns[v])[i];
            if (!value.is_number() && !value.is_null())
                throw BadResponse("hourly." + s.variables[v] + "[" + std::to_string(i) + "] is " + value.dump() +
                                  ", expected a number or null");
            if (v > 0) row += ',';
            row += ordered(s.variables[v]).dump();
            row += ':';
            row += value.dump();
        }
        row += '}';
        s.values_json.push_back(std::move(row));
    }
    return s;
}

std::optional<std::string> open_meteo_error_reason(std::string_view body) {
    const auto doc = nlohmann::json::parse(body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
    auto err = doc.find("error");
    if (err == doc.end() || !err->is_boolean() || !err->get<bool>()) return std::nullopt;
    auto reason = doc.find("reason");
    if (reason != doc.end() && reason->is_string()) return reason->get<std::string>();
    return std::string("(no reason given)");
}

std::string comma_list(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
    return out;
}

}  // namespace sluice::weather
