// Source offset records as the worker reads them back from the offsets topic at start-up
// (anyone with write access to the topic can put bytes there): the key
// ["<connector>",{partition}] decoded, the value canonicalised. The fuzz bytes are split at
// the first NUL into key and value. Invariants: decoding never throws; what decodes
// re-encodes to a key that decodes to the same; canonical form is a fixed point; all output
// is valid JSON.
#include "fuzz_support.hpp"

#include "offsets/offset_codec.hpp"

#include <nlohmann/json.hpp>

#include <string>

using namespace sluice;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto nul = in.find('\0');
    std::string_view key = in.substr(0, nul);
    std::string_view value = nul == std::string_view::npos ? in : in.substr(nul + 1);

    if (auto decoded = offsets::decode_key(key)) {
        std::string again = offsets::encode_key(decoded->connector, decoded->partition);
        auto round = offsets::decode_key(again);
        FUZZ_CHECK(round && round->connector == decoded->connector && round->partition == decoded->partition,
                   "key does not survive encode(decode()): " + fuzz::excerpt(key) + " -> " + fuzz::excerpt(again));
        FUZZ_CHECK(offsets::canonical_object(decoded->partition) == decoded->partition,
                   "decoded partition not canonical: " + fuzz::excerpt(decoded->partition));
    }
    if (auto canonical = offsets::canonical_object(value)) {
        FUZZ_CHECK(offsets::canonical_object(*canonical) == *canonical, "canonical form not a fixed point: " + fuzz::excerpt(*canonical));
        FUZZ_CHECK(nlohmann::json::accept(*canonical), "canonical form not JSON: " + fuzz::excerpt(*canonical));
    }
    return 0;
}
