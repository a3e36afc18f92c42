#include "record_line.hpp"

#include <sluice/civil_time.hpp>

#include <algorithm>

namespace sluice::s3 {

std::optional<std::int64_t> parse_iso_time(std::string_view text, const tz::TimeZone& zone) {
    auto f = civil::read_iso_fields(text, "T ");
    if (!f || f->month < 1 || f->month > 12 || f->day < 1 || f->day > civil::days_in_month(f->year, f->month) ||
        f->hour > 23 || f->minute > 59 || f->second > 60)
        return std::nullopt;
    const std::int64_t wall = civil::days_from_civil(f->year, f->month, f->day) * civil::seconds_per_day +
                              f->hour * 3600 + f->minute * 60 + f->second;
    std::string_view rest = text.substr(f->end);
    std::int64_t utc_s = 0;
    if (rest.empty()) {
        utc_s = zone.local_to_utc(wall);
    } else if (rest == "Z" || rest == "z") {
        utc_s = wall;
    } else if ((rest[0] == '+' || rest[0] == '-') && (rest.size() == 6 || rest.size() == 5 || rest.size() == 3)) {
        auto hh = civil::read_digits(rest, 1, 2);
        std::optional<unsigned> mm = 0u;
        if (rest.size() == 6) mm = rest[3] == ':' ? civil::read_digits(rest, 4, 2) : std::nullopt;
        else if (rest.size() == 5) mm = civil::read_digits(rest, 3, 2);
        if (!hh || !mm) return std::nullopt;
        const std::int64_t offset = std::int64_t{*hh} * 3600 + std::int64_t{*mm} * 60;
        utc_s = rest[0] == '+' ? wall - offset : wall + offset;
    } else {
        return std::nullopt;
    }
    return utc_s * 1000 + f->millis;
}

std::optional<std::string_view> LineReader::line(std::string_view value, const std::string& time_field,
                                                 const tz::TimeZone& zone, std::int64_t& time_ms, std::string& problem) {
    simdjson::dom::element doc;
    if (auto error = parser_.parse(value.data(), value.size()).get(doc)) {
        problem = std::string("its value is not JSON (") + simdjson::error_message(error) + ")";
        return std::nullopt;
    }
    if (!time_field.empty()) {
        simdjson::dom::element field;
        if (!doc.is_object() || doc.get_object()[time_field].get(field)) {
            problem = "its value has no field '" + time_field + "' (timestamp.field)";
            return std::nullopt;
        }
        std::optional<std::int64_t> ms;
        if (field.is_int64()) ms = field.get_int64().value();
        else if (field.is_uint64() || field.is_double()) ms = static_cast<std::int64_t>(field.get_double().value());
        else if (field.is_string()) ms = parse_iso_time(field.get_string().value(), zone);
        if (!ms) {
            problem = "its field '" + time_field + "' is neither epoch milliseconds nor an ISO 8601 date-time";
            return std::nullopt;
        }
        time_ms = *ms;
    }
    if (value.find_first_of("\r\n") == std::string_view::npos) return value;
    flattened_.assign(value);
    std::replace_if(flattened_.begin(), flattened_.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return std::string_view(flattened_);
}

}  // namespace sluice::s3
