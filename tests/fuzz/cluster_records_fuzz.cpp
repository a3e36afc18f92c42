// A cluster's config and status topics as every worker reads them (anyone with write access
// to the topics can put bytes there): records "key NUL value NUL ..." (a value of one 0x01
// byte is a tombstone) applied to two ConfigStates in the same order, and to a StatusBoard.
// Invariants: nothing throws; both states derive the same slots (every worker must place
// tasks the same way); no slot is given twice; the used slots are exactly the slots given;
// slot_of agrees with the listing.
#include "fuzz_support.hpp"

#include "cluster/config_state.hpp"
#include "cluster/status_board.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace sluice;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::vector<std::pair<std::string, std::optional<std::string>>> records;
    while (!in.empty() && records.size() < 64) {
        auto key_end = in.find('\0');
        std::string key(in.substr(0, key_end));
        in = key_end == std::string_view::npos ? std::string_view() : in.substr(key_end + 1);
        auto value_end = in.find('\0');
        std::string_view value = in.substr(0, value_end);
        in = value_end == std::string_view::npos ? std::string_view() : in.substr(value_end + 1);
        records.emplace_back(key, value == "\x01" ? std::nullopt : std::optional<std::string>(value));
    }
    cluster::ConfigState a, b;
    cluster::StatusBoard board;
    try {
        for (const auto& [key, value] : records) {
            a.apply(key, value);
            board.apply(key, value);
        }
        for (const auto& [key, value] : records) b.apply(key, value);
    } catch (const std::exception& e) {
        FUZZ_FAIL(std::string("apply threw: ") + e.what());
    }
    FUZZ_CHECK(a.slots() == b.slots(), "two readers of the same records placed tasks differently");
    std::set<int> given;
    size_t count = 0;
    for (const auto& [connector, slots] : a.slots()) {
        count += slots.size();
        given.insert(slots.begin(), slots.end());
        for (size_t t = 0; t < slots.size(); ++t)
            FUZZ_CHECK(a.slot_of(connector, static_cast<int>(t)) == slots[t], "slot_of disagrees with the listing for " + connector);
    }
    FUZZ_CHECK(given.size() == count, "a slot was given twice");
    FUZZ_CHECK(given == a.used_slots(), "used slots differ from the slots given");
    return 0;
}
