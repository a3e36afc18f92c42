// Why the control plane refused a change, in Kafka Connect's terms (its REST layer maps them
// to 400, 404, 409 and 503, as Connect's BadRequest, NotFound, Conflict and unavailable).
#pragma once

#include "config/diagnostics.hpp"

#include <stdexcept>
#include <string>

namespace sluice::control {

enum class Refusal {
    invalid,      // the request itself is wrong (a bad configuration, a connector not STOPPED for offsets)
    not_found,    // no such connector, task or pipeline
    conflict,     // the state of the worker forbids it now (exists already, still settling, busy group)
    unavailable,  // Kafka could not be reached or refused
};

struct Error : std::runtime_error {
    Error(Refusal kind, const std::string& message) : std::runtime_error(message), refusal(kind) {}
    Refusal refusal;
};

// A pipeline's YAML refused, every problem with its line and column.
struct InvalidPipeline : Error {
    InvalidPipeline(const std::string& message, config::Diagnostics problems)
        : Error(Refusal::invalid, message), diagnostics(std::move(problems)) {}
    config::Diagnostics diagnostics;
};

// 404 "Connector <name> not found".
[[noreturn]] inline void connector_not_found(const std::string& name) {
    throw Error(Refusal::not_found, "Connector " + name + " not found");
}

}  // namespace sluice::control
