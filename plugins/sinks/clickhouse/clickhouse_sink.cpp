// The `clickhouse` sink: buffers records per Kafka partition and inserts them into a
// ClickHouse table over HTTP as JSONEachRow: one INSERT per batch when the table has no
// PARTITION BY (each insert is then one part), else one per Kafka partition. With
// exactly_once every row carries its _topic/_partition/_offset; the highest _offset per
// partition, read back from the table, is where consumption resumes and below which no
// row is ever sent again (see README.md for what that requires of the table).
#include "connection.hpp"
#include "errors.hpp"
#include "json_rows.hpp"
#include "options.hpp"
#include "record_buffer.hpp"
#include "sql.hpp"
#include "table_setup.hpp"

#include <sluice/batch_trigger.hpp>
#include <sluice/sdk.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace sluice::clickhouse {
namespace {

using Clock = std::chrono::steady_clock;

std::string coordinates(std::string_view topic, std::int32_t partition) {
    return std::string(topic) + "[" + std::to_string(partition) + "]";
}

// insert_deduplication_token of one insert: "<topic>-<partition>-<first>-<last>" for one
// Kafka partition; for several, a 64-bit FNV-1a hash of their list (a URL stays short with
// hundreds of partitions). The same rows give the same token.
std::string deduplication_token(const std::vector<std::string>& ranges) {
    if (ranges.size() == 1) return ranges.front();
    std::uint64_t h = 14695981039346656037ull;
    for (const auto& r : ranges) {
        for (unsigned char c : r) h = (h ^ c) * 1099511628211ull;
        h = (h ^ ',') * 1099511628211ull;
    }
    static const char* digits = "0123456789abcdef";
    std::string out = "sluice-" + std::to_string(ranges.size()) + "-";
    for (int shift = 60; shift >= 0; shift -= 4) out.push_back(digits[(h >> shift) & 0xf]);
    return out;
}

// Retriable trouble becomes RetriableError (the worker backs off, pausing consumption);
// anything else stops the task.
[[noreturn]] void raise(const ServerFailure& f, const std::string& doing) {
    if (f.kind() == Failure::retriable) throw RetriableError(doing + ": " + f.what());
    throw FatalError(doing + ": " + f.what());
}

class ClickHouseSink : public Sink {
public:
    static std::vector<ConfigKey> config_keys() { return SinkOptions::keys(); }
    static void validate(const Config& config, ConfigProblems& problems) { SinkOptions::spec().validate(config, problems); }

    // Pre-flight (`sluice check`, and before `run` starts anything): the server answers, the
    // credentials work, the table is there with the columns the sink needs.
    static void test(const Config& config, TaskContext&) {
        SinkOptions options = SinkOptions::from(config);
        Connection connection(options.connection);
        try {
            prepare_table(connection, options, false);
        } catch (const ServerFailure& f) {
            throw FatalError("ClickHouse " + options.where() + ": " + f.what());
        }
    }

    ClickHouseSink(const Config& config, TaskContext& context)
        : options_(SinkOptions::from(config)),
          context_(context),
          connection_(options_.connection),
          background_connection_(options_.connection),
          insert_sql_(insert_sql(options_.database, options_.table)) {}

    ~ClickHouseSink() override {
        try {
            finish_background();  // what it did not insert was never committed: read again later
        } catch (const std::exception& e) {
            context_.warn(std::string("at close: ") + e.what());
        }
        context_.info("inserted " + std::to_string(rows_inserted_) + " rows in " + std::to_string(inserts_) +
                      " inserts; " + std::to_string(rows_rejected_) + " records rejected");
    }

    void put(const SinkRecords& records) override {
        ensure_ready();
        // Insert what is due before taking anything: a RetriableError now means "offer the
        // same records again later", and none of them is buffered yet.
        if (due()) dispatch();
        for (SinkRecord record : records) {
            PartitionState& p = partition(record.topic(), record.partition());
            std::string_view problem;
            auto value = record.value();
            if (!value) problem = "its value is null (a tombstone); JSONEachRow needs one JSON object per record";
            else if (!is_single_object(*value)) problem = "its value is not one JSON object; JSONEachRow needs one per record";
            const std::size_t before = p.buffer.bytes();
            p.buffer.add(*record.raw(), problem);
            pending_.add(1, p.buffer.bytes() - before);  // recount() after every insert keeps this exact
        }
        note_put_size(records.size());
        const bool early = !due() && early_insert_allowed();
        if (!due() && !early) return;
        try {
            dispatch(early);
        } catch (const RetriableError& e) {
            // These records are taken; the next put tries again before taking more, and the
            // worker's flush commits nothing meanwhile.
            context_.warn(std::string("insert deferred: ") + e.what());
        }
    }

    // The worker's periodic flush (offset.flush.interval.ms) does not force an insert: a
    // commit interval shorter than batch.max.ms would otherwise cut every batch small (and
    // ClickHouse pays per insert). Instead the offsets to commit are lowered to the first
    // record still buffered in each partition. A due batch goes to the background insert
    // (the task keeps consuming); everything is inserted at the final flush of a stopping
    // task.
    void flush(std::span<TopicPartition> positions) override {
        if (context_.stopping()) {
            finish_background();
            if (pending_.empty()) return;
            ensure_ready();
            flush_all();
            return;
        }
        if (background_ && background_->done.load()) finish_background();
        if (const bool early = !due() && early_insert_allowed(); early || due()) {
            ensure_ready();
            dispatch(early);  // a RetriableError here: the worker retries the flush, committing nothing
        }
        for (auto& tp : positions) {
            auto it = partitions_.find({std::string(tp.topic), tp.partition});
            if (it == partitions_.end() || it->second.buffer.empty()) continue;
            const RecordBuffer& b = it->second.buffer;  // in flight or pending from begin() on
            tp.offset = std::min(tp.offset, b.offset(b.begin()));
        }
    }

    void open(std::span<TopicPartition> partitions) override {
        finish_background();
        for (auto& tp : partitions) partitions_.erase({std::string(tp.topic), tp.partition});
        recount();
        if (!options_.exactly_once || partitions.empty()) return;
        std::set<std::string> topic_set;
        for (auto& tp : partitions) topic_set.insert(std::string(tp.topic));
        const std::vector<std::string> topics(topic_set.begin(), topic_set.end());
        Watermarks marks;
        try {
            ensure_ready();
            marks = parse_watermarks(connection_.query(watermark_sql(options_.database, options_.table, topics)));
        } catch (const RetriableError& e) {
            // Not fatal: the partitions start at their committed offsets, and before the
            // first insert of each one its watermark is read again and older rows skipped.
            context_.warn(std::string("cannot read the stored offsets of the assigned partitions yet (") + e.what() +
                          "); resuming from the committed offsets, rows already in the table will be skipped");
            return;
        } catch (const ServerFailure& f) {
            raise(f, "reading the stored offsets from " + options_.where());
        }
        for (auto& tp : partitions) {
            PartitionState& p = partition(tp.topic, tp.partition);
            auto it = marks.find({std::string(tp.topic), tp.partition});
            p.watermark = it == marks.end() ? -1 : it->second;
            if (*p.watermark >= 0) tp.offset = *p.watermark + 1;
        }
    }

    void close(std::span<const TopicPartition> partitions) override {
        // After the final flush, which committed no offset past a buffered record: what is
        // still buffered is read again by the partition's next owner.
        finish_background();
        for (auto& tp : partitions) {
            auto it = partitions_.find({std::string(tp.topic), tp.partition});
            if (it != partitions_.end()) partitions_.erase(it);
        }
        recount();
    }

private:
    struct PartitionState {
        PartitionState(std::string topic, std::int32_t partition)
            : buffer(topic, partition), prefix(coordinates_prefix(topic, partition)) {}
        RecordBuffer buffer;
        std::string prefix;  // "_topic":..,"_partition":..,"_offset":
        // Highest offset known to be in the table (-1: none); unset: unknown, read it
        // before the next insert (at start, and after an insert whose fate is unknown).
        std::optional<std::int64_t> watermark;
        std::size_t in_flight = 0;  // rows [begin, begin + in_flight) are in the background insert
    };
    using Key = std::pair<std::string, std::int32_t>;

    PartitionState& partition(std::string_view topic, std::int32_t number) {
        Key key{std::string(topic), number};
        auto it = partitions_.find(key);
        if (it == partitions_.end()) it = partitions_.try_emplace(key, key.first, number).first;
        return it->second;
    }

    void ensure_ready() {
        if (ready_) return;
        try {
            info_ = prepare_table(connection_, options_, true);
        } catch (const ServerFailure& f) {
            raise(f, "preparing " + options_.where());
        }
        settings_ = options_.insert_settings;
        auto user_set = [&](std::string_view name) {
            for (const auto& s : settings_)
                if (s.first == name) return true;
            return false;
        };
        // Parallel parsing cuts one insert into chunks; keep one insert one block.
        if (options_.exactly_once && info_.parallel_parsing && !user_set("input_format_parallel_parsing"))
            settings_.emplace_back("input_format_parallel_parsing", "0");
        // Exactly-once needs every insert to be one part. A table without PARTITION BY makes
        // any insert of at most max_insert_block_size rows one part, whatever Kafka
        // partitions its rows come from; a partitioned one could split a mixed insert.
        combine_ = !options_.exactly_once || info_.one_part_per_insert();
        // batch.max.rows triggers a batch; what one insert may carry is bounded by the block
        // size (beyond it, one insert would be several parts: not atomic).
        insert_rows_cap_ = info_.max_insert_block_size;
        ready_ = true;
        const std::string layout =
            combine_ ? "one insert for all partitions of a batch"
                     : "one insert per Kafka partition (the table is " +
                           (info_.partition_key ? "partitioned by " + *info_.partition_key
                                                : std::string("of unknown partitioning")) +
                           ", engine " + info_.engine + ")";
        context_.info("ClickHouse " + info_.version + ", table " + options_.where() +
                      (options_.exactly_once
                           ? std::string("; exactly-once by _offset watermark") +
                                 (info_.deduplication_token ? " and insert_deduplication_token"
                                                            : " (this server has no insert_deduplication_token)")
                           : std::string("; at-least-once")) +
                      "; " + layout + ", at most " + std::to_string(insert_rows_cap_) + " rows each");
    }

    // The end of a backlog: puts as large as the worker makes them (its consumer had more
    // records queued), then a smaller one (the queue ran dry). Nothing would call the sink
    // again before the next periodic flush, and the rows would wait for batch.max.ms there;
    // they go at once instead (early_insert_allowed). A full put ends the drained state.
    void note_put_size(std::size_t put_size) {
        const bool full = put_size >= largest_put_;
        largest_put_ = std::max(largest_put_, put_size);
        if (full) drained_ = false;
        else if (previous_put_full_) drained_ = true;
        previous_put_full_ = full;
    }
    // An early insert of a drained backlog's tail: right after a regular insert, else at most
    // one per half batch.max.ms (a stream whose puts keep alternating between full and
    // short gets at most that many extra inserts).
    bool early_insert_allowed() const {
        return drained_ && !pending_.empty() &&
               (!last_dispatch_early_ || Clock::now() - last_dispatch_ >= options_.max_age / 2);
    }

    // Rows not yet handed to an insert reached a threshold.
    bool due() const {
        return pending_.due();
    }

    // Inserts every buffered row now, on the task thread. `combined` false: ClickHouse just
    // refused data of a combined insert; go straight to the per-partition path, which
    // isolates the bad rows.
    void flush_all(bool combined = true) {
        struct Recount {  // whatever happens, the totals follow the buffers
            ClickHouseSink& sink;
            ~Recount() { sink.recount(); }
        } recount{*this};
        finish_background();
        if (!(combine_ && combined && insert_combined()))
            for (auto& [key, p] : partitions_)
                if (!p.buffer.empty()) flush_partition(p);
        sync_retry_ = false;
    }

    // Exactly-once: before rows of a partition whose table state is unknown are sent (the
    // watermark could not be read at open, or an insert's answer was lost), reads its
    // highest stored offset and drops the buffered rows at or below it.
    void resolve_watermark(PartitionState& p) {
        if (!options_.exactly_once || p.watermark || p.buffer.empty()) return;
        RecordBuffer& b = p.buffer;
        try {
            p.watermark = parse_partition_watermark(
                connection_.query(partition_watermark_sql(options_.database, options_.table, b.topic(), b.partition())));
        } catch (const ServerFailure& f) {
            raise(f, "reading the stored offset of " + coordinates(b.topic(), b.partition()));
        }
        if (std::size_t skipped = b.drop_through(*p.watermark); skipped > 0)
            context_.info(coordinates(b.topic(), b.partition()) + ": " + std::to_string(skipped) + " records up to offset " +
                          std::to_string(*p.watermark) +
                          " are already in the table (an earlier insert whose answer was lost); not inserted again");
    }

    void recount() {
        std::size_t rows = 0, bytes = 0;
        for (auto& [key, p] : partitions_) {
            const RecordBuffer& b = p.buffer;
            for (std::size_t i = b.begin() + p.in_flight; i < b.end(); ++i) bytes += b.row_bytes(i);
            rows += b.size() - p.in_flight;
        }
        pending_.set(rows, bytes);
    }

    // ---- inserts in the background ------------------------------------------------------
    // While one batch is inserted by a helper thread (its own connection), the task goes on
    // consuming and buffering the next: Kafka and ClickHouse work at the same time. The
    // helper only sends; everything else (marking rows, watermarks, retries, isolating bad
    // rows, reporting) happens on the task thread when the batch is finished. At most one
    // batch is in flight, so memory stays bounded by two batches.
    struct Background {
        struct Part {
            std::vector<Key> keys;  // the partitions whose in-flight rows it carries
            std::vector<std::string> ranges;  // "<topic>-<partition>-<first>-<last>" of each
            std::string body;
            Settings settings;
            std::size_t rows = 0;
        };
        std::vector<Part> parts;
        std::size_t parts_done = 0;  // inserted, in order
        Clock::time_point started = Clock::now(), finished;
        std::optional<ServerFailure> failure;
        std::atomic<bool> done{false};
        std::thread thread;
    };

    // Hands the pending rows to a background insert (after the previous one finished; if
    // that one failed, its rows are handled synchronously first): all partitions in one
    // insert when the table allows it, else one insert per partition; each insert at most
    // insert_rows_cap_ rows. Rows beyond the cap stay pending for the next batch.
    void dispatch(bool early = false) {
        finish_background();
        if (sync_retry_) {
            // A background insert failed: its rows go synchronously (retries come out as
            // RetriableError and leave sync_retry_ set; refused rows are isolated).
            flush_all(last_failure_ != Failure::record);
            return;
        }
        for (auto& [key, p] : partitions_) resolve_watermark(p);
        auto job = std::make_unique<Background>();
        // Takes the pending rows at the front of p's buffer into `part`, up to `room` of them;
        // true when it took all of them.
        auto take = [&](PartitionState& p, Background::Part& part, std::size_t room) {
            RecordBuffer& b = p.buffer;
            std::int64_t first = -1, last = -1;
            std::size_t i = b.begin(), taken = 0;
            for (; i < b.end(); ++i) {
                if (b.state(i) != RowState::pending) continue;
                if (taken == room) break;
                append_row(part.body, *b.value(i), options_.coordinates ? std::string_view(p.prefix) : std::string_view(),
                           b.offset(i));
                if (first < 0) first = b.offset(i);
                last = b.offset(i);
                ++taken;
            }
            part.rows += taken;
            p.in_flight = i - b.begin();
            part.keys.push_back({b.topic(), b.partition()});
            if (first >= 0)
                part.ranges.push_back(b.topic() + "-" + std::to_string(b.partition()) + "-" + std::to_string(first) + "-" +
                                      std::to_string(last));
            return i == b.end();
        };
        if (combine_) {
            // Round robin: a batch cut by the cap resumes with the partitions it left out.
            Background::Part& part = job->parts.emplace_back();
            part.settings = settings_;
            auto it = resume_after_ ? partitions_.upper_bound(resume_at_) : partitions_.lower_bound(resume_at_);
            for (std::size_t n = 0; n < partitions_.size() && part.rows < insert_rows_cap_; ++n, ++it) {
                if (it == partitions_.end()) it = partitions_.begin();
                if (it->second.buffer.empty()) continue;
                resume_after_ = take(it->second, part, insert_rows_cap_ - part.rows);
                resume_at_ = it->first;
            }
            if (part.keys.empty()) job->parts.clear();
        } else {
            for (auto& [key, p] : partitions_) {
                if (p.buffer.empty()) continue;
                Background::Part& part = job->parts.emplace_back();
                part.settings = settings_;
                take(p, part, insert_rows_cap_);
            }
        }
        if (job->parts.empty()) return;
        for (auto& part : job->parts)
            if (options_.exactly_once && info_.deduplication_token && !part.ranges.empty())
                part.settings.emplace_back("insert_deduplication_token", deduplication_token(part.ranges));
        Background* raw = job.get();
        raw->thread = std::thread([this, raw] {
            for (auto& part : raw->parts) {
                try {
                    if (part.rows > 0) background_connection_.insert(insert_sql_, std::move(part.body), part.settings);
                } catch (const ServerFailure& f) {
                    raw->failure = f;
                    break;
                }
                ++raw->parts_done;
            }
            raw->finished = Clock::now();
            raw->done.store(true);
        });
        background_ = std::move(job);
        last_dispatch_ = Clock::now();
        last_dispatch_early_ = early;
        drained_ = false;
        recount();
        // Rows the cap left behind count their age from now: they would otherwise be "old"
        // at once and go out as a tiny insert at the next put.
        pending_.restart_age();
    }

    // Waits for the background insert, if any, and applies its outcome: inserted rows leave
    // the buffers; the rest become pending again. True when it failed.
    bool finish_background() {
        if (!background_) return false;
        const auto wait_from = Clock::now();
        background_->thread.join();
        std::unique_ptr<Background> job = std::move(background_);
        for (std::size_t k = 0; k < job->parts.size(); ++k) {
            for (const Key& key : job->parts[k].keys) {
                auto it = partitions_.find(key);
                if (it == partitions_.end()) continue;  // closed meanwhile
                PartitionState& p = it->second;
                RecordBuffer& b = p.buffer;
                if (k < job->parts_done) {
                    std::int64_t last = -1;
                    for (std::size_t i = b.begin(); i < b.begin() + p.in_flight; ++i)
                        if (b.state(i) == RowState::pending) {
                            b.mark_inserted(i);
                            last = b.offset(i);
                        }
                    if (last >= 0) p.watermark = last;
                } else if (job->failure && job->failure->kind() == Failure::retriable && options_.exactly_once) {
                    p.watermark.reset();  // it may have landed: ask the table before sending again
                }
                p.in_flight = 0;
                if (k < job->parts_done) settle(p);
            }
        }
        std::size_t rows = 0;
        for (std::size_t k = 0; k < job->parts_done; ++k) {
            if (job->parts[k].rows > 0) ++inserts_;
            rows += job->parts[k].rows;
        }
        rows_inserted_ += rows;
        using ms = std::chrono::milliseconds;
        context_.debug("background: " + std::to_string(rows) + " rows in " + std::to_string(job->parts_done) + " of " +
                       std::to_string(job->parts.size()) + " inserts, " +
                       std::to_string(std::chrono::duration_cast<ms>(job->finished - job->started).count()) +
                       " ms; waited for it " +
                       std::to_string(std::chrono::duration_cast<ms>(Clock::now() - wait_from).count()) + " ms");
        recount();
        if (job->failure) {
            last_failure_ = job->failure->kind();
            sync_retry_ = true;
        }
        if (job->failure)
            context_.warn(std::string("background insert failed, retrying in the task: ") + job->failure->what());
        return job->failure.has_value();
    }

    // Every pending row in inserts of rows of all partitions, each at most insert_rows_cap_
    // rows (only where combine_ allows it: each such insert is one part). Exactly-once: each
    // insert is atomic, so every partition's watermark moves to its last row in it. When
    // ClickHouse refuses the data, the per-partition path takes over and isolates the bad
    // rows (inserts before it stay done). False: not done that way.
    bool insert_combined() {
        for (auto& [key, p] : partitions_) resolve_watermark(p);
        while (true) {
            std::string body;
            std::size_t rows = 0;
            std::vector<std::pair<PartitionState*, std::size_t>> taken;  // partition, end of its rows in the insert
            std::vector<std::string> ranges;
            for (auto& [key, p] : partitions_) {
                RecordBuffer& b = p.buffer;
                std::size_t i = b.begin();
                std::int64_t first = -1, last = -1;
                for (; i < b.end() && rows < insert_rows_cap_; ++i) {
                    if (b.state(i) != RowState::pending) continue;
                    append_row(body, *b.value(i), options_.coordinates ? std::string_view(p.prefix) : std::string_view(),
                               b.offset(i));
                    if (first < 0) first = b.offset(i);
                    last = b.offset(i);
                    ++rows;
                }
                if (first < 0) continue;
                taken.emplace_back(&p, i);
                ranges.push_back(b.topic() + "-" + std::to_string(b.partition()) + "-" + std::to_string(first) + "-" +
                                 std::to_string(last));
                if (rows == insert_rows_cap_) break;
            }
            if (rows == 0) break;
            Settings settings = settings_;
            if (options_.exactly_once && info_.deduplication_token)
                settings.emplace_back("insert_deduplication_token", deduplication_token(ranges));
            try {
                connection_.insert(insert_sql_, std::move(body), settings);
            } catch (const ServerFailure& f) {
                if (f.kind() == Failure::record) return false;
                if (f.kind() == Failure::retriable && options_.exactly_once)
                    for (auto& [p, end] : taken) p->watermark.reset();  // it may have landed
                raise(f, "inserting " + std::to_string(rows) + " rows of " + std::to_string(taken.size()) +
                             " partitions into " + options_.where());
            }
            ++inserts_;
            rows_inserted_ += rows;
            for (auto& [p, end] : taken) {
                RecordBuffer& b = p->buffer;
                for (std::size_t i = b.begin(); i < end; ++i)
                    if (b.state(i) == RowState::pending) {
                        b.mark_inserted(i);
                        p->watermark = b.offset(i);
                    }
                settle(*p);
            }
        }
        for (auto& [key, p] : partitions_) settle(p);  // records refused before sending
        return true;
    }

    void flush_partition(PartitionState& p) {
        RecordBuffer& b = p.buffer;
        resolve_watermark(p);
        try {
            // Chunks of at most insert_rows_cap_ rows / about batch.max.bytes: each one insert.
            for (std::size_t lo = b.begin(); lo < b.end();) {
                std::size_t hi = lo, bytes = 0;
                while (hi < b.end() && hi - lo < insert_rows_cap_ && (hi == lo || bytes < options_.max_bytes)) {
                    bytes += b.value(hi) ? b.value(hi)->size() : 0;
                    ++hi;
                }
                insert_range(p, lo, hi);
                lo = hi;
            }
        } catch (const RetriableError&) {
            settle(p);  // rows inserted before the trouble leave the buffer; refused ones are reported
            throw;
        }
        settle(p);
    }

    // Inserts the pending rows of [lo, hi) in one request. When ClickHouse refuses the data,
    // splits the range (at the row it names, else in halves) until each bad row is alone;
    // every good row still gets inserted, in offset order.
    void insert_range(PartitionState& p, std::size_t lo, std::size_t hi) {
        RecordBuffer& b = p.buffer;
        std::string body;
        std::vector<std::size_t> included;
        for (std::size_t i = lo; i < hi; ++i) {
            if (b.state(i) != RowState::pending) continue;
            append_row(body, *b.value(i), options_.coordinates ? std::string_view(p.prefix) : std::string_view(),
                       b.offset(i));
            included.push_back(i);
        }
        if (included.empty()) return;
        Settings settings = settings_;
        if (options_.exactly_once && info_.deduplication_token)
            settings.emplace_back("insert_deduplication_token",
                                  b.topic() + "-" + std::to_string(b.partition()) + "-" +
                                      std::to_string(b.offset(included.front())) + "-" +
                                      std::to_string(b.offset(included.back())));
        try {
            connection_.insert(insert_sql_, std::move(body), settings);
        } catch (const ServerFailure& f) {
            const std::string what = "inserting " + std::to_string(included.size()) + " rows of " +
                                     coordinates(b.topic(), b.partition()) + " into " + options_.where();
            if (f.kind() == Failure::retriable) {
                // The insert may have landed before the answer was lost: ask the table again.
                if (options_.exactly_once) p.watermark.reset();
                raise(f, what);
            }
            if (f.kind() == Failure::fatal) raise(f, what);
            if (included.size() == 1) {
                b.reject(included.front(), f.what());
                return;
            }
            std::size_t split = lo + (hi - lo) / 2;
            if (auto row = failed_row(f.what()); row && *row >= 1 && *row <= included.size()) {
                const std::size_t bad = included[*row - 1];  // ClickHouse counts rows from 1
                insert_range(p, lo, bad);
                insert_range(p, bad, bad + 1);
                insert_range(p, bad + 1, hi);
                return;
            }
            insert_range(p, lo, split);
            insert_range(p, split, hi);
            return;
        }
        ++inserts_;
        rows_inserted_ += included.size();
        for (std::size_t i : included) b.mark_inserted(i);
        p.watermark = b.offset(included.back());
    }

    // Drops the settled rows at the front of the buffer; each refused record goes to the
    // connector's error policy (which throws FatalError when it does not tolerate it).
    void settle(PartitionState& p) {
        RecordBuffer& b = p.buffer;
        while (!b.empty()) {
            const std::size_t i = b.begin();
            if (b.state(i) == RowState::pending) break;
            if (b.state(i) == RowState::rejected) {
                ++rows_rejected_;
                const std::string message = "record " + coordinates(b.topic(), b.partition()) + "@" +
                                            std::to_string(b.offset(i)) + " not inserted into " + options_.where() +
                                            ": " + b.reject_reason(i);
                const sluice_record record = b.record(i, errant_headers_, errant_header_pointers_);
                context_.report_errant(record, message);
            }
            b.drop_front(1);
        }
    }

    SinkOptions options_;
    TaskContext& context_;
    Connection connection_;
    Connection background_connection_;  // used by the background thread only
    const std::string insert_sql_;
    bool ready_ = false;
    ServerInfo info_;
    Settings settings_;
    std::map<Key, PartitionState> partitions_;
    // Rows buffered and not in flight: an insert is due at batch.max.rows, .bytes or .ms.
    batch::Trigger pending_{{.max_rows = options_.max_rows, .max_bytes = options_.max_bytes, .max_age = options_.max_age}};
    std::vector<sluice_header> errant_headers_;
    std::vector<const sluice_header*> errant_header_pointers_;
    std::size_t rows_inserted_ = 0, inserts_ = 0, rows_rejected_ = 0;
    std::unique_ptr<Background> background_;
    Failure last_failure_ = Failure::retriable;  // kind of the last failed background insert
    bool sync_retry_ = false;                     // it failed: the next inserts go on the task thread
    bool combine_ = false;                        // rows of all partitions share an insert
    std::size_t insert_rows_cap_ = 1048576;       // rows per insert: max_insert_block_size (one block)
    std::size_t largest_put_ = 0;                 // records in the largest put so far
    bool previous_put_full_ = false;              // the last put was that large
    bool drained_ = false;                        // full puts, then a short one: the backlog ran dry
    bool last_dispatch_early_ = false;            // the last background insert was a drained tail
    Clock::time_point last_dispatch_{};           // the last background insert was handed over
    Key resume_at_;                               // where the next combined batch starts
    bool resume_after_ = false;                   // ... at the partition after resume_at_
};

}  // namespace
}  // namespace sluice::clickhouse

SLUICE_SINK(sluice::clickhouse::ClickHouseSink, "clickhouse", "1.0.0",
            "Inserts records (JSON objects) into a ClickHouse table over HTTP, exactly once per Kafka offset")
