#include "traffic_model.hpp"

#include "civil_time.hpp"
#include "counter_rng.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace sluice::datagen {

namespace {

// Distinct salts keep the random streams of roads, sensors, days, incidents and readings
// independent of each other even though they all derive from the same seed.
constexpr std::uint64_t salt_road = 0x726f6164;      // "road"
constexpr std::uint64_t salt_sensor = 0x73656e73;    // "sens"
constexpr std::uint64_t salt_day = 0x646179;         // "day"
constexpr std::uint64_t salt_incident = 0x696e6369;  // "inci"
constexpr std::uint64_t salt_reading = 0x72656164;   // "read"

constexpr double incident_probability_per_hour = 0.002;
constexpr double incident_capacity_factor = 0.45;
// Demand/capacity ratio past which flow breaks down into stop-and-go.
constexpr double critical_ratio = 0.92;

double gauss(double x, double mean, double sigma) {
    const double z = (x - mean) / sigma;
    return std::exp(-0.5 * z * z);
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Close to 1 between `from` and `to` (hours), with soft edges.
double plateau(double hour, double from, double to) {
    return sigmoid((hour - from) / 0.5) * sigmoid((to - hour) / 0.7);
}

// Heavy-vehicle demand: deliveries and long-haul run day and night on weekdays; French
// rules ban most lorries from Saturday 22:00 to Sunday 22:00.
double heavy_demand(DayType day_type, double hour) {
    switch (day_type) {
    case DayType::weekday: return 0.25 + 0.75 * plateau(hour, 5.0, 20.5);
    case DayType::saturday: return 0.15 + 0.55 * plateau(hour, 6.0, 14.0);
    case DayType::sunday: return 0.05 + 0.6 * sigmoid((hour - 22.0) / 0.3);
    }
    return 1.0;
}

DayType day_type_of(std::int64_t day) {
    switch (weekday_from_days(day)) {
    case 5: return DayType::saturday;
    case 6: return DayType::sunday;
    default: return DayType::weekday;
    }
}

// Letter + number. Appending instead of `"A" + std::to_string(n)` sidesteps a GCC 12
// -Wrestrict false positive.
std::string prefixed(char letter, std::uint64_t number) {
    std::string text(1, letter);
    text += std::to_string(number);
    return text;
}

struct RoadProfile {
    std::string name;
    RoadType type = RoadType::motorway;
    int lanes = 2;
    int speed_limit_kmh = 130;
};

RoadProfile make_road(std::uint64_t seed, std::uint32_t index) {
    const DrawStream draws(hash_of(seed, salt_road, index));
    RoadProfile road;
    const double kind = draws.uniform(0);
    const std::uint64_t pick = draws.bits(1);
    const double limit_draw = draws.uniform(2);
    if (kind < 0.4) {
        road.type = RoadType::motorway;
        road.name = prefixed('A', 1 + pick % 89);
        road.lanes = 2 + static_cast<int>((pick >> 20) % 3);
        road.speed_limit_kmh = limit_draw < 0.7 ? 130 : 110;
    } else if (kind < 0.7) {
        road.type = RoadType::expressway;
        road.name = prefixed('N', 10 + pick % 990);
        road.lanes = 2 + static_cast<int>((pick >> 20) % 2);
        road.speed_limit_kmh = limit_draw < 0.5 ? 110 : 90;
    } else {
        road.type = RoadType::urban;
        road.name = prefixed('D', 100 + pick % 2900);
        road.lanes = 1 + static_cast<int>((pick >> 20) % 2);
        road.speed_limit_kmh = limit_draw < 0.6 ? 50 : 70;
    }
    return road;
}

std::string sensor_id(std::uint32_t index, std::uint32_t sensors) {
    const std::string digits = std::to_string(index);
    const std::size_t width = std::max<std::size_t>(4, std::to_string(sensors - 1).size());
    std::string id(1, 'S');
    id.append(width - std::min(width, digits.size()), '0');
    id += digits;
    return id;
}

SensorProfile make_sensor(std::uint64_t seed, std::uint32_t index, std::uint32_t sensors,
                          const std::vector<RoadProfile>& roads) {
    const DrawStream draws(hash_of(seed, salt_sensor, index));
    const RoadProfile& road = roads[draws.bits(0) % roads.size()];
    SensorProfile p;
    p.id = sensor_id(index, sensors);
    p.road = road.name;
    p.road_type = road.type;
    p.lanes = road.lanes;
    p.lane = 1 + static_cast<int>(draws.bits(1) % static_cast<std::uint64_t>(road.lanes));
    p.speed_limit_kmh = road.speed_limit_kmh;
    // Lorries keep to the right-most lane of a multi-lane road: slower, denser, more heavy.
    const bool slow_lane = road.lanes > 1 && p.lane == 1;
    const double lane_heavy = road.lanes == 1 ? 1.0 : p.lane == 1 ? 1.8 : p.lane == 2 ? 0.7 : 0.25;
    double base_capacity = 2000;
    double base_heavy = 0.12;
    double speed_spread = 0.9 + 0.12 * draws.uniform(2);
    switch (road.type) {
    case RoadType::motorway: break;
    case RoadType::expressway: base_capacity = 1850; base_heavy = 0.09; break;
    case RoadType::urban:
        base_capacity = 850; // signals and junctions
        base_heavy = 0.04;
        speed_spread = 0.8 + 0.15 * draws.uniform(2);
        break;
    }
    p.free_speed_kmh = road.speed_limit_kmh * speed_spread * (slow_lane ? 0.88 : 1.0);
    p.capacity_veh_h = base_capacity * (slow_lane ? 0.9 : 1.0);
    p.peak_demand_ratio = 0.55 + 0.6 * draws.uniform(3);
    p.heavy_share = base_heavy * lane_heavy;
    return p;
}

std::int32_t tenths(double value) { return static_cast<std::int32_t>(value * 10.0 + 0.5); }

}  // namespace

double demand_profile(DayType day_type, double hour) {
    switch (day_type) {
    case DayType::weekday:
        // Night floor, a daytime plateau, a sharp morning and a broader evening rush.
        return 0.05 + 0.45 * plateau(hour, 6.5, 20.5) + 0.5 * gauss(hour, 8.0, 0.9) +
               0.45 * gauss(hour, 17.6, 1.2);
    case DayType::saturday:
        return 0.05 + 0.45 * plateau(hour, 8.5, 21.0) + 0.2 * gauss(hour, 11.5, 1.8) +
               0.15 * gauss(hour, 16.5, 2.0);
    case DayType::sunday:
        return 0.04 + 0.3 * plateau(hour, 9.5, 20.5) + 0.15 * gauss(hour, 18.0, 1.8);
    }
    return 0;
}

double heavy_share_factor(DayType day_type, double hour) {
    static const double weekday_noon =
        heavy_demand(DayType::weekday, 12.0) / demand_profile(DayType::weekday, 12.0);
    const double ratio = heavy_demand(day_type, hour) / demand_profile(day_type, hour) / weekday_noon;
    return std::clamp(ratio, 0.05, 3.0);
}

TrafficModel::TrafficModel(const ModelSettings& settings)
    : settings_(settings), interval_s_(static_cast<double>(settings.interval_ms) / 1000.0) {
    if (settings_.sensors == 0) throw std::invalid_argument("at least one sensor is needed");
    if (settings_.interval_ms <= 0) throw std::invalid_argument("the interval must be positive");
    constexpr auto max_ms = std::numeric_limits<std::int64_t>::max();
    last_step_ = static_cast<std::uint64_t>((max_ms - settings_.start_ms) / settings_.interval_ms);
    // About six lane detectors per road: several sensors share a road, as on a real network.
    const std::uint32_t road_count = 1 + (settings_.sensors - 1) / 6;
    std::vector<RoadProfile> roads;
    roads.reserve(road_count);
    for (std::uint32_t r = 0; r < road_count; ++r) roads.push_back(make_road(settings_.seed, r));
    sensors_.reserve(settings_.sensors);
    for (std::uint32_t s = 0; s < settings_.sensors; ++s)
        sensors_.push_back(make_sensor(settings_.seed, s, settings_.sensors, roads));

    constexpr DayType day_types[] = {DayType::weekday, DayType::saturday, DayType::sunday};
    demand_table_.reserve(3 * minutes_per_day);
    heavy_table_.reserve(3 * minutes_per_day);
    for (DayType type : day_types) {
        for (std::size_t minute = 0; minute < minutes_per_day; ++minute) {
            // Sample the middle of the minute so the table is unbiased.
            const double hour = (static_cast<double>(minute) + 0.5) / 60.0;
            demand_table_.push_back(demand_profile(type, hour));
            heavy_table_.push_back(heavy_share_factor(type, hour));
        }
    }
}

std::int64_t TrafficModel::step_time_ms(std::uint64_t step) const {
    if (step > last_step_) throw std::overflow_error("simulated time exceeds the 64-bit millisecond range");
    return settings_.start_ms + static_cast<std::int64_t>(step) * settings_.interval_ms;
}

StepConditions TrafficModel::conditions(std::uint64_t step) const {
    StepConditions at;
    at.step = step;
    at.timestamp_ms = step_time_ms(step);
    at.day = day_of_ms(at.timestamp_ms);
    at.minute_of_day = static_cast<std::uint32_t>((at.timestamp_ms - at.day * ms_per_day) / 60'000);
    at.day_type = day_type_of(at.day);
    at.hour_index = at.timestamp_ms / 3'600'000;
    const std::size_t slot = static_cast<std::size_t>(at.day_type) * minutes_per_day + at.minute_of_day;
    // Some days are busier than others, for every sensor alike (weather, events).
    const double day_busyness = 1.0 + 0.05 * standard_normal(hash_of(settings_.seed, salt_day, static_cast<std::uint64_t>(at.day)));
    at.demand_factor = demand_table_[slot] * day_busyness;
    at.heavy_factor = heavy_table_[slot];
    return at;
}

Reading TrafficModel::measure(std::uint32_t sensor, const StepConditions& at) const {
    const SensorProfile& p = sensors_[sensor];
    const std::uint64_t seed = settings_.seed;
    const bool incident =
        unit_interval(hash_of(seed ^ salt_incident, sensor, static_cast<std::uint64_t>(at.hour_index))) <
        incident_probability_per_hour;
    const DrawStream draws(hash_of(seed ^ salt_reading, sensor, at.step));

    const double capacity = p.capacity_veh_h * (incident ? incident_capacity_factor : 1.0);
    const double demand = p.peak_demand_ratio * p.capacity_veh_h * at.demand_factor * (1.0 + 0.05 * draws.normal(0));
    const double ratio = demand / capacity;
    double speed = 0;
    double flow = 0;
    if (ratio <= critical_ratio) {
        // Free flow: speed erodes slowly, then faster as the road fills up.
        const double x = ratio / critical_ratio;
        speed = p.free_speed_kmh * (1.0 - 0.25 * x * x * x * x);
        flow = demand;
    } else {
        // Breakdown: queues form, speed collapses and throughput drops below capacity.
        const double congestion = std::min(1.0, (ratio - critical_ratio) / 0.4);
        speed = p.free_speed_kmh * 0.75 * (1.0 - 0.8 * congestion);
        flow = capacity * critical_ratio * (1.0 - 0.4 * congestion);
    }

    const double mean_count = flow * interval_s_ / 3600.0;
    // Poisson-like scatter around the mean.
    const double count_draw = mean_count + std::sqrt(mean_count) * draws.normal(1);
    Reading reading;
    reading.vehicle_count = count_draw <= 0 ? 0 : static_cast<std::int64_t>(count_draw + 0.5);
    if (reading.vehicle_count == 0) return reading; // nothing passed: nothing to average

    const auto count = static_cast<double>(reading.vehicle_count);
    // An average over few vehicles scatters more than one over many.
    const double speed_noise = 0.03 + 0.15 / std::sqrt(count);
    const double observed_speed = std::clamp(speed * (1.0 + speed_noise * draws.normal(2)), 2.0, 140.0);
    const double share = std::clamp(p.heavy_share * at.heavy_factor * (1.0 + 0.2 * draws.normal(3)), 0.0, 0.9);
    const double heavy_vehicles = std::min(count, static_cast<double>(static_cast<std::int64_t>(count * share + 0.5)));
    const double heavy_fraction = heavy_vehicles / count;
    // Occupancy = density x effective length (vehicle + loop); lorries are ~12 m longer.
    const double flow_per_hour = count * 3600.0 / interval_s_;
    const double effective_length_m = 6.0 + 12.0 * heavy_fraction;
    const double occupancy_pct = std::min(100.0, flow_per_hour / observed_speed * effective_length_m / 10.0);

    reading.avg_speed_tenths = tenths(observed_speed);
    reading.occupancy_tenths = tenths(occupancy_pct);
    reading.heavy_tenths = tenths(heavy_fraction * 100.0);
    return reading;
}

}  // namespace sluice::datagen
