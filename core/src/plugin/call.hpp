// Calling into a plugin: an error buffer for its message, and a net for what the ABI
// forbids but a careless plugin may still do (throw, return an unknown status).
#pragma once

#include <sluice/abi.h>

#include <exception>
#include <string>

namespace sluice::plugin {

struct Outcome {
    sluice_status status = SLUICE_OK;
    std::string message;
    int64_t record_index = -1;

    bool ok() const { return status == SLUICE_OK; }
};

std::string_view status_name(sluice_status status);

// A plugin's message as the worker may show it anywhere (status traces, REST answers, log):
// valid UTF-8, and without any secret or provider value the plugin may have echoed.
std::string shown_message(std::string_view message);

// The plugin call this thread is in (callback name, plugin file), or nulls: read by the
// worker's fatal-signal handler (app/crash_report.hpp) to name the plugin that crashed an
// in-process task. Plain pointers in a thread-local, so a signal handler may read them.
struct CallInProgress {
    const char* callback = nullptr;
    const char* plugin_file = nullptr;
};
const CallInProgress& call_in_progress() noexcept;

// Marks this thread as inside `callback` of the plugin in `file` while it lives.
class CallMarker {
public:
    CallMarker(const char* callback, const char* file) noexcept;
    ~CallMarker();
    CallMarker(const CallMarker&) = delete;
    CallMarker& operator=(const CallMarker&) = delete;

private:
    CallInProgress previous_;
};

// `file`: the plugin's .so, named by the fatal-signal line if the call crashes the worker.
template <class F>
Outcome call_plugin(const char* what, const char* file, F&& fn) {
    CallMarker marker(what, file);
    char buffer[2048];
    buffer[0] = '\0';
    sluice_error err{buffer, sizeof buffer, -1};
    Outcome out;
    try {
        out.status = fn(&err);
    } catch (const std::exception& e) {
        out.status = SLUICE_FATAL;
        out.message = std::string(what) + " threw across the plugin ABI: " + e.what();
        return out;
    } catch (...) {
        out.status = SLUICE_FATAL;
        out.message = std::string(what) + " threw across the plugin ABI";
        return out;
    }
    buffer[sizeof buffer - 1] = '\0';
    if (buffer[0] != '\0') out.message = shown_message(buffer);
    out.record_index = err.record_index;
    if (out.status < SLUICE_OK || out.status > SLUICE_FATAL) {
        out.message = std::string(what) + " returned unknown status " + std::to_string(out.status) +
                      (out.message.empty() ? "" : ": " + out.message);
        out.status = SLUICE_FATAL;
    } else if (out.status != SLUICE_OK && out.message.empty()) {
        out.message = std::string(what) + " returned " + std::string(status_name(out.status)) + " without a message";
    }
    return out;
}

}  // namespace sluice::plugin
