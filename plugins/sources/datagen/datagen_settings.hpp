// The datagen source's configuration: its declared keys and their reading into one
// checked struct. Kept apart from the task so that the checks can be tested alone.
#pragma once

#include "traffic_model.hpp"

#include <sluice/sdk.hpp>

#include <cstdint>
#include <vector>

namespace sluice::datagen {

struct DatagenSettings {
    ModelSettings model;
    std::uint64_t rate = 100;       // records per second per task; 0 = unlimited
    std::uint64_t max_records = 0;  // per task; 0 = unlimited
    std::uint64_t batch_size = 1000;
};

std::vector<sluice::ConfigKey> datagen_config_keys();

// Throws sluice::FatalError naming the key and what was expected.
DatagenSettings read_datagen_settings(const sluice::Config& config);

}  // namespace sluice::datagen
