#include "app/signals.hpp"

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <ctime>

namespace sluice::app {

namespace {
sigset_t stop_set() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}
}  // namespace

StopSignals::StopSignals() {
    sigset_t set = stop_set();
    sigaddset(&set, SIGHUP);  // taken by HangupWatcher (app/hangup.hpp), never a default exit
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

std::optional<int> StopSignals::wait(std::chrono::milliseconds timeout) {
    sigset_t set = stop_set();
    timespec ts{static_cast<time_t>(timeout.count() / 1000), static_cast<long>((timeout.count() % 1000) * 1000000)};
    int sig = sigtimedwait(&set, nullptr, &ts);
    if (sig < 0) return std::nullopt;
    return sig;
}

}  // namespace sluice::app
