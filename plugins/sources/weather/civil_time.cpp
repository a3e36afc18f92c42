#include "civil_time.hpp"

namespace sluice::weather {

std::int64_t day_of_seconds(std::int64_t s) { return civil::floor_div(s, civil::seconds_per_day); }

std::optional<std::int64_t> parse_utc(std::string_view text) { return civil::parse_utc_seconds(text); }

std::optional<std::int64_t> parse_utc_ms(std::string_view text) {
    if (text.size() != 24 || text[19] != '.' || text.back() != 'Z') return std::nullopt;
    auto seconds = parse_wall_time(text.substr(0, 19));
    auto ms = civil::read_digits(text, 20, 3);
    if (!seconds || !ms) return std::nullopt;
    return *seconds * 1000 + *ms;
}

std::string format_utc(std::int64_t epoch_seconds) {
    std::string out;
    civil::append_date_time(out, epoch_seconds);
    return out + "Z";
}

std::string format_utc_ms(std::int64_t epoch_ms) {
    std::string out;
    civil::append_date_time(out, civil::floor_div(epoch_ms, 1000));
    out.push_back('.');
    civil::append_padded(out, epoch_ms - civil::floor_div(epoch_ms, 1000) * 1000, 3);
    return out + "Z";
}

std::string format_local(std::int64_t epoch_seconds, std::int64_t offset_seconds) {
    std::string out;
    civil::append_date_time(out, epoch_seconds + offset_seconds);
    civil::append_offset(out, static_cast<int>(offset_seconds), true);
    return out;
}

}  // namespace sluice::weather
