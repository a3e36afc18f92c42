// The `redis` sink: each record becomes Redis commands by mode (SET of the JSON value,
// DEL + HSET of its top-level fields, or XADD to a stream) at the key key.format gives;
// a batch is pipelined (written at once, replies read after). With exactly.once each
// batch is a chain of MULTI/EXEC transactions that also store the last offset of each
// partition in a hash (offsets.key): Redis applies each transaction whole or not at all,
// and a transaction is executed only once the previous one is known applied; open()
// resumes after the stored offsets, and after a broken connection (outcome unknown) the
// stored offsets are read again before anything is re-sent, so even stream entries are
// written once.
//
// put() only copies the records (a SinkBuffer); a batch is written by a thread of its own
// (a job) while the task thread consumes the next one, so that Kafka, the sink and Redis
// work at the same time. A put that finds no job running hands everything buffered to a new
// one, and a job that wrote its batch cleanly goes on with what was buffered meanwhile; one
// job at a time, so order is kept. The job never calls the host: it keeps its log
// lines and the records Redis refused after EXEC for the task thread, and a batch with a
// record to refuse before EXEC, or a connection that broke, goes back to the task thread,
// which writes it there (reconnecting, asking the error policy) before taking more records.
// flush() waits for the job and writes what is buffered, so what the worker commits is in.
#include "connection.hpp"
#include "key_format.hpp"
#include "settings.hpp"

#include <sluice/padded_json.hpp>
#include <sluice/sdk.hpp>
#include <sluice/sink_buffer.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace sluice::redis {
namespace {

using Clock = std::chrono::steady_clock;
using json_parse::parse_padded;

// A batch is written to the server in pieces of about this size as it is built, so that
// Redis parses (and, without a transaction, executes) the start while the rest is formatted.
constexpr std::size_t kStreamBytes = 256 * 1024;
// Commands per transaction (exactly once): small enough that Redis executes one while the
// next is built, large enough that MULTI, EXEC and the offsets cost little.
constexpr std::size_t kTransactionCommands = 2000;
// What put() may buffer while a job writes the previous batch before it waits for the job:
// memory stays at most the batch in flight plus this (and one put). Big enough that a job
// is rarely waited for (Redis writes faster than the task consumes), small enough that the
// records' copy, their commands and their replies stay tens of MiB.
constexpr std::size_t kMaxBufferedBytes = 16u << 20;
constexpr std::size_t kMaxBufferedRecords = 100000;

std::string coordinates(std::string_view topic, std::int32_t partition) {
    return std::string(topic) + "[" + std::to_string(partition) + "]";
}

// "<topic>/<partition>": a field of the offsets hash.
std::string offsets_field(std::string_view topic, std::int32_t partition) {
    return std::string(topic) + "/" + std::to_string(partition);
}

// Errors that say "not now" rather than "never": the server is loading, out of memory, a
// replica, busy with a script.
bool transient_error(std::string_view text) {
    for (std::string_view prefix : {"LOADING", "OOM", "BUSY", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS"})
        if (text.starts_with(prefix)) return true;
    return false;
}

class RedisSink : public Sink {
public:
    static std::vector<ConfigKey> config_keys() { return redis::config_keys(); }
    static void validate(const Config& config, ConfigProblems& problems) { settings_spec().validate(config, problems); }

    // Pre-flight: the server answers, AUTH and SELECT pass, TLS verifies.
    static void test(const Config& config, TaskContext& context) {
        const Settings s = Settings::from(config, context.connector());
        Connection c(s.endpoint);
        try {
            c.connect();
        } catch (const std::exception& e) {
            throw FatalError(e.what());
        }
    }

    RedisSink(const Config& config, TaskContext& context)
        : settings_(Settings::from(config, context.connector())),
          context_(context),
          connection_(settings_.endpoint),
          rng_(std::random_device{}()) {
        context_.info(std::string("writing to ") + settings_.endpoint.url() + " db " + std::to_string(settings_.endpoint.database) +
                      (settings_.exactly_once ? ", exactly once (offsets in " + settings_.offsets_key + ")" : ", at least once"));
    }

    ~RedisSink() override {
        if (job_) {
            // What it wrote but did not commit to Kafka is skipped by its stored offsets
            // (exactly once) or written again (at least once); its findings are still told.
            job_->thread.join();
            for (auto& [level, line] : job_->logs) context_.log(level, line);
            try {
                report_found(*job_);
            } catch (const std::exception&) {
            }
        }
        context_.info("wrote " + std::to_string(written_) + " records in " + std::to_string(batches_) + " batches; " +
                      std::to_string(skipped_) + " skipped (already written), " + std::to_string(errant_) + " refused");
    }

    // Takes the records (copies them) for the background write: Redis works on one batch
    // while the task thread consumes the next.
    void put(const SinkRecords& records) override {
        bool taken = false;
        if (job_) {
            std::unique_lock lock(handover_);
            if (!job_->done.load()) {
                // The job takes them when it is done with its batch. One batch in flight and
                // one filling: past the bound, wait until it took them.
                for (SinkRecord record : records) buffer_.add(*record.raw());
                taken_.wait(lock, [&] { return job_->done.load() || !full(); });
                if (!job_->done.load()) return;
                taken = true;  // but the job ended (it had something to tell): a new one takes them
            }
        }
        finish_job();
        // After a failed background write, what it handed back is written here first, before
        // anything is taken: a RetriableError now means "offer the same records again later",
        // and none of them is buffered yet.
        if (!taken) {
            if (sync_ && !buffer_.empty()) write_now();
            for (SinkRecord record : records) buffer_.add(*record.raw());
        }
        if (buffer_.empty()) return;
        if (sync_) {
            deferred_write();
            return;
        }
        start_job();
    }

    // The worker commits the positions after this: what is buffered is written first.
    void flush(std::span<TopicPartition> positions) override {
        finish_job();
        if (buffer_.empty()) return;
        try {
            write_now();
            return;
        } catch (const RetriableError& e) {
            context_.warn(std::string("flush: ") + e.what() + "; the buffered records stay uncommitted and are written later");
        }
        buffer_.hold_back(positions);
    }

    void open(std::span<TopicPartition> partitions) override {
        finish_job();
        if (!settings_.exactly_once) return;
        for (auto& tp : partitions) watermarks_.erase({std::string(tp.topic), tp.partition});
        try {
            ensure_connected();
            std::vector<std::pair<std::string, std::int32_t>> parts;
            for (auto& tp : partitions) parts.emplace_back(std::string(tp.topic), tp.partition);
            read_watermarks(parts);
        } catch (const ConnectionError& e) {
            connection_.close();
            context_.warn(std::string("cannot read the stored offsets yet (") + e.what() +
                          "); they are read before the first records of each partition");
            return;
        } catch (const SetupError& e) {
            throw FatalError(e.what());
        }
        for (auto& tp : partitions) {
            auto it = watermarks_.find({std::string(tp.topic), tp.partition});
            if (it != watermarks_.end() && it->second >= 0) tp.offset = it->second + 1;
        }
    }

    // After the final flush of these partitions: what is still buffered of them was not
    // committed, and their next owner reads it again.
    void close(std::span<const TopicPartition> partitions) override {
        finish_job();
        std::set<batch::PartitionKey> revoked;
        for (auto& tp : partitions) {
            watermarks_.erase({std::string(tp.topic), tp.partition});
            revoked.emplace(std::string(tp.topic), tp.partition);
        }
        buffer_.drop(revoked);
    }

private:
    using Key = std::pair<std::string, std::int32_t>;

    // A record a background write found refused once its batch was applied (WRONGTYPE in
    // EXEC's results): its index in the batch and Redis's words, for the task thread to tell.
    struct Found {
        std::size_t index;
        std::string problem;
    };
    // One batch written by a thread of its own. It never calls the host (context_): its log
    // lines and refused records are kept here and told by the task thread in finish_job().
    struct Job {
        enum class Result { ok, hand_back, fatal };
        batch::SinkBuffer buffer;
        std::thread thread;
        std::atomic<bool> done{false};
        Result result = Result::ok;
        std::string message;  // hand_back: why (empty: a record to refuse), fatal: the error
        std::vector<std::pair<LogLevel, std::string>> logs;
        std::vector<Found> found;
    };
    // Thrown on a job's thread for a record refused before its transaction is executed: the
    // error policy must be asked first (it may stop the task), and only the task thread may.
    class NeedsTaskThread {};

    bool full() const { return buffer_.size() >= kMaxBufferedRecords || buffer_.bytes() >= kMaxBufferedBytes; }

    void start_job() {
        job_ = std::make_unique<Job>();
        job_->buffer = std::move(buffer_);
        buffer_ = std::move(spare_);  // the previous job's buffer: its memory serves again
        spare_ = batch::SinkBuffer();
        Job* job = job_.get();
        job->thread = std::thread([this, job] { run_job(*job); });
    }

    // On the job's thread: the task thread touches nothing of the connection, the watermarks
    // or the counters until finish_job() has joined it.
    //
    // A batch written cleanly (nothing to tell the task thread), the job goes on with what
    // put buffered meanwhile, so that records never wait for the next put or flush; it ends
    // when there is nothing buffered, or after a batch with something to tell (its log lines,
    // refused records: finish_job() tells them, indexes in that batch) or to hand back.
    void run_job(Job& job) {
        background_ = &job;
        for (;;) {
            try {
                ensure_connected();
                if (settings_.exactly_once) resolve(job.buffer);
                write(job.buffer);
                job.result = Job::Result::ok;
            } catch (const NeedsTaskThread&) {
                job.result = Job::Result::hand_back;
            } catch (const ConnectionError& e) {
                job.result = Job::Result::hand_back;
                job.message = e.what();
            } catch (const RetriableError& e) {
                job.result = Job::Result::hand_back;
                job.message = e.what();
            } catch (const std::exception& e) {
                job.result = Job::Result::fatal;
                job.message = e.what();
            }
            if (job.result != Job::Result::ok || !job.found.empty() || !job.logs.empty()) break;
            std::lock_guard lock(handover_);
            job.buffer.clear();
            if (buffer_.empty()) {
                // Ended under the lock: a put from now on sees it ended and starts the next job.
                background_ = nullptr;
                job.done.store(true);
                taken_.notify_all();
                return;
            }
            std::swap(job.buffer, buffer_);  // buffer_ gets the emptied one: its memory serves again
            taken_.notify_all();
        }
        if (job.result == Job::Result::hand_back) {
            // A transaction may be executing, its outcome unknown: the stored offsets are
            // read again before anything is sent again.
            connection_.close();
            if (settings_.exactly_once) watermarks_.clear();
        }
        background_ = nullptr;
        {
            std::lock_guard lock(handover_);  // put() adds to buffer_ only while it sees the job running
            job.done.store(true);
        }
        taken_.notify_all();
    }

    // Waits for the job, if any, and applies its outcome on the task thread: its log lines
    // and refused records are told; a batch handed back goes in front of the buffer (it is
    // older) and is written on this thread, with reconnections and the error policy.
    void finish_job() {
        if (!job_) return;
        job_->thread.join();
        std::unique_ptr<Job> job = std::move(job_);
        for (auto& [level, line] : job->logs) context_.log(level, line);
        report_found(*job);
        switch (job->result) {
        case Job::Result::ok:
            job->buffer.clear();
            spare_ = std::move(job->buffer);
            return;
        case Job::Result::fatal: throw FatalError(job->message);
        case Job::Result::hand_back:
            if (!job->message.empty()) context_.warn("background write failed, writing on the task thread: " + job->message);
            break;
        }
        job->buffer.append(std::move(buffer_));
        buffer_ = std::move(job->buffer);
        sync_ = true;
    }

    void report_found(Job& job) {
        std::vector<Found> found = std::move(job.found);
        job.found.clear();
        for (const Found& f : found) {
            job.buffer.mark_reported(f.index);
            report(job.buffer, f.index, f.problem);
        }
    }

    // Writes the buffer on the task thread, reconnecting with backoff; a RetriableError
    // leaves the records buffered.
    void write_now() {
        std::chrono::milliseconds ceiling = settings_.backoff;
        for (int attempt = 1;; ++attempt) {
            try {
                ensure_connected();
                if (settings_.exactly_once) resolve(buffer_);
                write(buffer_);
                buffer_.clear();
                sync_ = false;
                return;
            } catch (const ConnectionError& e) {
                connection_.close();
                // The batch may have been applied: ask Redis before sending it again.
                if (settings_.exactly_once) watermarks_.clear();
                if (attempt >= settings_.max_attempts || context_.stopping())
                    throw RetriableError(std::string(e.what()) + " (" + std::to_string(attempt) + " tries)");
                context_.warn(std::string(e.what()) + "; reconnecting");
                nap(ceiling);
                ceiling = std::min(ceiling * 2, settings_.backoff_max);
            } catch (const SetupError& e) {
                throw FatalError(e.what());
            }
        }
    }

    // write_now() for records already taken: a failure keeps them buffered (flush keeps their
    // offsets uncommitted) and the next put or flush tries again.
    void deferred_write() {
        try {
            write_now();
        } catch (const RetriableError& e) {
            context_.warn(std::string("write deferred: ") + e.what());
        }
    }

    // Log lines of a job wait for the task thread.
    void note(LogLevel level, std::string message) {
        if (background_ != nullptr) background_->logs.emplace_back(level, std::move(message));
        else context_.log(level, message);
    }

    void nap(std::chrono::milliseconds ceiling) {
        std::uniform_int_distribution<std::int64_t> jitter(ceiling.count() / 2, ceiling.count());
        const auto until = Clock::now() + std::chrono::milliseconds(jitter(rng_));
        while (Clock::now() < until && !context_.stopping()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }

    void ensure_connected() {
        if (connection_.connected()) return;
        connection_.connect();
        note(LogLevel::info, "connected to " + settings_.endpoint.url());
    }

    // The stored offsets of the batch's partitions not known yet.
    void resolve(const batch::SinkBuffer& b) {
        std::vector<Key> unknown;
        for (auto& [k, first] : b.first_offsets())
            if (!watermarks_.count(k)) unknown.push_back(k);
        if (!unknown.empty()) read_watermarks(unknown);
    }

    void read_watermarks(const std::vector<Key>& parts) {
        if (parts.empty()) return;
        std::vector<std::string> fields;
        for (const auto& [topic, partition] : parts) fields.push_back(offsets_field(topic, partition));
        std::vector<std::string_view> args{"HMGET", settings_.offsets_key};
        for (const auto& f : fields) args.push_back(f);
        Commands c;
        c.add(args);
        auto replies = connection_.exchange(c);
        const Reply& r = replies.front();
        if (r.is_error()) {
            if (transient_error(r.text())) throw ConnectionError("reading " + settings_.offsets_key + ": " + std::string(r.text()));
            throw FatalError("reading the stored offsets in " + settings_.offsets_key + " at " + settings_.endpoint.url() +
                             ": " + std::string(r.text()));
        }
        for (std::size_t i = 0; i < parts.size(); ++i) {
            const std::string_view text = text_of(r.element(i));
            std::int64_t offset = -1;
            if (!text.empty()) {
                auto v = json::to_int(text);
                if (!v) throw FatalError(settings_.offsets_key + " holds '" + std::string(text) + "' for " + fields[i] +
                                         ", not an offset");
                offset = *v;
                note(LogLevel::info, coordinates(parts[i].first, parts[i].second) + ": offsets up to " + std::to_string(offset) +
                                         " are in Redis already");
            }
            watermarks_[parts[i]] = offset;
        }
    }

    // Record i of the batch will not be written. `applied`: the rest of what it came with is
    // (or will be) in Redis whatever the error policy says (an error among EXEC's results, a
    // record of a plain pipeline); else it is refused before its transaction is executed.
    // A job keeps the first kind for the task thread and hands the batch back for the second.
    void errant(batch::SinkBuffer& b, std::size_t i, std::string problem, bool applied) {
        if (background_ != nullptr) {
            if (!applied) throw NeedsTaskThread{};
            ++errant_;
            background_->found.push_back({i, std::move(problem)});
            return;
        }
        if (b.reported(i)) return;  // told already (by a job that then handed the batch back, or a previous try)
        ++errant_;
        b.mark_reported(i);
        report(b, i, problem);
    }

    void report(const batch::SinkBuffer& b, std::size_t i, const std::string& problem) {
        context_.report_errant(b.record(i, errant_headers_, errant_header_pointers_),
                               "record " + b.where(i) + " not written to " + settings_.endpoint.url() + ": " + problem);
    }

    // Appends the commands of record i; false with `problem` when it cannot be written.
    bool commands_of(const batch::SinkBuffer& b, std::size_t i, Commands& out, std::string& problem) {
        auto value = b.value(i);
        // A tombstone that deletes nothing is skipped before its key is looked for.
        if (!value && (settings_.mode == Mode::stream || !settings_.delete_on_null)) return true;
        simdjson::dom::element doc;
        const bool structured = settings_.mode != Mode::set;
        const bool parse = value && (structured || settings_.key_format.needs_value());
        if (parse) {
            if (auto error = parse_padded(parser_, padded_, *value).get(doc)) {
                problem = std::string("its value is not JSON (") + simdjson::error_message(error) + ")";
                return false;
            }
        }
        key_.clear();
        KeyFormat::Record in{b.key(i), b.topic(i), b.partition(i), b.offset(i), parse ? &doc : nullptr};
        if (!settings_.key_format.render(in, key_, problem)) return false;
        if (!value) {
            out.add({"DEL", key_});
            return true;
        }
        if (settings_.mode == Mode::set) {
            if (settings_.ttl_ms > 0) out.add({"SET", key_, *value, "PX", ttl_});
            else out.add({"SET", key_, *value});
            return true;
        }
        if (!doc.is_object()) {
            problem = "its value is not a JSON object; mode " + std::string(settings_.mode == Mode::hash ? "hash" : "stream") +
                      " writes its top-level fields";
            return false;
        }
        fields_.clear();
        for (auto [name, field] : doc.get_object()) {
            auto text = scalar_text(field);
            fields_.emplace_back(std::string(name), text ? std::move(*text) : simdjson::minify(field));
        }
        if (fields_.empty()) {
            problem = "its value is an empty JSON object: no field to write";
            return false;
        }
        args_.clear();
        const std::string maxlen = std::to_string(settings_.stream_maxlen);
        if (settings_.mode == Mode::hash) {
            out.add({"DEL", key_});  // the hash holds exactly the latest record's fields
            args_ = {"HSET", key_};
        } else {
            args_ = {"XADD", key_};
            if (settings_.stream_maxlen > 0) args_.insert(args_.end(), {"MAXLEN", "~", maxlen});
            args_.push_back("*");
        }
        for (const auto& [name, text] : fields_) {
            args_.push_back(name);
            args_.push_back(text);
        }
        out.add(args_);
        if (settings_.mode == Mode::hash && settings_.ttl_ms > 0) out.add({"PEXPIRE", key_, ttl_});
        return true;
    }

    // One MULTI/EXEC of a batch (exactly once): its commands are numbered from `multi` (its
    // MULTI) in the batch, `last` is the last offset it holds per partition.
    struct Transaction {
        std::size_t multi = 0;
        std::map<Key, std::int64_t> last;
        std::size_t records = 0;
    };

    // A batch half sent (a record's error policy stopped the task mid-batch) leaves the
    // connection inside a transaction: it is closed then, never reused.
    struct Streaming {
        Connection& c;
        bool open = false;
        ~Streaming() {
            if (open) c.close();
        }
    };

    void write(batch::SinkBuffer& b) {
        std::set<std::size_t> refused;  // records found bad by Redis at queue time: left out of the retry
        while (!write_pass(b, refused)) {
        }
    }

    void send_buffered(Streaming& streaming) {
        if (commands_.bytes().empty()) return;
        streaming.open = true;
        connection_.send(commands_);
        commands_.sent();
    }

    // Reads replies up to command `last` included.
    void read_through(std::size_t last) {
        while (replies_.size() <= last) replies_.push_back(connection_.read_reply());
    }

    // Writes the records not written yet; false when Redis refused one at queue time (it is
    // in `refused` then, reported, and the caller writes the rest again).
    //
    // Exactly once, the batch is a chain of transactions of kTransactionCommands commands:
    // Redis executes one while the next is built and queued, and a transaction's EXEC is
    // sent only once the previous one is known applied, so that a refused transaction never
    // has a later one store offsets past its records.
    bool write_pass(batch::SinkBuffer& b, std::set<std::size_t>& refused) {
        Streaming streaming{connection_};
        commands_.clear();
        owner_.clear();
        replies_.clear();
        const bool eo = settings_.exactly_once;
        std::optional<Transaction> executing;  // its EXEC sent, its result not read yet
        Transaction building;
        auto begin = [&] {
            building = Transaction{};
            building.multi = commands_.count();
            commands_.add({"MULTI"});
            owner_.push_back(SIZE_MAX);
        };
        // Sends what is buffered and reads every reply: the connection is out of any transaction.
        auto drain = [&] {
            send_buffered(streaming);
            read_through(commands_.count() - 1);
            streaming.open = false;
        };
        auto discard = [&] {  // `building`, queued but never to be executed
            commands_.add({"DISCARD"});
            owner_.push_back(SIZE_MAX);
            drain();
        };
        // Closes `building` (its offsets, its EXEC once the one executing is applied).
        // False when the one executing was not applied: `building` is discarded then.
        auto close = [&]() -> bool {
            offsets_of(building.last);
            if (executing) {
                send_buffered(streaming);  // queued in Redis meanwhile
                const std::size_t exec = building.multi - 1;
                read_through(exec);
                if (!settle(b, *executing, exec, refused)) {
                    discard();
                    return false;
                }
            }
            commands_.add({"EXEC"});
            owner_.push_back(SIZE_MAX);
            send_buffered(streaming);
            executing = std::move(building);
            return true;
        };
        if (eo) begin();
        // Records come in runs of one partition: its watermark and last offset are looked
        // up once per run (and again in each transaction).
        const std::int64_t* watermark = nullptr;
        std::int64_t* last_offset = nullptr;
        std::string_view run_topic;
        std::int32_t run_partition = -1;
        std::size_t written = 0;
        for (std::size_t i = 0; i < b.size(); ++i) {
            const std::int32_t partition = b.partition(i);
            const std::int64_t offset = b.offset(i);
            if (eo) {
                if (last_offset == nullptr || partition != run_partition || b.topic(i) != run_topic) {
                    Key k{b.topic(i), partition};
                    auto w = watermarks_.find(k);
                    watermark = w == watermarks_.end() ? nullptr : &w->second;
                    last_offset = &building.last.try_emplace(std::move(k), -1).first->second;
                    run_topic = b.topic(i);
                    run_partition = partition;
                }
                if (watermark != nullptr && offset <= *watermark) {
                    ++skipped_;
                    continue;
                }
                *last_offset = offset;
            }
            if (refused.count(i)) continue;
            std::string problem;
            const std::size_t before = commands_.count();
            if (!commands_of(b, i, commands_, problem)) {
                errant(b, i, std::move(problem), !eo);
                continue;
            }
            owner_.resize(commands_.count(), i);
            if (commands_.count() > before) {
                ++written;
                ++building.records;
            }
            if (commands_.bytes().size() >= kStreamBytes) send_buffered(streaming);
            if (eo && commands_.count() - building.multi >= kTransactionCommands) {
                if (!close()) return false;
                begin();
                last_offset = nullptr;  // the new transaction's map
            }
        }
        if (!eo) {
            if (commands_.count() == 0) return true;
            drain();
            ++batches_;
            for (std::size_t c = 0; c < replies_.size(); ++c) check_result(b, owner_[c], replies_[c].get());
            written_ += written;
            return true;
        }
        const bool nothing = building.records == 0 && !has_offsets(building.last);
        if (nothing && !executing) return true;  // nothing past the stored offsets: nothing was sent
        if (nothing) {
            discard();  // an empty last transaction: only the previous one's result is awaited
            const std::size_t exec = building.multi - 1;
            ++batches_;
            return settle(b, *executing, exec, refused);
        }
        if (!close()) return false;
        drain();
        ++batches_;
        return settle(b, *executing, commands_.count() - 1, refused);
    }

    static bool has_offsets(const std::map<Key, std::int64_t>& last) {
        for (const auto& [k, offset] : last)
            if (offset >= 0) return true;
        return false;
    }

    // HSET of the transaction's last offsets into the offsets hash.
    void offsets_of(const std::map<Key, std::int64_t>& last) {
        fields_text_.clear();
        for (const auto& [k, offset] : last) {
            if (offset < 0) continue;  // every record of it was skipped
            fields_text_.push_back(offsets_field(k.first, k.second));
            fields_text_.push_back(std::to_string(offset));
        }
        if (fields_text_.empty()) return;
        args_.assign({"HSET", settings_.offsets_key});
        for (const auto& f : fields_text_) args_.push_back(f);
        commands_.add(args_);
        owner_.push_back(SIZE_MAX);
    }

    // The outcome of a transaction whose replies are read (its EXEC is command `exec`):
    // true when applied (its offsets become the watermarks, its commands' errors name their
    // records); false when refused at queue time because of a record (in `refused` now).
    bool settle(batch::SinkBuffer& b, const Transaction& t, std::size_t exec, std::set<std::size_t>& refused) {
        const Reply& result = replies_[exec];
        if (!result.is_error() && !result.is_nil()) {
            for (const auto& [k, offset] : t.last)
                if (offset >= 0) watermarks_[k] = offset;
            written_ += t.records;
            // Results of the queued commands, in order (MULTI's and EXEC's own are not in it).
            for (std::size_t c = t.multi + 1; c < exec; ++c) check_result(b, owner_[c], result.element(c - t.multi - 1));
            return true;
        }
        // EXECABORT: a command was refused when queued; nothing of it was applied.
        bool found = false;
        for (std::size_t c = t.multi + 1; c < exec; ++c) {
            if (!replies_[c].is_error()) continue;
            if (transient_error(replies_[c].text()) || owner_[c] == SIZE_MAX)
                throw RetriableError("Redis " + settings_.endpoint.url() + " refused the transaction: " + std::string(replies_[c].text()));
            if (refused.insert(owner_[c]).second) {
                errant(b, owner_[c], std::string(replies_[c].text()), false);
                found = true;
            }
        }
        if (!found)
            throw RetriableError("Redis " + settings_.endpoint.url() + " did not apply the transaction: " +
                                 std::string(result.is_nil() ? "EXEC answered nil" : result.text()));
        return false;
    }

    // A command's result: an error names its record (WRONGTYPE: the key holds another type).
    void check_result(batch::SinkBuffer& b, std::size_t owner, const redisReply* result) {
        if (!is_error(result)) return;
        const std::string text(text_of(result));
        if (transient_error(text)) throw RetriableError("Redis " + settings_.endpoint.url() + ": " + text);
        if (owner == SIZE_MAX) throw FatalError("Redis " + settings_.endpoint.url() + ": " + text);
        errant(b, owner, text, true);
    }

    Settings settings_;
    TaskContext& context_;
    Connection connection_;
    std::map<Key, std::int64_t> watermarks_;  // last offset stored per partition (-1: none); absent: unknown
    simdjson::dom::parser parser_;
    std::string padded_;
    std::string key_;
    std::vector<std::pair<std::string, std::string>> fields_;
    std::vector<std::string_view> args_;
    std::vector<std::string> fields_text_;
    const std::string ttl_ = std::to_string(settings_.ttl_ms);
    // Kept from batch to batch: their memory serves again (no fresh pages per batch).
    Commands commands_;
    std::vector<std::size_t> owner_;  // per command: index of its record (SIZE_MAX: none)
    std::vector<Reply> replies_;
    std::mt19937_64 rng_;
    batch::SinkBuffer buffer_;  // records taken by put, not yet handed to a write
    batch::SinkBuffer spare_;   // an empty buffer with memory, for the next job
    std::unique_ptr<Job> job_;  // the background write, if any
    // While a job runs, buffer_ is shared: put() fills it, the job takes it (both under
    // handover_); taken_ tells a put waiting for room that the job took it or ended.
    std::mutex handover_;
    std::condition_variable taken_;
    bool sync_ = false;         // a job handed its batch back: the next writes run on the task thread
    Job* background_ = nullptr;  // on a job's thread: that job (its log lines, its findings)
    std::vector<sluice_header> errant_headers_;
    std::vector<const sluice_header*> errant_header_pointers_;
    std::int64_t written_ = 0, batches_ = 0, skipped_ = 0, errant_ = 0;
};

}  // namespace
}  // namespace sluice::redis

SLUICE_SINK(sluice::redis::RedisSink, "redis", "1.0.0",
            "SET, HSET or XADD of JSON records in Redis, pipelined per batch, exactly once by offsets kept in Redis")
