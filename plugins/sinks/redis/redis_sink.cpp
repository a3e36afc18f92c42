// The `redis` sink: each record becomes Redis commands by mode (SET of the JSON value,
// DEL + HSET of its top-level fields, or XADD to a stream) at the key key.format gives;
// a batch is pipelined (written at once, replies read after). With exactly.once each
// batch is a chain of MULTI/EXEC transactions that also store the last offset of each
// partition in a hash (offsets.key): Redis applies each transaction whole or not at all,
// and a transaction is executed only once the previous one is known applied; open()
// resumes after the stored offsets, and after a broken connection (outcome unknown) the
// stored offsets are read again before anything is re-sent, so even stream entries are
// written once.
#include "connection.hpp"
#include "key_format.hpp"
#include "settings.hpp"

#include <sluice/padded_json.hpp>
#include <sluice/sdk.hpp>

#include <chrono>
#include <map>
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
        context_.info("wrote " + std::to_string(written_) + " records in " + std::to_string(batches_) + " batches; " +
                      std::to_string(skipped_) + " skipped (already written), " + std::to_string(errant_) + " refused");
    }

    void put(const SinkRecords& records) override {
        std::chrono::milliseconds ceiling = settings_.backoff;
        for (int attempt = 1;; ++attempt) {
            try {
                ensure_connected();
                if (settings_.exactly_once) resolve(records);
                write(records);
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

    void open(std::span<TopicPartition> partitions) override {
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

    void close(std::span<const TopicPartition> partitions) override {
        for (auto& tp : partitions) watermarks_.erase({std::string(tp.topic), tp.partition});
    }

private:
    using Key = std::pair<std::string, std::int32_t>;

    void nap(std::chrono::milliseconds ceiling) {
        std::uniform_int_distribution<std::int64_t> jitter(ceiling.count() / 2, ceiling.count());
        const auto until = Clock::now() + std::chrono::milliseconds(jitter(rng_));
        while (Clock::now() < until && !context_.stopping()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }

    void ensure_connected() {
        if (connection_.connected()) return;
        connection_.connect();
        context_.info("connected to " + settings_.endpoint.url());
    }

    // The stored offsets of the batch's partitions not known yet.
    void resolve(const SinkRecords& records) {
        std::vector<Key> unknown;
        std::set<Key> seen;
        for (SinkRecord r : records) {
            Key k{std::string(r.topic()), r.partition()};
            if (!watermarks_.count(k) && seen.insert(k).second) unknown.push_back(std::move(k));
        }
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
                context_.info(coordinates(parts[i].first, parts[i].second) + ": offsets up to " + std::to_string(offset) +
                              " are in Redis already");
            }
            watermarks_[parts[i]] = offset;
        }
    }

    void errant(const SinkRecord& r, const std::string& problem) {
        ++errant_;
        context_.report_errant(*r.raw(), "record " + coordinates(r.topic(), r.partition()) + "@" + std::to_string(r.offset()) +
                                             " not written to " + settings_.endpoint.url() + ": " + problem);
    }

    // Appends the commands of one record; false with `problem` when it cannot be written.
    bool commands_of(const SinkRecord& r, Commands& out, std::string& problem) {
        auto value = r.value();
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
        KeyFormat::Record in{r.key(), r.topic(), r.partition(), r.offset(), parse ? &doc : nullptr};
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

    void write(const SinkRecords& records) {
        std::set<std::size_t> refused;  // records found bad by Redis at queue time: left out of the retry
        while (!write_pass(records, refused)) {
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
    bool write_pass(const SinkRecords& records, std::set<std::size_t>& refused) {
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
        // Closes `building` (its offsets, its EXEC once the one executing is applied).
        // False when the one executing was not applied: `building` is discarded then.
        auto close = [&]() -> bool {
            offsets_of(building.last);
            if (executing) {
                send_buffered(streaming);  // queued in Redis meanwhile
                const std::size_t exec = building.multi - 1;
                read_through(exec);
                if (!settle(records, *executing, exec, refused)) {
                    commands_.add({"DISCARD"});
                    owner_.push_back(SIZE_MAX);
                    send_buffered(streaming);
                    read_through(commands_.count() - 1);
                    streaming.open = false;
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
        for (std::size_t i = 0; i < records.size(); ++i) {
            SinkRecord r = records[i];
            if (eo) {
                if (last_offset == nullptr || r.partition() != run_partition || r.topic() != run_topic) {
                    Key k{std::string(r.topic()), r.partition()};
                    auto w = watermarks_.find(k);
                    watermark = w == watermarks_.end() ? nullptr : &w->second;
                    last_offset = &building.last.try_emplace(std::move(k), -1).first->second;
                    run_topic = r.topic();
                    run_partition = r.partition();
                }
                if (watermark != nullptr && r.offset() <= *watermark) {
                    ++skipped_;
                    continue;
                }
                *last_offset = r.offset();
            }
            if (refused.count(i)) continue;
            std::string problem;
            const std::size_t before = commands_.count();
            if (!commands_of(r, commands_, problem)) {
                errant(r, problem);
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
            send_buffered(streaming);
            read_through(commands_.count() - 1);
            streaming.open = false;
            ++batches_;
            for (std::size_t c = 0; c < replies_.size(); ++c) check_result(records, owner_[c], replies_[c].get());
            written_ += written;
            return true;
        }
        const bool nothing = building.records == 0 && !has_offsets(building.last);
        if (nothing && !executing) return true;  // nothing past the stored offsets: nothing was sent
        if (nothing) {
            commands_.add({"DISCARD"});  // an empty last transaction: only the previous one's result is awaited
            owner_.push_back(SIZE_MAX);
            send_buffered(streaming);
            read_through(commands_.count() - 1);
            streaming.open = false;
            const std::size_t exec = building.multi - 1;
            ++batches_;
            return settle(records, *executing, exec, refused);
        }
        if (!close()) return false;
        read_through(commands_.count() - 1);
        streaming.open = false;
        ++batches_;
        return settle(records, *executing, commands_.count() - 1, refused);
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
    bool settle(const SinkRecords& records, const Transaction& t, std::size_t exec, std::set<std::size_t>& refused) {
        const Reply& result = replies_[exec];
        if (!result.is_error() && !result.is_nil()) {
            for (const auto& [k, offset] : t.last)
                if (offset >= 0) watermarks_[k] = offset;
            written_ += t.records;
            // Results of the queued commands, in order (MULTI's and EXEC's own are not in it).
            for (std::size_t c = t.multi + 1; c < exec; ++c) check_result(records, owner_[c], result.element(c - t.multi - 1));
            return true;
        }
        // EXECABORT: a command was refused when queued; nothing of it was applied.
        bool found = false;
        for (std::size_t c = t.multi + 1; c < exec; ++c) {
            if (!replies_[c].is_error()) continue;
            if (transient_error(replies_[c].text()) || owner_[c] == SIZE_MAX)
                throw RetriableError("Redis " + settings_.endpoint.url() + " refused the transaction: " + std::string(replies_[c].text()));
            if (refused.insert(owner_[c]).second) {
                errant(records[owner_[c]], std::string(replies_[c].text()));
                found = true;
            }
        }
        if (!found)
            throw RetriableError("Redis " + settings_.endpoint.url() + " did not apply the transaction: " +
                                 std::string(result.is_nil() ? "EXEC answered nil" : result.text()));
        return false;
    }

    // A command's result: an error names its record (WRONGTYPE: the key holds another type).
    void check_result(const SinkRecords& records, std::size_t owner, const redisReply* result) {
        if (!is_error(result)) return;
        const std::string text(text_of(result));
        if (transient_error(text)) throw RetriableError("Redis " + settings_.endpoint.url() + ": " + text);
        if (owner == SIZE_MAX) throw FatalError("Redis " + settings_.endpoint.url() + ": " + text);
        errant(records[owner], text);
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
    std::int64_t written_ = 0, batches_ = 0, skipped_ = 0, errant_ = 0;
};

}  // namespace
}  // namespace sluice::redis

SLUICE_SINK(sluice::redis::RedisSink, "redis", "1.0.0",
            "SET, HSET or XADD of JSON records in Redis, pipelined per batch, exactly once by offsets kept in Redis")
