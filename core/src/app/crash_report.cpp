#include "app/crash_report.hpp"

#include "common/log.hpp"
#include "plugin/call.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace sluice::app {

namespace {
// Only async-signal-safe calls below: no allocation, no stdio, no locks.
struct Line {
    char text[1024];
    size_t length = 0;
    void add(const char* s, size_t n) {
        n = std::min(n, sizeof text - length);
        std::memcpy(text + length, s, n);
        length += n;
    }
    void add(const char* s) { add(s, std::strlen(s)); }
};

const char* signal_name(int sig) {
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGABRT: return "SIGABRT";
    default: return "a fatal signal";
    }
}

void on_fatal_signal(int sig) {
    Line line;
    line.add("sluice: fatal ");
    line.add(signal_name(sig));
    const auto& call = plugin::call_in_progress();
    const std::string_view context = log::current_context();
    if (call.callback != nullptr) {
        line.add(" in ");
        line.add(call.callback);
        line.add("() of plugin ");
        line.add(call.plugin_file != nullptr ? call.plugin_file : "(unknown file)");
        if (!context.empty()) {
            line.add(", task ");
            line.add(context.data(), context.size());
        }
        line.add(", run in-process: the worker stops with it (plugin.isolation: process keeps a crashing plugin to its own task)\n");
    } else {
        line.add(" outside any plugin call");
        if (!context.empty()) {
            line.add(" (thread of ");
            line.add(context.data(), context.size());
            line.add(")");
        }
        line.add(": the worker stops\n");
    }
    ssize_t ignored = ::write(STDERR_FILENO, line.text, line.length);
    (void)ignored;
    // SA_RESETHAND put the default action back: raising again ends the process as the
    // signal would have, core dump and exit status included.
    ::raise(sig);
}
}  // namespace

void install_crash_report() {
    struct sigaction action {};
    action.sa_handler = on_fatal_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND | SA_NODEFER;
    for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) sigaction(sig, &action, nullptr);
}

}  // namespace sluice::app
