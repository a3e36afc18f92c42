// SIGINT/SIGTERM handled synchronously by the main thread. Blocked in every thread (the
// mask is inherited), so no thread is interrupted in the middle of a Kafka call.
#pragma once

#include <chrono>
#include <optional>

namespace sluice::app {

class StopSignals {
public:
    StopSignals();  // call before any thread starts
    // The signal received within the timeout, if any.
    std::optional<int> wait(std::chrono::milliseconds timeout);
};

}  // namespace sluice::app
