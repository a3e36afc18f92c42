// The s3 sink's configuration: declared keys, the typed settings, and the cross-key checks
// (no I/O).
#pragma once

#include "path_format.hpp"

#include <sluice/aws.hpp>
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
    PathFormat path_format;
    TimeSource time_source = TimeSource::record;
    std::string timestamp_field;  // time_source record_field
    std::int64_t flush_size = 10000;
    std::int64_t rotate_interval_ms = -1;           // of record time; <= 0: off
    std::int64_t rotate_schedule_interval_ms = -1;  // of wall-clock time; <= 0: off
    std::int64_t rotate_size_bytes = 104857600;     // uncompressed JSON per object
    std::int64_t part_size = 26214400;              // multipart above this
    Compression compression = Compression::none;
    int compression_level = -1;
    OnNull on_null = OnNull::ignore;

    // Reads and cross-checks the settings; throws FatalError naming the key at fault.
    static Settings from(const Config& config);
    // "s3://bucket at endpoint"
    std::string where() const;
    const char* extension() const { return compression == Compression::gzip ? ".jsonl.gz" : ".jsonl"; }
};

std::vector<ConfigKey> config_keys();

}  // namespace sluice::s3
