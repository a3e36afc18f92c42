// The `s3` sink: JSON-lines objects in an S3-compatible bucket, one object per
// topic-partition and rotation, exactly once the way Confluent's S3 sink names them:
// <path.format folder>/<topic>+<partition>+<first offset, 20 digits>.jsonl[.gz]. An object
// is uploaded whole (one PUT, or a multipart upload completed only once every part is in)
// and carries its last offset in its metadata; open() lists the partition's objects and
// resumes after the last offset of the newest one, so a crash neither loses a record nor
// writes one into two objects. Kafka's committed offsets never pass a record that is not
// in an uploaded object (flush() lowers them).
#include "bucket.hpp"
#include "object_body.hpp"
#include "record_line.hpp"
#include "settings.hpp"
#include "uploader.hpp"

#include <sluice/sdk.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sluice::s3 {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string coordinates(std::string_view topic, std::int32_t partition) {
    return std::string(topic) + "[" + std::to_string(partition) + "]";
}

// "<topic>+<partition>+<offset, 20 digits><extension>": Confluent's object names.
std::string object_name(std::string_view topic, std::int32_t partition, std::int64_t first_offset, const char* extension) {
    std::string digits = std::to_string(first_offset);
    return std::string(topic) + "+" + std::to_string(partition) + "+" + std::string(20 - std::min<std::size_t>(20, digits.size()), '0') +
           digits + extension;
}

// The first offset in an object name of this topic, and its partition; nullopt for any
// other name.
std::optional<std::pair<std::int32_t, std::int64_t>> parse_object_name(std::string_view key, std::string_view topic) {
    const auto slash = key.rfind('/');
    std::string_view name = slash == std::string_view::npos ? key : key.substr(slash + 1);
    if (!name.starts_with(topic) || name.size() <= topic.size() || name[topic.size()] != '+') return std::nullopt;
    name.remove_prefix(topic.size() + 1);
    const auto plus = name.find('+');
    if (plus == std::string_view::npos) return std::nullopt;
    auto partition = json::to_int(name.substr(0, plus));
    name.remove_prefix(plus + 1);
    if (name.size() < 20) return std::nullopt;
    auto offset = json::to_int(name.substr(0, 20));
    const std::string_view extension = name.substr(20);
    if (!partition || !offset || *partition < 0 || *offset < 0 || (extension != ".jsonl" && extension != ".jsonl.gz"))
        return std::nullopt;
    return std::make_pair(static_cast<std::int32_t>(*partition), *offset);
}

class S3Sink : public Sink {
public:
    static std::vector<ConfigKey> config_keys() { return s3::config_keys(); }
    static void validate(const Config& config, ConfigProblems& problems) { settings_spec().validate(config, problems); }

    // Pre-flight: the bucket exists and these credentials may list it (S3's code and message
    // otherwise: NoSuchBucket, InvalidAccessKeyId, SignatureDoesNotMatch, AccessDenied).
    static void test(const Config& config, TaskContext&) {
        const Settings s = Settings::from(config);
        Bucket bucket(s.connection, s.bucket, s.path_style);
        try {
            bucket.check();
        } catch (const aws::Failure& f) {
            throw FatalError(f.what());
        }
    }

    S3Sink(const Config& config, TaskContext& context)
        : settings_(Settings::from(config)),
          context_(context),
          bucket_(settings_.connection, settings_.bucket, settings_.path_style, [this] { return context_.stopping(); }),
          zone_(tz::TimeZone::load(config.string("timezone"))),
          uploader_(static_cast<std::size_t>(settings_.uploads_in_flight), [this] {
              return Bucket(settings_.connection, settings_.bucket, settings_.path_style, [this] { return context_.stopping(); });
          }) {
        context_.info("writing " + std::string(settings_.extension()) + " objects to " + settings_.where() +
                      ", at most " + std::to_string(settings_.flush_size) + " records each");
    }

    ~S3Sink() override {
        // What it did not upload was never committed: read again later. The uploader's
        // destructor waits for the uploads in flight.
        context_.info("uploaded " + std::to_string(objects_) + " objects (" + std::to_string(records_) + " records, " +
                      std::to_string(bytes_) + " bytes); skipped " + std::to_string(skipped_stored_) +
                      " records already in the bucket");
    }

    void put(const SinkRecords& records) override {
        collect(false);
        // What could not be uploaded before goes first, on this thread; a RetriableError now
        // leaves this batch untouched, to be offered again.
        if (retry_here_) {
            upload_sealed(true);
            retry_here_ = false;
        }
        // Bounded memory: while more than this waits for its upload, take nothing more.
        if (sealed_bytes() > kMaxSealedBytes) collect(true);
        resolve_stored(records);
        const bool time_field = settings_.time_source == TimeSource::record_field;
        const std::int64_t now = wall_ms();
        for (SinkRecord record : records) {
            Partition& p = partition_of(record);
            if (record.offset() <= *p.stored_last) {
                ++skipped_stored_;
                continue;
            }
            auto value = record.value();
            if (!value) {
                if (settings_.on_null == OnNull::fail)
                    errant(record, "its value is null (a tombstone) and behavior.on.null.values is fail");
                continue;
            }
            std::int64_t time_ms = settings_.time_source == TimeSource::wallclock ? now : record.timestamp_ms();
            std::string problem;
            auto line = reader_.line(*value, time_field ? settings_.timestamp_field : empty_, zone_, time_ms, problem);
            if (!line) {
                errant(record, problem);
                continue;
            }
            if (time_ms == SLUICE_NO_TIMESTAMP) {
                if (settings_.path_format.uses_time() || settings_.rotate_interval_ms > 0) {
                    errant(record, "it has no timestamp, and path.format or rotate.interval.ms needs one "
                                   "(timestamp.extractor Record)");
                    continue;
                }
                time_ms = now;
            }
            append(p, record, *line, time_ms, now);
        }
        seal_due(now);
    }

    // The offsets of records not in an uploaded object (sealed, in flight or open) are held
    // back. A stopping task finishes its uploads here.
    void flush(std::span<TopicPartition> positions) override {
        seal_due(wall_ms());
        if (context_.stopping()) {
            collect(true);
            upload_sealed(false);
        } else {
            collect(false);
        }
        for (auto& tp : positions) {
            auto it = partitions_.find({std::string(tp.topic), tp.partition});
            if (it == partitions_.end()) continue;
            if (auto first = it->second.first_pending()) tp.offset = std::min(tp.offset, *first);
        }
    }

    void open(std::span<TopicPartition> partitions) override {
        settle();
        last_ = nullptr;
        std::vector<Partition*> fresh;
        for (auto& tp : partitions) {
            partitions_.erase({std::string(tp.topic), tp.partition});
            fresh.push_back(&partition(tp.topic, tp.partition));
        }
        try {
            resolve(fresh);
        } catch (const RetriableError& e) {
            // Not fatal: the partitions start at their committed offsets, and the bucket is
            // asked again before their first record is taken.
            context_.warn(std::string("cannot list the objects of the assigned partitions yet (") + e.what() +
                          "); asking again before their first records");
            return;
        }
        for (auto& tp : partitions) {
            const Partition& p = partition(tp.topic, tp.partition);
            if (*p.stored_last >= 0) tp.offset = *p.stored_last + 1;
        }
    }

    void close(std::span<const TopicPartition> partitions) override {
        // After the final flush, which committed nothing past a record not uploaded: the
        // partition's next owner reads those records again.
        try {
            settle();
        } catch (const std::exception& e) {
            context_.warn(std::string("at close: ") + e.what());
        }
        last_ = nullptr;
        for (auto& tp : partitions) partitions_.erase({std::string(tp.topic), tp.partition});
    }

private:
    struct Sealed {
        std::string key;
        ObjectBody body;
        std::size_t id = 0;     // the uploader's name for it
        bool uploaded = false;  // in the bucket (known to the task thread)
    };
    struct Partition {
        std::string topic;
        std::int32_t number = 0;
        // Highest offset in an object of the bucket (-1: none); unset: not known yet.
        std::optional<std::int64_t> stored_last;
        std::optional<ObjectBody> open;
        std::string folder;                 // of the open object
        std::int64_t deadline_ms = 0;       // rotate.schedule.interval.ms of the open object
        std::deque<Sealed> sealed;          // complete, waiting for their upload, in offset order
        std::size_t last_size = 0;          // bytes of the partition's previous object
        std::int64_t cached_minute = INT64_MIN;  // folder cache: record times of one minute share it
        std::string cached_folder;

        std::optional<std::int64_t> first_pending() const {
            if (!sealed.empty()) return sealed.front().body.first_offset();
            if (open && !open->empty()) return open->first_offset();
            return std::nullopt;
        }
    };
    using Key = std::pair<std::string, std::int32_t>;

    Partition& partition(std::string_view topic, std::int32_t number) {
        Key key{std::string(topic), number};
        auto it = partitions_.find(key);
        if (it == partitions_.end()) {
            it = partitions_.try_emplace(key).first;
            it->second.topic = key.first;
            it->second.number = number;
        }
        return it->second;
    }

    // The record's partition; a batch holds runs of records of one partition, so the last
    // one found is tried first (no key string built, no map lookup, for most records).
    Partition& partition_of(const SinkRecord& record) {
        if (last_ == nullptr || last_->number != record.partition() || last_->topic != record.topic())
            last_ = &partition(record.topic(), record.partition());
        return *last_;
    }

    void errant(SinkRecord record, const std::string& problem) {
        ++errant_;
        context_.report_errant(*record.raw(), "record " + coordinates(record.topic(), record.partition()) + "@" +
                                                  std::to_string(record.offset()) + " not written to " + settings_.where() +
                                                  ": " + problem);
    }

    const std::string& folder_of(Partition& p, std::int64_t time_ms) {
        const std::int64_t minute = time_ms / 60000 - (time_ms % 60000 < 0 ? 1 : 0);
        if (minute != p.cached_minute || p.cached_folder.empty()) {
            p.cached_folder = settings_.path_format.render(p.topic, p.number, time_ms);
            p.cached_minute = minute;
        }
        return p.cached_folder;
    }

    void append(Partition& p, SinkRecord record, std::string_view line, std::int64_t time_ms, std::int64_t now) {
        const std::string& folder = folder_of(p, time_ms);
        if (p.open && !p.open->empty()) {
            const bool other_folder = folder != p.folder;
            const bool window_over =
                settings_.rotate_interval_ms > 0 && time_ms - p.open->first_time_ms() >= settings_.rotate_interval_ms;
            if (other_folder || window_over) seal(p);
        }
        if (!p.open) {
            p.open.emplace(settings_.compression == Compression::gzip, settings_.compression_level);
            // The next object is likely the size of the last one: its bytes are then
            // written once, not copied at every doubling of the buffer.
            if (p.last_size > 0) p.open->reserve(p.last_size + p.last_size / 16);
            p.folder = folder;
            p.deadline_ms = settings_.rotate_schedule_interval_ms > 0
                                ? settings_.path_format.next_boundary(now, settings_.rotate_schedule_interval_ms)
                                : INT64_MAX;
        }
        p.open->append(line, record.offset(), time_ms);
        if (p.open->records() >= settings_.flush_size || p.open->raw_bytes() >= settings_.rotate_size_bytes) seal(p);
    }

    void seal(Partition& p) {
        if (!p.open) return;
        if (p.open->empty()) {
            p.open.reset();
            return;
        }
        p.open->finish();
        p.last_size = p.open->bytes().size();
        std::string key = (p.folder.empty() ? "" : p.folder + "/") +
                          object_name(p.topic, p.number, p.open->first_offset(), settings_.extension());
        p.sealed.push_back({std::move(key), std::move(*p.open), next_id_++});
        p.open.reset();
        // While an upload failure is being dealt with, put() uploads on the task thread.
        if (!retry_here_) enqueue(p, p.sealed.back());
    }

    // Hands an object to the uploader: it is sent as soon as a thread is free and the
    // partition's older objects are in (the uploader keeps each partition's order).
    void enqueue(Partition& p, Sealed& s) {
        uploader_.add(&p, s.id, [this, &s](Bucket& bucket) { upload(bucket, s); });
    }

    // rotate.schedule.interval.ms: objects whose wall-clock boundary passed are closed,
    // records or not since (a quiet partition's object is closed at the next flush).
    void seal_due(std::int64_t now) {
        if (settings_.rotate_schedule_interval_ms <= 0) return;
        for (auto& [key, p] : partitions_)
            if (p.open && now >= p.deadline_ms) seal(p);
    }

    void upload(Bucket& bucket, const Sealed& s) {
        bucket.put(s.key, s.body.bytes(), settings_.compression == Compression::gzip ? "application/gzip" : "application/x-ndjson",
                   {{"sluice-first-offset", std::to_string(s.body.first_offset())},
                    {"sluice-last-offset", std::to_string(s.body.last_offset())},
                    {"sluice-records", std::to_string(s.body.records())}},
                   settings_.part_size);
        // Logged as soon as the object is in the bucket (its offsets are released at the
        // task's next put or flush).
        context_.debug("uploaded " + s.key + ": " + std::to_string(s.body.records()) + " records, offsets " +
                       std::to_string(s.body.first_offset()) + ".." + std::to_string(s.body.last_offset()));
    }

    // An object is in: it leaves the partition's queue, and its last offset is the stored one.
    void uploaded(Partition& p) {
        const Sealed& s = p.sealed.front();
        ++objects_;
        records_ += s.body.records();
        bytes_ += static_cast<std::int64_t>(s.body.bytes().size());
        p.stored_last = s.body.last_offset();
        p.sealed.pop_front();
    }

    // Uploads every sealed object not in the bucket yet on this thread, partition by
    // partition in offset order, once the uploader has stopped (what it had queued is
    // dropped: sent here instead). A retriable failure stops there: with `before_taking` it
    // becomes a RetriableError (the worker offers the batch again later), else a warning.
    // Anything else (access refused, the bucket gone) stops the task. Once everything is in,
    // the uploader takes the next objects again.
    void upload_sealed(bool before_taking) {
        stop_uploader();
        for (auto& [key, p] : partitions_) {
            while (!p.sealed.empty()) {
                try {
                    upload(bucket_, p.sealed.front());
                } catch (const aws::Failure& f) {
                    if (!f.retriable()) throw FatalError(f.what());
                    if (before_taking) throw RetriableError(f.what());
                    context_.warn(std::string("upload deferred: ") + f.what());
                    retry_here_ = true;
                    return;
                }
                uploaded(p);
            }
        }
        retry_here_ = false;
        uploader_.resume();
    }

    // The uploader idle, its queue dropped and its outcomes applied: every sealed object is
    // either uploaded (and gone from its partition's queue) or not queued anywhere.
    void stop_uploader() {
        uploader_.cancel();
        apply_finished();
    }

    // Before partitions are dropped or replaced: the uploader idle, and nothing left in its
    // queue (after a failure, what it had queued waits for the task thread's upload).
    void settle() {
        try {
            collect(true);
        } catch (...) {
            stop_uploader();
            throw;
        }
        if (retry_here_) stop_uploader();
    }

    // Applies what the uploader finished (`wait`: once it is idle): uploaded objects release
    // their partition's offsets, in order. A retriable failure makes the next put upload on
    // the task thread first (and ask the worker to retry while that fails); anything else
    // stops the task.
    void collect(bool wait) {
        if (wait) uploader_.wait();
        if (auto failure = apply_finished()) {
            if (!failure->retriable()) throw FatalError(failure->what());
            if (!retry_here_) context_.warn(std::string("upload deferred: ") + failure->what());
            retry_here_ = true;
        }
    }

    // The uploader's outcomes into the partitions' queues; returns the first failure.
    std::optional<aws::Failure> apply_finished() {
        std::optional<aws::Failure> failure;
        for (auto& done : uploader_.take_finished()) {
            Partition& p = *static_cast<Partition*>(const_cast<void*>(done.lane));
            auto it = std::find_if(p.sealed.begin(), p.sealed.end(), [&](const Sealed& s) { return s.id == done.id; });
            if (it == p.sealed.end()) continue;
            if (done.failure) {
                if (!failure) failure = std::move(done.failure);
                continue;
            }
            it->uploaded = true;
            while (!p.sealed.empty() && p.sealed.front().uploaded) uploaded(p);
        }
        return failure;
    }

    std::size_t sealed_bytes() const {
        std::size_t n = 0;
        for (const auto& [key, p] : partitions_)
            for (const Sealed& s : p.sealed) n += s.body.bytes().size();
        return n;
    }

    // The partitions of this batch whose newest object is not known yet are looked up first.
    void resolve_stored(const SinkRecords& records) {
        std::vector<Partition*> unknown;
        for (SinkRecord record : records) {
            Partition& p = partition_of(record);
            if (!p.stored_last && std::find(unknown.begin(), unknown.end(), &p) == unknown.end()) unknown.push_back(&p);
        }
        if (!unknown.empty()) resolve(unknown);
    }

    // Lists the objects of these partitions (one listing per distinct folder prefix) and
    // reads the last offset of each partition's newest object from its metadata.
    void resolve(const std::vector<Partition*>& parts) {
        std::map<std::string, std::vector<Partition*>> by_prefix;
        for (Partition* p : parts) by_prefix[settings_.path_format.static_prefix(p->topic, p->number)].push_back(p);
        try {
            for (auto& [prefix, members] : by_prefix) {
                std::map<Partition*, std::pair<std::int64_t, std::string>> newest;  // first offset, key
                for (const std::string& key : bucket_.list(prefix)) {
                    for (Partition* p : members) {
                        auto parsed = parse_object_name(key, p->topic);
                        if (!parsed || parsed->first != p->number) continue;
                        auto& best = newest[p];
                        if (best.second.empty() || parsed->second > best.first) best = {parsed->second, key};
                    }
                }
                for (Partition* p : members) {
                    auto it = newest.find(p);
                    if (it == newest.end()) {
                        p->stored_last = -1;
                        continue;
                    }
                    p->stored_last = last_offset_of(it->second.second);
                    context_.info(coordinates(p->topic, p->number) + ": newest object " + it->second.second +
                                  " ends at offset " + std::to_string(*p->stored_last));
                }
            }
        } catch (const aws::Failure& f) {
            for (Partition* p : parts) p->stored_last.reset();
            if (f.retriable()) throw RetriableError(f.what());
            throw FatalError(f.what());
        }
    }

    std::int64_t last_offset_of(const std::string& key) {
        auto metadata = bucket_.head(key);
        if (!metadata) throw aws::Failure("object " + bucket_.where(key) + " was listed but is gone", true);
        auto it = metadata->find("sluice-last-offset");
        auto last = it == metadata->end() ? std::nullopt : json::to_int(it->second);
        if (!last)
            throw FatalError("object " + bucket_.where(key) + " has no x-amz-meta-sluice-last-offset: it was not written by "
                             "this sink, so where to resume is unknown (move it away, or write to another path.format)");
        return *last;
    }

    // Sealed objects waiting beyond this stop the taking of records until the uploads are over.
    static constexpr std::size_t kMaxSealedBytes = 256 * 1024 * 1024;

    Settings settings_;
    TaskContext& context_;
    Bucket bucket_;             // the task thread's
    bool retry_here_ = false;   // an upload failed: the next put uploads on the task thread first
    Partition* last_ = nullptr;  // partition_of's memory (reset whenever partitions_ loses entries)
    tz::TimeZone zone_;
    LineReader reader_;
    const std::string empty_;
    std::map<Key, Partition> partitions_;
    std::int64_t objects_ = 0, records_ = 0, bytes_ = 0, skipped_stored_ = 0, errant_ = 0;
    std::size_t next_id_ = 0;  // of the next sealed object
    // Last: destroyed first, so its threads are over before the objects they send go.
    Uploader uploader_;
};

}  // namespace
}  // namespace sluice::s3

SLUICE_SINK(sluice::s3::S3Sink, "s3", "1.0.0",
            "JSON-lines objects in an S3-compatible bucket (AWS, MinIO, Ceph, Garage), exactly once per Kafka offset")
