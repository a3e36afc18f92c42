#include "datagen_settings.hpp"

#include "civil_time.hpp"

#include <string>

namespace sluice::datagen {

namespace {

constexpr std::int64_t max_sensors = 1'000'000;
constexpr std::int64_t max_interval_ms = 86'400'000;
constexpr std::int64_t max_batch_size = 100'000;

std::string start_time_problem(const std::string& start) {
    // Quoted only when short: a pasted megabyte is described, not echoed.
    const std::string got = start.size() <= 40 ? "'" + start + "'" : "a " + std::to_string(start.size()) + "-character value";
    return "start.time must be a UTC time written YYYY-MM-DDTHH:MM:SSZ (e.g. 2026-01-01T00:00:00Z, year 1970 or later), "
           "or empty for the current time, got " + got;
}

}  // namespace

const sluice::config_kit::Spec<DatagenSettings>& datagen_settings_spec() {
    using S = DatagenSettings;
    static const auto built = [] {
        sluice::config_kit::Spec<S> k;
        k.key("sensors", [](S& s) -> auto& { return s.model.sensors; }, "Number of simulated lane detectors (keys S0000, S0001, ...).").default_value(20).between(1, max_sensors);
        k.key("rate", &S::rate, "Records per second this task emits at most; 0 emits as fast as possible.").default_value(100).at_least(0);
        k.key("seed", [](S& s) -> auto& { return s.model.seed; }, "Seed of the simulation: the same seed gives byte-identical records.").default_value(42);
        k.key("interval.ms", [](S& s) -> auto& { return s.model.interval_ms; }, "Simulated measurement period of every sensor, in milliseconds.").default_value(60000).between(1000, max_interval_ms);
        k.key("start.time", &S::start_time, "Simulated time of the first measurement, UTC, as YYYY-MM-DDTHH:MM:SSZ. Empty: the wall clock when the connector first starts (kept in its offsets, so a restart continues the same simulation). A time in the past gives records a broker with time-based retention may delete at once.").default_value("");
        k.key("max.records", &S::max_records, "Records a task emits before it goes idle; 0 means no limit.").default_value(0).at_least(0);
        k.key("batch.size", &S::batch_size, "Most records returned by one poll.").default_value(1000).between(1, max_batch_size);
        k.key("geo", [](S& s) -> auto& { return s.model.geo; }, "Sensor coordinates for maps: bordeaux-ring places the sensors along the Bordeaux ring road and adds a geo_point_2d {lat, lon} field to every record; none adds nothing.").default_value("none").one_of({"none", "bordeaux-ring"});
        k.derive("start.time", [](S& s, const sluice::Config&) {
            if (s.start_time.empty()) return;
            const auto start_ms = parse_utc_seconds(s.start_time);
            if (!start_ms) throw sluice::FatalError(start_time_problem(s.start_time));
            s.model.start_ms = *start_ms;
            s.start_given = true;
        });
        return k;
    }();
    return built;
}

DatagenSettings read_datagen_settings(const sluice::Config& config) {
    try {
        return datagen_settings_spec().parse(config);
    } catch (const sluice::FatalError& e) {
        throw sluice::FatalError(std::string("datagen: ") + e.what());
    }
}

void validate_datagen_settings(const sluice::Config& config, sluice::ConfigProblems& problems) {
    datagen_settings_spec().validate(config, problems);
}

std::int64_t wall_clock_start_ms(std::int64_t now_ms, std::int64_t interval_ms) {
    return interval_ms > 0 ? now_ms - now_ms % interval_ms : now_ms;
}

}  // namespace sluice::datagen
