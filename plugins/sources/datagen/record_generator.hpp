// Turns record numbers into ready-to-send records: key = sensor id, value = one JSON
// object. Built for speed: every per-sensor and per-step piece of text is formatted once
// and reused, numbers go through std::to_chars, and the value lives in one reused buffer.
#pragma once

#include "traffic_model.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::datagen {

struct GeneratedRecord {
    std::string_view key;   // sensor id
    std::string_view value; // JSON object
    std::int64_t timestamp_ms = 0;
};

class RecordGenerator {
public:
    explicit RecordGenerator(const ModelSettings& settings);

    const TrafficModel& model() const { return model_; }

    // Record n covers sensor n % sensors at step n / sensors. The views stay valid until
    // the next call.
    GeneratedRecord generate(std::uint64_t n);

private:
    void enter_step(std::uint64_t step);
    void enter_day(std::int64_t day);

    TrafficModel model_;
    std::string interval_text_;      // interval in seconds, e.g. "60" or "1.5"
    std::vector<std::string> heads_; // per sensor: {"sensor_id":"S0007",...,"ts":"
    std::uint64_t current_step_ = std::numeric_limits<std::uint64_t>::max();
    StepConditions conditions_;
    std::int64_t current_day_ = std::numeric_limits<std::int64_t>::min();
    std::array<char, 32> date_{};    // "2026-11-22T"
    std::size_t date_size_ = 0;
    std::array<char, 128> step_text_{}; // 2026-11-22T08:00:00Z","interval_s":60,"vehicle_count":
    std::size_t step_size_ = 0;
    std::array<char, 512> value_{};
};

}  // namespace sluice::datagen
