#include "plugin/call.hpp"

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

}  // namespace sluice::plugin
