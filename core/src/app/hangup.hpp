// SIGHUP, taken by a thread of its own (StopSignals blocks it in every thread): the REST
// listener's certificate and credentials files are read again.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace sluice::app {

class HangupWatcher {
public:
    explicit HangupWatcher(std::function<void()> on_hangup);
    ~HangupWatcher();
    HangupWatcher(const HangupWatcher&) = delete;
    HangupWatcher& operator=(const HangupWatcher&) = delete;

private:
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace sluice::app
