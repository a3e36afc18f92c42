#include "settings.hpp"

namespace sluice::s3 {

std::vector<ConfigKey> config_keys() {
    std::vector<ConfigKey> k;
    k.push_back(ConfigKey::string("s3.bucket.name", "Bucket the objects are written to").required());
    k.push_back(ConfigKey::boolean("s3.path.style.access.enabled", "Address the bucket in the path "
                                                                   "(http://host/bucket/key), as local stores need; "
                                                                   "false: as a host name (bucket.host)")
                    .default_value("false"));
    k.push_back(ConfigKey::string("path.format", "Folder of each object: {topic}, {partition} and the time fields {yyyy} "
                                                 "{MM} {dd} {HH} {mm} of the record time (timestamp.extractor) in timezone")
                    .default_value("topics/{topic}/year={yyyy}/month={MM}/day={dd}/hour={HH}"));
    k.push_back(ConfigKey::string("timestamp.extractor", "Time of a record for path.format and rotate.interval.ms: Record "
                                                         "(its Kafka timestamp), Wallclock, or RecordField (timestamp.field)")
                    .default_value("Record")
                    .one_of({"Record", "Wallclock", "RecordField"}));
    k.push_back(ConfigKey::string("timestamp.field", "With timestamp.extractor RecordField: the top-level field holding the "
                                                     "time (epoch milliseconds, or ISO 8601 text)")
                    .default_value(""));
    k.push_back(ConfigKey::string("timezone", "IANA zone of the time fields of path.format and of the schedule boundaries")
                    .default_value("UTC"));
    k.push_back(ConfigKey::integer("flush.size", "Records per object: an object is closed and uploaded when it has this many")
                    .default_value("10000")
                    .at_least(1));
    k.push_back(ConfigKey::integer("rotate.interval.ms", "Close an object when a record's time is this far past the "
                                                         "object's first record; -1: off")
                    .default_value("-1")
                    .at_least(-1));
    k.push_back(ConfigKey::integer("rotate.schedule.interval.ms", "Close every open object at each multiple of this "
                                                                  "wall-clock interval (in timezone); -1: off")
                    .default_value("-1")
                    .at_least(-1));
    k.push_back(ConfigKey::integer("rotate.size.bytes", "Close an object when its JSON lines (before compression) reach "
                                                        "this size")
                    .default_value("104857600")
                    .between(1024, 5368709120.0));
    k.push_back(ConfigKey::integer("s3.part.size", "Objects larger than this are uploaded in parts of this size "
                                                   "(multipart upload, completed only when whole)")
                    .default_value("26214400")
                    .between(5242880, 5368709120.0));
    k.push_back(ConfigKey::string("s3.compression.type", "none: .jsonl objects; gzip: .jsonl.gz")
                    .default_value("none")
                    .one_of({"none", "gzip"}));
    k.push_back(ConfigKey::integer("s3.compression.level", "gzip level, 1 (fast) to 9 (small); -1: zlib's default (6)")
                    .default_value("-1")
                    .between(-1, 9));
    k.push_back(ConfigKey::string("behavior.on.null.values", "A record without value (tombstone): ignore (skipped) or fail "
                                                             "(to the error policy)")
                    .default_value("ignore")
                    .one_of({"ignore", "fail"}));
    for (auto& key : aws::connection_keys()) k.push_back(std::move(key));
    return k;
}

Settings Settings::from(const Config& config) {
    Settings s;
    s.connection = aws::connection_from(config, "s3", "https://s3.{region}.amazonaws.com");
    s.bucket = config.string("s3.bucket.name");
    // S3's rules: 3-63 characters of lower-case letters, digits, '.', '-'.
    const bool bucket_ok = s.bucket.size() >= 3 && s.bucket.size() <= 63 &&
                           s.bucket.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") == std::string::npos;
    if (!bucket_ok)
        throw FatalError("s3.bucket.name: expected 3 to 63 lower-case letters, digits, '.' or '-', got '" + s.bucket + "'");
    s.path_style = config.boolean("s3.path.style.access.enabled");
    try {
        s.path_format = PathFormat::parse(config.string("path.format"), config.string("timezone"));
    } catch (const std::exception& e) {
        throw FatalError(e.what());
    }
    const std::string extractor = config.string("timestamp.extractor");
    s.time_source = extractor == "Wallclock" ? TimeSource::wallclock
                    : extractor == "RecordField" ? TimeSource::record_field
                                                 : TimeSource::record;
    s.timestamp_field = config.string("timestamp.field");
    if (s.time_source == TimeSource::record_field && s.timestamp_field.empty())
        throw FatalError("timestamp.field: required with timestamp.extractor RecordField");
    if (s.time_source != TimeSource::record_field && !s.timestamp_field.empty())
        throw FatalError("timestamp.field: only used with timestamp.extractor RecordField");
    s.flush_size = config.integer("flush.size");
    s.rotate_interval_ms = config.integer("rotate.interval.ms");
    s.rotate_schedule_interval_ms = config.integer("rotate.schedule.interval.ms");
    if (s.rotate_interval_ms == 0 || s.rotate_schedule_interval_ms == 0)
        throw FatalError("rotate.interval.ms / rotate.schedule.interval.ms: give a positive interval, or -1 for none");
    s.rotate_size_bytes = config.integer("rotate.size.bytes");
    s.part_size = config.integer("s3.part.size");
    s.compression = config.string("s3.compression.type") == "gzip" ? Compression::gzip : Compression::none;
    s.compression_level = static_cast<int>(config.integer("s3.compression.level"));
    if (s.compression == Compression::none && s.compression_level != -1)
        throw FatalError("s3.compression.level: only meaningful with s3.compression.type gzip");
    s.on_null = config.string("behavior.on.null.values") == "fail" ? OnNull::fail : OnNull::ignore;
    return s;
}

std::string Settings::where() const { return "s3://" + bucket + " at " + connection.endpoint; }

}  // namespace sluice::s3
