// The `locations` of a weather connector: where to ask for weather, under which name.
//
// Accepted spellings (the key is declared as JSON, so YAML lists and maps arrive as JSON):
//   - a list of "name:lat:lon" or "name:lat:lon:timezone" strings;
//   - a list of objects {name, lat, lon[, timezone]} (also latitude/longitude);
//   - one string of comma-separated "name:lat:lon[:timezone]" items (Kafka Connect's flat
//     spelling of a list).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::weather {

struct Location {
    std::string name;
    // As written in the configuration ("44.84"): sent in URLs and kept in the source
    // partition unchanged, so the partition never depends on float formatting.
    std::string latitude;
    std::string longitude;
    // IANA name for Open-Meteo's `timezone=`; empty means the connector's default.
    std::string timezone;
};

// Parses and checks the configured locations (JSON text as the worker hands it over).
// Throws sluice::FatalError naming the entry at fault: "locations[2]: ...".
std::vector<Location> parse_locations(std::string_view json_text);

// The locations task `task_id` of `task_count` serves: i, i+N, i+2N, ...
std::vector<Location> locations_of_task(const std::vector<Location>& all, int task_id, int task_count);

}  // namespace sluice::weather
