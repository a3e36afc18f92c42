#include "civil_time.hpp"

namespace sluice::datagen {

std::int64_t day_of_ms(std::int64_t epoch_ms) { return civil::floor_div(epoch_ms, ms_per_day); }

std::optional<std::int64_t> parse_utc_seconds(std::string_view text) {
    const auto seconds = civil::parse_utc_seconds(text);
    if (!seconds || *seconds < 0) return std::nullopt;  // before 1970
    return *seconds * 1000;
}

}  // namespace sluice::datagen
