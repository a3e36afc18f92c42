#include "locations.hpp"

#include <sluice/sdk.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <set>

namespace sluice::weather {

namespace {

const char* const kSpelling = "expected \"name:lat:lon\", \"name:lat:lon:timezone\" or {name, lat, lon, timezone}";

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

[[noreturn]] void refuse(const std::string& where, const std::string& why) {
    throw FatalError("locations" + where + ": " + why);
}

// A coordinate given as text: a finite decimal number within [-limit, limit].
std::string coordinate(const std::string& where, const char* what, const std::string& text, double limit) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v) || text.find_first_of("xXnN") != std::string::npos)
        refuse(where, std::string(what) + " must be a decimal number, got '" + text + "'");
    if (v < -limit || v > limit)
        refuse(where, std::string(what) + " must lie between " + std::to_string(static_cast<int>(-limit)) + " and " +
                          std::to_string(static_cast<int>(limit)) + ", got " + text);
    // Kept as written when it is already a JSON number ("44.84"), so URLs and partitions show
    // the user's text; "+44.84" or ".5" become their JSON spelling.
    const auto as_json = nlohmann::json::parse(text, nullptr, false);
    if (!as_json.is_discarded() && as_json.is_number()) return text;
    return nlohmann::json(v).dump();
}

Location from_text(const std::string& where, std::string_view item) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t colon = item.find(':', start);
        parts.push_back(trim(item.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start)));
        if (colon == std::string_view::npos) break;
        start = colon + 1;
    }
    if (parts.size() != 3 && parts.size() != 4) refuse(where, std::string(kSpelling) + ", got '" + std::string(item) + "'");
    Location loc;
    loc.name = parts[0];
    loc.latitude = coordinate(where, "latitude", parts[1], 90);
    loc.longitude = coordinate(where, "longitude", parts[2], 180);
    if (parts.size() == 4) loc.timezone = parts[3];
    return loc;
}

std::string coordinate_text(const std::string& where, const nlohmann::json& j, const char* what) {
    if (j.is_number()) return j.dump();
    if (j.is_string()) return trim(j.get<std::string>());
    refuse(where, std::string(what) + " must be a number, got " + j.dump());
}

const nlohmann::json* member(const nlohmann::json& obj, const char* a, const char* b = nullptr) {
    if (auto it = obj.find(a); it != obj.end()) return &*it;
    if (b != nullptr)
        if (auto it = obj.find(b); it != obj.end()) return &*it;
    return nullptr;
}

Location from_object(const std::string& where, const nlohmann::json& obj) {
    static const std::set<std::string> known = {"name", "lat", "latitude", "lon", "longitude", "timezone"};
    for (const auto& [k, v] : obj.items())
        if (!known.count(k)) refuse(where, "unknown field '" + k + "' (valid: name, lat, lon, timezone)");
    const nlohmann::json* name = member(obj, "name");
    const nlohmann::json* lat = member(obj, "lat", "latitude");
    const nlohmann::json* lon = member(obj, "lon", "longitude");
    if (name == nullptr || lat == nullptr || lon == nullptr) refuse(where, std::string(kSpelling) + ", got " + obj.dump());
    if (!name->is_string()) refuse(where, "name must be a string, got " + name->dump());
    Location loc;
    loc.name = trim(name->get<std::string>());
    loc.latitude = coordinate(where, "latitude", coordinate_text(where, *lat, "latitude"), 90);
    loc.longitude = coordinate(where, "longitude", coordinate_text(where, *lon, "longitude"), 180);
    if (const nlohmann::json* tz = member(obj, "timezone")) {
        if (!tz->is_string()) refuse(where, "timezone must be a string, got " + tz->dump());
        loc.timezone = trim(tz->get<std::string>());
    }
    return loc;
}

std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = text.find(',', start);
        std::string item = trim(std::string_view(text).substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (!item.empty()) out.push_back(std::move(item));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

}  // namespace

std::vector<Location> parse_locations(std::string_view json_text) {
    const auto j = nlohmann::json::parse(json_text, nullptr, false);
    if (j.is_discarded()) refuse("", "not valid JSON: " + std::string(json_text));
    std::vector<Location> out;
    if (j.is_string()) {
        const auto items = split_commas(j.get<std::string>());
        for (std::size_t i = 0; i < items.size(); ++i) out.push_back(from_text("[" + std::to_string(i) + "]", items[i]));
    } else if (j.is_array()) {
        for (std::size_t i = 0; i < j.size(); ++i) {
            const std::string where = "[" + std::to_string(i) + "]";
            if (j[i].is_string()) out.push_back(from_text(where, j[i].get<std::string>()));
            else if (j[i].is_object()) out.push_back(from_object(where, j[i]));
            else refuse(where, std::string(kSpelling) + ", got " + j[i].dump());
        }
    } else if (j.is_null()) {
        refuse("", "not set; give at least one location, e.g. [\"Bordeaux:44.84:-0.58\"]");
    } else {
        refuse("", "expected a list of locations, got " + j.dump());
    }
    if (out.empty()) refuse("", "the list is empty; give at least one location, e.g. [\"Bordeaux:44.84:-0.58\"]");
    std::set<std::string> names;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const std::string where = "[" + std::to_string(i) + "]";
        if (out[i].name.empty()) refuse(where, "the name is empty");
        if (!names.insert(out[i].name).second)
            refuse(where, "the name '" + out[i].name + "' is used twice (names key the records and offsets)");
        for (char c : out[i].timezone)
            if (c == ' ' || c == '&' || c == '?' || c == '#')
                refuse(where, "timezone '" + out[i].timezone + "' is not an IANA zone name (e.g. Europe/Paris)");
    }
    return out;
}

std::vector<Location> locations_of_task(const std::vector<Location>& all, int task_id, int task_count) {
    std::vector<Location> mine;
    if (task_count < 1) task_count = 1;
    for (std::size_t i = static_cast<std::size_t>(task_id); i < all.size(); i += static_cast<std::size_t>(task_count))
        mine.push_back(all[i]);
    return mine;
}

}  // namespace sluice::weather
