#include "settings.hpp"

namespace sluice::s3 {
namespace {

config_kit::Spec<Settings> make_spec() {
    using S = Settings;
    config_kit::Spec<S> k;
    k.key("s3.bucket.name", &S::bucket, "Bucket the objects are written to").required();
    k.key("s3.path.style.access.enabled", &S::path_style, "Address the bucket in the path (http://host/bucket/key), as local stores need; false: as a host name (bucket.host)").default_value(false);
    k.key("path.format", &S::path_format_text, "Folder of each object: {topic}, {partition} and the time fields {yyyy} {MM} {dd} {HH} {mm} of the record time (timestamp.extractor) in timezone").default_value("topics/{topic}/year={yyyy}/month={MM}/day={dd}/hour={HH}");
    k.choice("timestamp.extractor", &S::time_source, {{"Record", TimeSource::record}, {"Wallclock", TimeSource::wallclock}, {"RecordField", TimeSource::record_field}},
             "Time of a record for path.format and rotate.interval.ms: Record (its Kafka timestamp), Wallclock, or RecordField (timestamp.field)").default_value(TimeSource::record);
    k.key("timestamp.field", &S::timestamp_field, "With timestamp.extractor RecordField: the top-level field holding the time (epoch milliseconds, or ISO 8601 text)").default_value("");
    k.key("timezone", &S::timezone, "IANA zone of the time fields of path.format and of the schedule boundaries").default_value("UTC");
    k.key("flush.size", &S::flush_size, "Records per object: an object is closed and uploaded when it has this many").default_value(10000).at_least(1);
    k.key("rotate.interval.ms", &S::rotate_interval_ms, "Close an object when a record's time is this far past the object's first record; -1: off").default_value(-1).at_least(-1);
    k.key("rotate.schedule.interval.ms", &S::rotate_schedule_interval_ms, "Close every open object at each multiple of this wall-clock interval (in timezone); -1: off").default_value(-1).at_least(-1);
    k.key("rotate.size.bytes", &S::rotate_size_bytes, "Close an object when its JSON lines (before compression) reach this size").default_value(104857600).between(1024, 5368709120.0);
    k.key("s3.part.size", &S::part_size, "Objects larger than this are uploaded in parts of this size (multipart upload, completed only when whole)").default_value(26214400).between(5242880, 5368709120.0);
    k.key("s3.uploads.in.flight", &S::uploads_in_flight, "Objects uploaded at once, each on a connection of its own; never two of one partition, whose objects go in offset order").default_value(4).between(1, 64);
    k.choice("s3.compression.type", &S::compression, {{"none", Compression::none}, {"gzip", Compression::gzip}}, "none: .jsonl objects; gzip: .jsonl.gz").default_value(Compression::none);
    k.key("s3.compression.level", &S::compression_level, "gzip level, 1 (fast) to 9 (small); -1: zlib's default (6)").default_value(-1).between(-1, 9);
    k.choice("behavior.on.null.values", &S::on_null, {{"ignore", OnNull::ignore}, {"fail", OnNull::fail}}, "A record without value (tombstone): ignore (skipped) or fail (to the error policy)").default_value(OnNull::ignore);
    k.include(aws::connection_spec("s3", "https://s3.{region}.amazonaws.com"), [](S& s) -> aws::Connection& { return s.connection; });

    // S3's rules: 3-63 characters of lower-case letters, digits, '.', '-'.
    k.check("s3.bucket.name", [](const S& s) {
        const bool ok = s.bucket.size() >= 3 && s.bucket.size() <= 63 &&
                        s.bucket.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") == std::string::npos;
        return ok ? std::string() : "s3.bucket.name: expected 3 to 63 lower-case letters, digits, '.' or '-', got '" + s.bucket + "'";
    });
    k.derive("path.format", [](S& s, const Config&) { s.path_format = PathFormat::parse(s.path_format_text, s.timezone); });
    k.rule("timestamp.field", "timestamp.field: required with timestamp.extractor RecordField",
           [](const S& s) { return s.time_source == TimeSource::record_field && s.timestamp_field.empty(); });
    k.rule("timestamp.field", "timestamp.field: only used with timestamp.extractor RecordField",
           [](const S& s) { return s.time_source != TimeSource::record_field && !s.timestamp_field.empty(); });
    k.rule("rotate.interval.ms", "rotate.interval.ms / rotate.schedule.interval.ms: give a positive interval, or -1 for none",
           [](const S& s) { return s.rotate_interval_ms == 0 || s.rotate_schedule_interval_ms == 0; });
    k.rule("s3.compression.level", "s3.compression.level: only meaningful with s3.compression.type gzip",
           [](const S& s) { return s.compression == Compression::none && s.compression_level != -1; });
    return k;
}

}  // namespace

const config_kit::Spec<Settings>& settings_spec() {
    static const config_kit::Spec<Settings> spec = make_spec();
    return spec;
}

Settings Settings::from(const Config& config) {
    Settings s = settings_spec().parse(config);
    aws::use_environment_credentials(s.connection);
    return s;
}

std::string Settings::where() const { return "s3://" + bucket + " at " + connection.endpoint; }

}  // namespace sluice::s3
