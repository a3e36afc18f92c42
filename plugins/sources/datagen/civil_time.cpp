#include "civil_time.hpp"

namespace sluice::datagen {

// Howard Hinnant's days_from_civil / civil_from_days: exact for every int64 day count
// the generator can reach, and branch-light.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
    year -= month <= 2 ? 1 : 0;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const auto year_of_era = static_cast<unsigned>(year - era * 400);
    const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

CivilDate civil_from_days(std::int64_t days) {
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto day_of_era = static_cast<unsigned>(days - era * 146097);
    const unsigned year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const unsigned mp = (5 * day_of_year + 2) / 153;
    CivilDate date;
    date.day = day_of_year - (153 * mp + 2) / 5 + 1;
    date.month = mp < 10 ? mp + 3 : mp - 9;
    date.year = static_cast<std::int64_t>(year_of_era) + era * 400 + (date.month <= 2 ? 1 : 0);
    return date;
}

unsigned weekday_from_days(std::int64_t days) {
    // 1970-01-01 was a Thursday (3 when Monday is 0).
    const std::int64_t shifted = (days + 3) % 7;
    return static_cast<unsigned>(shifted < 0 ? shifted + 7 : shifted);
}

std::int64_t day_of_ms(std::int64_t epoch_ms) {
    std::int64_t day = epoch_ms / ms_per_day;
    if (epoch_ms % ms_per_day < 0) --day;
    return day;
}

namespace {

bool is_leap(std::int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned days_in_month(std::int64_t year, unsigned month) {
    static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

// Reads `count` ASCII digits at text[pos], or nullopt.
std::optional<unsigned> digits(std::string_view text, std::size_t pos, std::size_t count) {
    unsigned value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned>(text[i] - '0');
    }
    return value;
}

}  // namespace

std::optional<std::int64_t> parse_utc_seconds(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SSZ
    // 0123456789012345678 9
    if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
        text[16] != ':' || text[19] != 'Z')
        return std::nullopt;
    const auto year = digits(text, 0, 4);
    const auto month = digits(text, 5, 2);
    const auto day = digits(text, 8, 2);
    const auto hour = digits(text, 11, 2);
    const auto minute = digits(text, 14, 2);
    const auto second = digits(text, 17, 2);
    if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
    if (*year < 1970 || *month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month) ||
        *hour > 23 || *minute > 59 || *second > 59)
        return std::nullopt;
    const std::int64_t days = days_from_civil(*year, *month, *day);
    return days * ms_per_day + ((static_cast<std::int64_t>(*hour) * 60 + *minute) * 60 + *second) * 1000;
}

}  // namespace sluice::datagen
