#include "app/hangup.hpp"

#include "common/log.hpp"

#include <signal.h>

#include <ctime>

namespace sluice::app {

HangupWatcher::HangupWatcher(std::function<void()> on_hangup) {
    thread_ = std::thread([this, on_hangup = std::move(on_hangup)] {
        log::Scope scope("sighup");
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGHUP);
        while (!stop_.load()) {
            timespec ts{0, 200 * 1000 * 1000};
            if (sigtimedwait(&set, nullptr, &ts) == SIGHUP) {
                log::info("SIGHUP: reloading the REST certificate and credentials");
                on_hangup();
            }
        }
    });
}

HangupWatcher::~HangupWatcher() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

}  // namespace sluice::app
