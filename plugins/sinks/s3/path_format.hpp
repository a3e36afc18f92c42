// path.format: the folder of an object, from the topic, the partition and the record time
// in a time zone ("topics/{topic}/year={yyyy}/month={MM}/day={dd}/hour={HH}", Hive style).
#pragma once

#include <sluice/time_zone.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::s3 {

class PathFormat {
public:
    // Throws std::runtime_error naming an unknown placeholder, an unclosed brace, a bad zone.
    static PathFormat parse(std::string_view format, const std::string& timezone);

    // The folder (no leading or trailing '/') of a record of this topic-partition at time_ms.
    std::string render(std::string_view topic, std::int32_t partition, std::int64_t time_ms) const;
    // The part of every folder of this topic-partition that does not depend on time: where a
    // listing of its objects starts (empty, or ending with '/' when it is a whole folder).
    std::string static_prefix(std::string_view topic, std::int32_t partition) const;
    // True when the folder depends on the time.
    bool uses_time() const { return uses_time_; }
    // The UTC instant of the next multiple of `interval_ms` of local time after `now_ms`.
    std::int64_t next_boundary(std::int64_t now_ms, std::int64_t interval_ms) const;

private:
    enum class Field { text, topic, partition, year, month, day, hour, minute };
    struct Piece {
        Field field;
        std::string text;
    };
    std::vector<Piece> pieces_;
    tz::TimeZone zone_ = tz::TimeZone::utc();
    bool uses_time_ = false;
};

}  // namespace sluice::s3
