// The s3 sink's configuration: declared keys, the typed settings, and the cross-key checks
// (no I/O).
#pragma once

#include "path_format.hpp"

#include <sluice/aws.hpp>
#include <sluice/config_kit.hpp>
#include <sluice/sdk.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sluice::s3 {

enum class TimeSource { record, wallclock, record_field };
enum class Compression { none, gzip };
enum class OnNull { ignore, fail };

struct Settings {
    aws::Connection connection;
    std::string bucket;
    bool path_style = false;
    std::string path_format_text;  // path.format as written; path_format is it parsed
    std::string timezone;
    PathFormat path_format;
    TimeSource time_source{};
    std::string timestamp_field;  // time_source record_field
    std::int64_t flush_size = 0;
    std::int64_t rotate_interval_ms = 0;           // of record time; <= 0: off
    std::int64_t rotate_schedule_interval_ms = 0;  // of wall-clock time; <= 0: off
    std::int64_t rotate_size_bytes = 0;            // uncompressed JSON per object
    std::int64_t part_size = 0;                    // multipart above this
    std::int64_t uploads_in_flight = 0;            // upload threads
    Compression compression{};
    int compression_level = 0;
    OnNull on_null{};

    // Reads and cross-checks the settings; throws FatalError naming the key at fault.
    static Settings from(const Config& config);
    // "s3://bucket at endpoint"
    std::string where() const;
    const char* extension() const { return compression == Compression::gzip ? ".jsonl.gz" : ".jsonl"; }
};

// Every key, the parse into Settings and the cross-key rules (validate()).
const config_kit::Spec<Settings>& settings_spec();
inline std::vector<ConfigKey> config_keys() { return settings_spec().keys(); }

}  // namespace sluice::s3
