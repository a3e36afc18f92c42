// An ABI byte span as text; a null span reads as empty.
#pragma once

#include <sluice/abi.h>

#include <string_view>

namespace sluice::runtime {

inline std::string_view bytes_view(const sluice_bytes& b) { return {b.data ? b.data : "", b.data ? b.size : 0}; }

}  // namespace sluice::runtime
