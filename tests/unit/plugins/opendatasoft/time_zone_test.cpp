// ISO 8601 timestamps of Opendatasoft records read in a zone (the zones themselves are tested
// with the shared library, tests/unit/time).
#include "time_zone.hpp"

#include <doctest/doctest.h>

using namespace sluice::ods;

namespace {

std::int64_t utc(int y, unsigned mo, unsigned d, int h, int mi, int s = 0) {
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

}  // namespace

TEST_CASE("DST edges in Europe/Paris: the gap moves forward, the repeated hour takes its first occurrence") {
    const TimeZone paris = TimeZone::load("Europe/Paris");
    // 2025-03-30: 02:00 local jumps to 03:00 (01:00Z).
    CHECK(*parse_timestamp("2025-03-30T01:59:59", paris) == utc(2025, 3, 30, 0, 59, 59) * 1000);
    CHECK(*parse_timestamp("2025-03-30T02:30:00", paris) == utc(2025, 3, 30, 1, 30) * 1000);  // not a real time: 03:30 CEST
    CHECK(*parse_timestamp("2025-03-30T03:00:00", paris) == utc(2025, 3, 30, 1, 0) * 1000);
    // 2025-10-26: 03:00 local goes back to 02:00 (01:00Z); 02:30 happens twice.
    CHECK(*parse_timestamp("2025-10-26T02:30:00", paris) == utc(2025, 10, 26, 0, 30) * 1000);
    CHECK(*parse_timestamp("2025-10-26T03:00:00", paris) == utc(2025, 10, 26, 2, 0) * 1000);
    CHECK(*parse_timestamp("2025-10-26T01:59:00", paris) == utc(2025, 10, 25, 23, 59) * 1000);
    // An explicit offset wins over the zone.
    CHECK(*parse_timestamp("2025-10-26T02:30:00+01:00", paris) == utc(2025, 10, 26, 1, 30) * 1000);
}

TEST_CASE("timestamp spellings of the fixtures and their errors") {
    const TimeZone paris = TimeZone::load("Europe/Paris");
    const TimeZone z = TimeZone::utc();
    CHECK(*parse_timestamp("2025-12-18T08:50:50+00:00", z) == utc(2025, 12, 18, 8, 50, 50) * 1000);
    CHECK(*parse_timestamp("2025-11-04T17:24:00+01:00", z) == utc(2025, 11, 4, 16, 24) * 1000);
    CHECK(*parse_timestamp("2022-03-10T10:45:34.660+01:00", z) == utc(2022, 3, 10, 9, 45, 34) * 1000 + 660);
    CHECK(*parse_timestamp("2023-02-01T22:47:00Z", z) == utc(2023, 2, 1, 22, 47) * 1000);
    CHECK(*parse_timestamp("2023-02-01T22:47:00-0330", z) == utc(2023, 2, 2, 2, 17) * 1000);
    CHECK(*parse_timestamp("2023-02-01 22:47", z) == utc(2023, 2, 1, 22, 47) * 1000);
    CHECK(*parse_timestamp("2019-06-01", paris) == utc(2019, 5, 31, 22, 0) * 1000);
    // The 2017 WFS export's HEURE: local time, no zone.
    CHECK(*parse_timestamp("20171014031623", paris) == utc(2017, 10, 14, 1, 16, 23) * 1000);
    for (const char* bad : {"", "2025-13-01", "2025-02-29T00:00:00Z", "2025-12-18T25:00:00Z", "2025-12-18T08:50:50+0",
                            "18/12/2025", "2025-12-18T08:50:50 CET", "2025-12-18T08", "null"})
        CHECK_MESSAGE(!parse_timestamp(bad, z), bad);
    CHECK(format_utc(utc(2025, 12, 18, 8, 50, 50) * 1000) == "2025-12-18T08:50:50Z");
    CHECK(format_utc(utc(1969, 12, 31, 23, 59, 59) * 1000 + 5) == "1969-12-31T23:59:59.005Z");
}
