// ISO 8601 timestamps of Opendatasoft records read into UTC instants, and the cursor's UTC
// spelling. Zones and calendar arithmetic come from the shared sluice_civil_time library
// (<sluice/time_zone.hpp>, <sluice/civil_time.hpp>); the names below keep the plugin's
// spelling of them.
#pragma once

#include <sluice/civil_time.hpp>
#include <sluice/time_zone.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::ods {

using TimeZoneError = tz::TimeZoneError;
using PosixRule = tz::PosixRule;
using TimeZone = tz::TimeZone;
using civil::days_from_civil;

// Reads an ISO 8601 timestamp into milliseconds since the Unix epoch. Accepted:
// "YYYY-MM-DD", "YYYY-MM-DDThh:mm[:ss[.fff…]]" (T or space), an optional zone "Z",
// "+hh:mm", "+hhmm" or "+hh", and the compact "YYYYMMDDhhmmss" of old WFS exports.
// Surrounding blanks are ignored; "24:00:00" is the end of the day; a leap second reads as
// :59. Without a zone the wall time is read in `zone` (see TimeZone::local_to_utc for gaps
// and repeated hours). nullopt when the text is none of these.
std::optional<std::int64_t> parse_timestamp(std::string_view text, const TimeZone& zone);

// "YYYY-MM-DDThh:mm:ssZ", with ".mmm" when the milliseconds are not zero.
std::string format_utc(std::int64_t epoch_ms);

}  // namespace sluice::ods
