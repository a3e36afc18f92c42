// Parsing a record's bytes with simdjson's DOM parser, with the padding it reads past the
// end of the text filled with spaces. simdjson 3.0.1 (Debian 12) copies an unpadded input
// into a buffer it reuses without clearing the padding, and a document following a longer
// one is then refused as malformed ("improper structure"): reproduced with Kafka records of
// varying length. Keeping the copy here, padding cleared, avoids it.
#pragma once

#include <simdjson.h>

#include <cstring>
#include <string>
#include <string_view>

namespace sluice::json_parse {

inline simdjson::simdjson_result<simdjson::dom::element> parse_padded(simdjson::dom::parser& parser, std::string& buffer,
                                                                        std::string_view text) {
    buffer.resize(text.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(buffer.data(), text.data(), text.size());
    std::memset(buffer.data() + text.size(), ' ', simdjson::SIMDJSON_PADDING);
    return parser.parse(buffer.data(), text.size(), false);
}

}  // namespace sluice::json_parse
