// "what: <strerror(errno)>", for the system calls of the arena and the host process.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>

namespace sluice::isolation {

inline std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace sluice::isolation
