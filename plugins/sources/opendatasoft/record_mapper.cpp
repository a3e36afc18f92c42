#include "record_mapper.hpp"

#include <cmath>
#include <cstdlib>
#include <functional>

namespace sluice::ods {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

std::string excerpt(const Json& value) {
    std::string text = value.dump();
    if (text.size() > 80) text = text.substr(0, 77) + "...";
    return text;
}

std::optional<double> to_double(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    if (text.empty()) return std::nullopt;
    std::string s(text);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

Json point(double lat, double lon, const Json& original) {
    if (lat < -90 || lat > 90 || lon < -180 || lon > 180)
        throw MappingError("geo_point_2d", "geo_point_2d: latitude/longitude out of range in " + excerpt(original));
    Json p = Json::object();
    p["lat"] = lat;
    p["lon"] = lon;
    return p;
}

}  // namespace

const Json* find_field(const Json& object, std::string_view name) {
    if (!object.is_object()) return nullptr;
    auto exact = object.find(std::string(name));
    if (exact != object.end()) return &*exact;
    for (auto it = object.begin(); it != object.end(); ++it)
        if (iequals(it.key(), name)) return &it.value();
    return nullptr;
}

Json normalise_geo_point(const Json& value) {
    if (value.is_null()) return value;
    if (value.is_object()) {
        const Json* lat = find_field(value, "lat");
        const Json* lon = find_field(value, "lon");
        if (lat && lon && lat->is_number() && lon->is_number()) return point(lat->get<double>(), lon->get<double>(), value);
    } else if (value.is_array()) {
        if (value.size() == 2 && value[0].is_number() && value[1].is_number())
            return point(value[0].get<double>(), value[1].get<double>(), value);  // v1: [lat, lon]
    } else if (value.is_string()) {
        const std::string& text = value.get_ref<const std::string&>();
        const std::size_t comma = text.find(',');
        if (comma != std::string::npos) {
            auto lat = to_double(std::string_view(text).substr(0, comma));
            auto lon = to_double(std::string_view(text).substr(comma + 1));
            if (lat && lon) return point(*lat, *lon, value);  // CSV exports: "lat, lon"
        }
    }
    throw MappingError("geo_point_2d",
                       "geo_point_2d: expected {\"lon\":x,\"lat\":y}, [lat, lon] or \"lat, lon\", got " + excerpt(value));
}

Json normalise_geo_shape(const Json& value) {
    if (value.is_null()) return value;
    Json shape = value;
    if (value.is_string()) {
        shape = Json::parse(value.get_ref<const std::string&>(), nullptr, false);
        if (shape.is_discarded())
            throw MappingError("geo_shape", "geo_shape: a string that is not GeoJSON: " + excerpt(value));
    }
    if (!shape.is_object()) throw MappingError("geo_shape", "geo_shape: expected a GeoJSON object, got " + excerpt(value));
    const Json* type = find_field(shape, "type");
    if (type && type->is_string() && type->get_ref<const std::string&>() == "Feature") {
        const Json* geometry = find_field(shape, "geometry");
        if (!geometry || !geometry->is_object())
            throw MappingError("geo_shape", "geo_shape: a GeoJSON Feature without geometry: " + excerpt(value));
        return *geometry;
    }
    if (!type || !type->is_string())
        throw MappingError("geo_shape", "geo_shape: a GeoJSON object needs a \"type\", got " + excerpt(value));
    return shape;
}

RecordMapper::RecordMapper(const Settings& settings, const TimeZone& zone) : settings_(settings), zone_(zone) {}

MappedRecord RecordMapper::map(Json& fields) const {
    if (!fields.is_object()) throw MappingError("", "record is not a JSON object: " + excerpt(fields));
    for (auto it = fields.begin(); it != fields.end(); ++it) {
        if (iequals(it.key(), "geo_point_2d")) it.value() = normalise_geo_point(it.value());
        else if (iequals(it.key(), "geo_shape")) it.value() = normalise_geo_shape(it.value());
    }
    MappedRecord out;
    const Json* ts = find_field(fields, settings_.timestamp_field);
    if (ts == nullptr || ts->is_null())
        throw MappingError(settings_.timestamp_field, "record has no value for the timestamp field '" + settings_.timestamp_field + "'");
    if (!ts->is_string())
        throw MappingError(settings_.timestamp_field,
                           "timestamp field '" + settings_.timestamp_field + "' is not a date/time text: " + excerpt(*ts));
    auto ms = parse_timestamp(ts->get_ref<const std::string&>(), zone_);
    if (!ms)
        throw MappingError(settings_.timestamp_field, "timestamp field '" + settings_.timestamp_field +
                                                           "' is not an ISO 8601 date/time: " + excerpt(*ts));
    out.timestamp_ms = *ms;

    Json key = Json::object();
    Json ids = Json::array();
    // A component of a compound key may be null (Rennes 2021: 103 records without `id`); a
    // record whose key is entirely null cannot be told apart from others.
    bool any_value = false;
    for (const auto& name : settings_.key_fields) {
        const Json* v = find_field(fields, name);
        const Json value = v ? *v : Json();
        any_value = any_value || !value.is_null();
        key[name] = value;
        ids.push_back(value);
    }
    if (!any_value) {
        std::string names;
        for (const auto& n : settings_.key_fields) names += (names.empty() ? "'" : ", '") + n + "'";
        throw MappingError(settings_.key_fields.front(), "record has no value for the key field" +
                                                             std::string(settings_.key_fields.size() > 1 ? "s " : " ") + names);
    }
    out.key = key.dump(-1, ' ', false, Json::error_handler_t::replace);
    out.key_id = (ids.size() == 1 ? ids[0] : ids).dump(-1, ' ', false, Json::error_handler_t::replace);
    out.value = fields.dump(-1, ' ', false, Json::error_handler_t::replace);

    if (settings_.emit == Emit::changes) {
        std::string compared;
        if (settings_.change_fields.empty()) {
            for (auto it = fields.begin(); it != fields.end(); ++it) {
                if (iequals(it.key(), settings_.timestamp_field)) continue;
                compared += it.key();
                compared += '=';
                compared += it.value().dump(-1, ' ', false, Json::error_handler_t::replace);
                compared += '\n';
            }
        } else {
            for (const auto& name : settings_.change_fields) {
                const Json* v = find_field(fields, name);
                compared += name;
                compared += '=';
                compared += v ? v->dump(-1, ' ', false, Json::error_handler_t::replace) : "<absent>";
                compared += '\n';
            }
        }
        out.fingerprint = std::hash<std::string>{}(compared);
    }
    return out;
}

}  // namespace sluice::ods
