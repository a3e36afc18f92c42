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

template <class F>
Outcome call_plugin(const char* what, F&& fn) {
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
