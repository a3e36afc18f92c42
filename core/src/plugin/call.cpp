#include "plugin/call.hpp"

#include "common/log.hpp"

#include <sluice/sdk.hpp>

namespace sluice::plugin {

std::string_view status_name(sluice_status status) {
    switch (status) {
    case SLUICE_OK: return "OK";
    case SLUICE_RETRY: return "RETRY";
    case SLUICE_ERROR: return "ERROR";
    case SLUICE_FATAL: return "FATAL";
    default: return "UNKNOWN";
    }
}

std::string shown_message(std::string_view message) { return log::mask_secrets(utf8::repair(message)); }

namespace {
thread_local CallInProgress t_call;
}  // namespace

const CallInProgress& call_in_progress() noexcept { return t_call; }

CallMarker::CallMarker(const char* callback, const char* file) noexcept : previous_(t_call) { t_call = {callback, file}; }

CallMarker::~CallMarker() { t_call = previous_; }

}  // namespace sluice::plugin
