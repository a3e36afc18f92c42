#include "civil_time.hpp"
#include "traffic_model.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <vector>

using namespace sluice::datagen;

namespace {

// 2026-01-05 was a Monday, 2026-01-11 a Sunday.
constexpr std::int64_t monday_ms = 20'458LL * ms_per_day;

ModelSettings week_settings(std::uint64_t seed = 42, std::uint32_t sensors = 20) {
    ModelSettings s;
    s.seed = seed;
    s.sensors = sensors;
    s.interval_ms = 60'000;
    s.start_ms = monday_ms;
    return s;
}

std::uint64_t step_at(int day, int hour, int minute = 0) {
    return static_cast<std::uint64_t>((day * 24 + hour) * 60 + minute);
}

}  // namespace

TEST_CASE("the Monday the tests rely on is a Monday") {
    CHECK(weekday_from_days(monday_ms / ms_per_day) == 0);
}

TEST_CASE("the daily demand profile has rush hours and quiet nights") {
    const double night = demand_profile(DayType::weekday, 3.0);
    const double morning = demand_profile(DayType::weekday, 8.0);
    const double noon = demand_profile(DayType::weekday, 12.5);
    const double evening = demand_profile(DayType::weekday, 17.6);
    CHECK(morning == doctest::Approx(1.0).epsilon(0.05));
    CHECK(morning > noon * 1.4);
    CHECK(evening > noon * 1.4);
    CHECK(night < 0.1);
    CHECK(noon > night * 5);
    // Weekends are quieter, Sundays most of all, and have no morning rush.
    CHECK(demand_profile(DayType::saturday, 8.0) < morning * 0.6);
    CHECK(demand_profile(DayType::sunday, 8.0) < demand_profile(DayType::saturday, 8.0));
    double weekday_total = 0, saturday_total = 0, sunday_total = 0;
    for (double h = 0; h < 24; h += 0.25) {
        weekday_total += demand_profile(DayType::weekday, h);
        saturday_total += demand_profile(DayType::saturday, h);
        sunday_total += demand_profile(DayType::sunday, h);
    }
    CHECK(saturday_total < weekday_total * 0.85);
    CHECK(sunday_total < saturday_total);
    for (double h = 0; h <= 24; h += 0.1) {
        CHECK(demand_profile(DayType::weekday, h) > 0);
        CHECK(demand_profile(DayType::weekday, h) < 1.1);
    }
}

TEST_CASE("heavy vehicles make up more of the traffic at night and little on Sundays") {
    CHECK(heavy_share_factor(DayType::weekday, 12.0) == doctest::Approx(1.0));
    CHECK(heavy_share_factor(DayType::weekday, 3.0) > 2.0);
    CHECK(heavy_share_factor(DayType::weekday, 8.0) < 1.0);
    CHECK(heavy_share_factor(DayType::sunday, 12.0) < 0.5);
    CHECK(heavy_share_factor(DayType::sunday, 23.5) > heavy_share_factor(DayType::sunday, 12.0));
}

TEST_CASE("sensor profiles derive from the seed") {
    const TrafficModel a(week_settings(42));
    const TrafficModel b(week_settings(42));
    const TrafficModel c(week_settings(43));
    int differing = 0;
    for (std::uint32_t s = 0; s < 20; ++s) {
        const SensorProfile& p = a.sensor(s);
        CHECK(p.road == b.sensor(s).road);
        CHECK(p.lane == b.sensor(s).lane);
        CHECK(p.free_speed_kmh == b.sensor(s).free_speed_kmh);
        if (p.road != c.sensor(s).road || p.peak_demand_ratio != c.sensor(s).peak_demand_ratio) ++differing;
        CHECK(p.lane >= 1);
        CHECK(p.lane <= p.lanes);
        CHECK(p.free_speed_kmh > 30);
        CHECK(p.free_speed_kmh <= 140);
        CHECK(p.capacity_veh_h > 0);
        CHECK((p.road[0] == 'A' || p.road[0] == 'N' || p.road[0] == 'D'));
    }
    CHECK(differing > 10);
    CHECK(a.sensor(0).id == "S0000");
    CHECK(a.sensor(19).id == "S0019");
    // Wider ids once four digits are not enough.
    CHECK(TrafficModel(week_settings(42, 12'345)).sensor(7).id == "S00007");
}

TEST_CASE("step conditions follow the simulated clock") {
    const TrafficModel model(week_settings());
    const StepConditions first = model.conditions(0);
    CHECK(first.timestamp_ms == monday_ms);
    CHECK(first.minute_of_day == 0);
    CHECK(first.day_type == DayType::weekday);
    const StepConditions saturday = model.conditions(step_at(5, 13, 7));
    CHECK(saturday.day_type == DayType::saturday);
    CHECK(saturday.minute_of_day == 13 * 60 + 7);
    CHECK(saturday.timestamp_ms == monday_ms + (5 * 24 * 60 + 13 * 60 + 7) * 60'000LL);
    CHECK(model.conditions(step_at(6, 23, 59)).day_type == DayType::sunday);
    CHECK(model.conditions(step_at(7, 0)).day_type == DayType::weekday);
}

TEST_CASE("step times past the 64-bit millisecond range are refused") {
    ModelSettings s = week_settings();
    s.interval_ms = 86'400'000;
    const TrafficModel model(s);
    CHECK_NOTHROW(model.step_time_ms(1'000'000));
    CHECK_THROWS_AS(model.step_time_ms(UINT64_C(1) << 40), std::overflow_error);
}

TEST_CASE("a simulated week stays within physical ranges and shows the daily pattern") {
    const TrafficModel model(week_settings());
    const std::uint32_t sensors = model.settings().sensors;
    std::vector<std::int64_t> rush_counts(sensors), night_counts(sensors);
    std::int64_t weekday_total = 0, sunday_total = 0;
    std::int64_t night_heavy_tenths = 0, night_readings = 0, rush_heavy_tenths = 0, rush_readings = 0;
    int congested = 0;
    for (std::uint64_t step = 0; step < step_at(7, 0); ++step) {
        const StepConditions at = model.conditions(step);
        const int day = static_cast<int>(step / 1440);
        const std::uint32_t minute = at.minute_of_day;
        for (std::uint32_t s = 0; s < sensors; ++s) {
            const Reading r = model.measure(s, at);
            REQUIRE(r.vehicle_count >= 0);
            REQUIRE(r.vehicle_count < 200); // one lane, one minute
            REQUIRE(r.avg_speed_tenths >= 0);
            REQUIRE(r.avg_speed_tenths <= 1400);
            REQUIRE(r.occupancy_tenths >= 0);
            REQUIRE(r.occupancy_tenths <= 1000);
            REQUIRE(r.heavy_tenths >= 0);
            REQUIRE(r.heavy_tenths <= 1000);
            if (r.vehicle_count == 0) {
                REQUIRE(r.avg_speed_tenths == 0);
                REQUIRE(r.occupancy_tenths == 0);
            } else {
                REQUIRE(r.avg_speed_tenths >= 20);
            }
            if (r.vehicle_count > 0 && r.avg_speed_tenths < model.sensor(s).free_speed_kmh * 5) ++congested;
            if (day == 0 && minute >= 7 * 60 + 30 && minute < 8 * 60 + 30) rush_counts[s] += r.vehicle_count;
            if (day == 0 && minute >= 2 * 60 && minute < 3 * 60) night_counts[s] += r.vehicle_count;
            if (day == 1) weekday_total += r.vehicle_count;
            if (day == 6) sunday_total += r.vehicle_count;
            if (r.vehicle_count > 0 && day < 5 && minute < 5 * 60) {
                night_heavy_tenths += r.heavy_tenths;
                ++night_readings;
            }
            if (r.vehicle_count > 0 && day < 5 && minute >= 7 * 60 + 30 && minute < 8 * 60 + 30) {
                rush_heavy_tenths += r.heavy_tenths;
                ++rush_readings;
            }
        }
    }
    for (std::uint32_t s = 0; s < sensors; ++s) {
        CAPTURE(s);
        CHECK(rush_counts[s] > 3 * night_counts[s]);
    }
    CHECK(sunday_total < weekday_total * 0.75);
    CHECK(static_cast<double>(night_heavy_tenths) / static_cast<double>(night_readings) >
          1.5 * static_cast<double>(rush_heavy_tenths) / static_cast<double>(rush_readings));
    CHECK(congested > 0); // some sensors saturate at rush hour
}

TEST_CASE("speed falls as occupancy rises") {
    const TrafficModel model(week_settings());
    // On every sensor, the busiest tenth of a weekday is slower than its quietest half.
    for (std::uint32_t s = 0; s < model.settings().sensors; ++s) {
        std::vector<Reading> day;
        for (std::uint64_t step = 0; step < 1440; ++step) {
            const Reading r = model.measure(s, model.conditions(step));
            if (r.vehicle_count >= 5) day.push_back(r);
        }
        std::sort(day.begin(), day.end(),
                  [](const Reading& a, const Reading& b) { return a.occupancy_tenths < b.occupancy_tenths; });
        REQUIRE(day.size() > 100);
        double quiet = 0, busy = 0;
        const std::size_t half = day.size() / 2, tenth = day.size() / 10;
        for (std::size_t i = 0; i < half; ++i) quiet += day[i].avg_speed_tenths;
        for (std::size_t i = day.size() - tenth; i < day.size(); ++i) busy += day[i].avg_speed_tenths;
        CAPTURE(s);
        CHECK(busy / static_cast<double>(tenth) < quiet / static_cast<double>(half));
    }
}

TEST_CASE("measurements are pure functions of seed, sensor and step") {
    const TrafficModel a(week_settings(42));
    const TrafficModel b(week_settings(42));
    const TrafficModel c(week_settings(7));
    int differences = 0;
    for (std::uint64_t step = 480; step < 500; ++step) {
        for (std::uint32_t s = 0; s < 20; ++s) {
            const Reading x = a.measure(s, a.conditions(step));
            const Reading y = b.measure(s, b.conditions(step));
            CHECK(x.vehicle_count == y.vehicle_count);
            CHECK(x.avg_speed_tenths == y.avg_speed_tenths);
            CHECK(x.occupancy_tenths == y.occupancy_tenths);
            CHECK(x.heavy_tenths == y.heavy_tenths);
            const Reading z = c.measure(s, c.conditions(step));
            if (z.vehicle_count != x.vehicle_count || z.avg_speed_tenths != x.avg_speed_tenths) ++differences;
        }
    }
    CHECK(differences > 300);
}
