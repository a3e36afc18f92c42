// The datagen source's configuration: its declared keys and their reading into one
// checked struct. Kept apart from the task so that the checks can be tested alone.
#pragma once

#include "traffic_model.hpp"

#include <sluice/config_kit.hpp>
#include <sluice/sdk.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::datagen {

struct DatagenSettings {
    ModelSettings model;            // model.start_ms: start.time, when one is given
    bool start_given = false;       // false: the simulation starts at the wall clock of the first start
    std::uint64_t rate = 0;         // records per second per task; 0 = unlimited
    std::uint64_t max_records = 0;  // per task; 0 = unlimited
    std::uint64_t batch_size = 0;
    std::string start_time;         // start.time as written; empty: the wall clock
};

// Every key, the parse into DatagenSettings and the checks validate() runs.
const sluice::config_kit::Spec<DatagenSettings>& datagen_settings_spec();
inline std::vector<sluice::ConfigKey> datagen_config_keys() { return datagen_settings_spec().keys(); }

// Throws sluice::FatalError naming the key and what was expected.
DatagenSettings read_datagen_settings(const sluice::Config& config);

// What read_datagen_settings() would refuse, as problems per key (no I/O).
void validate_datagen_settings(const sluice::Config& config, sluice::ConfigProblems& problems);

// The start of a simulation that starts "now": the wall clock rounded down to a whole
// measurement period, so every task of a connector started together agrees.
std::int64_t wall_clock_start_ms(std::int64_t now_ms, std::int64_t interval_ms);

}  // namespace sluice::datagen
