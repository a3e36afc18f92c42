#include "datagen_settings.hpp"

#include "civil_time.hpp"

#include <limits>
#include <string>

namespace sluice::datagen {

namespace {

constexpr std::int64_t max_sensors = 1'000'000;
constexpr std::int64_t max_interval_ms = 86'400'000;
constexpr std::int64_t max_batch_size = 100'000;

// The worker checks ranges against the declarations too; checking again here keeps a
// task safe from a host that does not, with a message that names the key.
std::int64_t integer_in(const sluice::Config& config, const char* key, std::int64_t min, std::int64_t max) {
    const std::int64_t value = config.integer(key);
    if (value < min || value > max)
        throw sluice::FatalError(std::string("datagen: ") + key + " must be between " + std::to_string(min) +
                                 " and " + std::to_string(max) + ", got " + std::to_string(value));
    return value;
}

std::string start_time_problem(const std::string& start) {
    // Quoted only when short: a pasted megabyte is described, not echoed.
    const std::string got = start.size() <= 40 ? "'" + start + "'" : "a " + std::to_string(start.size()) + "-character value";
    return "start.time must be a UTC time written YYYY-MM-DDTHH:MM:SSZ (e.g. 2026-01-01T00:00:00Z, year 1970 or later), "
           "or empty for the current time, got " + got;
}

}  // namespace

std::vector<sluice::ConfigKey> datagen_config_keys() {
    using sluice::ConfigKey;
    std::vector<ConfigKey> keys;
    keys.push_back(ConfigKey::integer("sensors", "Number of simulated lane detectors (keys S0000, S0001, ...).")
                       .default_value("20")
                       .between(1, max_sensors));
    keys.push_back(ConfigKey::integer("rate", "Records per second this task emits at most; 0 emits as fast as possible.")
                       .default_value("100")
                       .at_least(0));
    keys.push_back(ConfigKey::integer("seed", "Seed of the simulation: the same seed gives byte-identical records.")
                       .default_value("42"));
    keys.push_back(ConfigKey::integer("interval.ms", "Simulated measurement period of every sensor, in milliseconds.")
                       .default_value("60000")
                       .between(1000, max_interval_ms));
    keys.push_back(ConfigKey::string("start.time",
                                     "Simulated time of the first measurement, UTC, as YYYY-MM-DDTHH:MM:SSZ. Empty: the wall clock "
                                     "when the connector first starts (kept in its offsets, so a restart continues the same "
                                     "simulation). A time in the past gives records a broker with time-based retention may "
                                     "delete at once.")
                       .default_value(""));
    keys.push_back(ConfigKey::integer("max.records", "Records a task emits before it goes idle; 0 means no limit.")
                       .default_value("0")
                       .at_least(0));
    keys.push_back(ConfigKey::integer("batch.size", "Most records returned by one poll.")
                       .default_value("1000")
                       .between(1, max_batch_size));
    keys.push_back(ConfigKey::string("geo",
                                     "Sensor coordinates for maps: bordeaux-ring places the sensors along the Bordeaux ring road "
                                     "and adds a geo_point_2d {lat, lon} field to every record; none adds nothing.")
                       .default_value("none")
                       .one_of({"none", "bordeaux-ring"}));
    return keys;
}

DatagenSettings read_datagen_settings(const sluice::Config& config) {
    constexpr std::int64_t unbounded = std::numeric_limits<std::int64_t>::max();
    DatagenSettings settings;
    settings.model.sensors = static_cast<std::uint32_t>(integer_in(config, "sensors", 1, max_sensors));
    settings.rate = static_cast<std::uint64_t>(integer_in(config, "rate", 0, unbounded));
    settings.model.seed = static_cast<std::uint64_t>(config.integer("seed"));
    settings.model.interval_ms = integer_in(config, "interval.ms", 1000, max_interval_ms);
    settings.max_records = static_cast<std::uint64_t>(integer_in(config, "max.records", 0, unbounded));
    settings.batch_size = static_cast<std::uint64_t>(integer_in(config, "batch.size", 1, max_batch_size));
    settings.model.geo = config.string_or("geo", "none");

    const std::string start = config.string_or("start.time", "");
    if (start.empty()) return settings;
    const auto start_ms = parse_utc_seconds(start);
    if (!start_ms) throw sluice::FatalError("datagen: " + start_time_problem(start));
    settings.model.start_ms = *start_ms;
    settings.start_given = true;
    return settings;
}

void validate_datagen_settings(const sluice::Config& config, sluice::ConfigProblems& problems) {
    const std::string start = config.string_or("start.time", "");
    if (!start.empty() && !parse_utc_seconds(start)) problems.add("start.time", start_time_problem(start));
}

std::int64_t wall_clock_start_ms(std::int64_t now_ms, std::int64_t interval_ms) {
    return interval_ms > 0 ? now_ms - now_ms % interval_ms : now_ms;
}

}  // namespace sluice::datagen
