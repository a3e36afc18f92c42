// A strict RFC 8259 JSON validator: one value (object, array, string, number, true, false,
// null) with optional surrounding whitespace and nothing else. Strings must be valid UTF-8
// without raw control characters. Iterative, so deep nesting cannot overflow the stack.
#pragma once

#include <string_view>

namespace sluice::file_sink {

bool is_valid_json(std::string_view text);

}  // namespace sluice::file_sink
