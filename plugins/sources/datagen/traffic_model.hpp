// The synthetic road traffic model behind the datagen source: per-sensor road
// characteristics derived from the seed, daily demand profiles, and a simple fundamental
// diagram tying flow, speed and occupancy together. No I/O and no SDK: pure functions of
// (settings, sensor, step), so that any reading can be regenerated after a restart.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::datagen {

struct ModelSettings {
    std::uint64_t seed = 42;
    std::uint32_t sensors = 20;
    std::int64_t interval_ms = 60'000;
    std::int64_t start_ms = 1'767'225'600'000; // 2026-01-01T00:00:00Z
    std::string geo = "none";                  // sensor coordinates: "none" or a route of geo_route.hpp
};

enum class RoadType : std::uint8_t { motorway, expressway, urban };
enum class DayType : std::uint8_t { weekday, saturday, sunday };

// What a detector loop station is, fixed for its lifetime.
struct SensorProfile {
    std::string id;   // "S0007"
    std::string road; // "A63", "N230", "D1010"
    RoadType road_type = RoadType::motorway;
    int lane = 1;     // 1 is the right-most (slow) lane
    int lanes = 1;
    int speed_limit_kmh = 130;
    double free_speed_kmh = 120;
    double capacity_veh_h = 2000;   // per lane
    double peak_demand_ratio = 0.9; // demand at the busiest weekday minute / capacity
    double heavy_share = 0.1;       // share of heavy vehicles at a weekday noon
};

// Everything that depends on the simulated time only, shared by all sensors of a step.
struct StepConditions {
    std::uint64_t step = 0;
    std::int64_t timestamp_ms = 0;
    std::int64_t day = 0;         // days since the epoch
    std::uint32_t minute_of_day = 0;
    DayType day_type = DayType::weekday;
    double demand_factor = 0;     // daily profile x this day's busyness, ~0.04..1.2
    double heavy_factor = 1;      // heavy-vehicle share relative to a weekday noon
    std::int64_t hour_index = 0;  // hours since the epoch: incidents last a whole hour
};

// One measurement; decimals are kept as integer tenths so formatting needs no floats.
struct Reading {
    std::int64_t vehicle_count = 0;
    std::int32_t avg_speed_tenths = 0; // km/h x 10; 0 when no vehicle passed
    std::int32_t occupancy_tenths = 0; // percent x 10
    std::int32_t heavy_tenths = 0;     // percent x 10
};

// Share of the weekday peak demand at `hour` (0..24, fractional).
double demand_profile(DayType day_type, double hour);
// Heavy-vehicle share at `hour` relative to a weekday noon (night high, Sunday low).
double heavy_share_factor(DayType day_type, double hour);

class TrafficModel {
public:
    explicit TrafficModel(const ModelSettings& settings);

    const ModelSettings& settings() const { return settings_; }
    const SensorProfile& sensor(std::uint32_t index) const { return sensors_[index]; }

    // Simulated time of a step; throws std::overflow_error past the int64 millisecond range.
    std::int64_t step_time_ms(std::uint64_t step) const;
    StepConditions conditions(std::uint64_t step) const;
    Reading measure(std::uint32_t sensor, const StepConditions& at) const;

private:
    static constexpr std::size_t minutes_per_day = 1440;
    ModelSettings settings_;
    double interval_s_;
    std::uint64_t last_step_; // the last step whose time fits in int64 milliseconds
    std::vector<SensorProfile> sensors_;
    // Per day type, per minute of the day: the profiles are smooth, so a table beats
    // evaluating exponentials for every record.
    std::vector<double> demand_table_;
    std::vector<double> heavy_table_;
};

}  // namespace sluice::datagen
