// The `redis` sink: each record becomes Redis commands by mode (SET of the JSON value,
// DEL + HSET of its top-level fields, or XADD to a stream) at the key key.format gives;
// a batch is pipelined (written at once, replies read after). With exactly.once each
// batch is one MULTI/EXEC transaction that also stores the last offset of each partition
// in a hash (offsets.key): Redis applies all of it or none, open() resumes after the
// stored offsets, and after a broken connection (outcome unknown) the stored offsets are
// read again before anything is re-sent, so even stream entries are written once.
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
        const std::string ttl = std::to_string(settings_.ttl_ms);
        if (settings_.mode == Mode::set) {
            if (settings_.ttl_ms > 0) out.add({"SET", key_, *value, "PX", ttl});
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
        if (settings_.mode == Mode::hash && settings_.ttl_ms > 0) out.add({"PEXPIRE", key_, ttl});
        return true;
    }

    void write(const SinkRecords& records) {
        std::set<std::size_t> refused;  // records found bad by Redis at queue time: left out of the retry
        while (true) {
            // A batch half sent (a record's error policy stopped the task mid-batch) leaves
            // the connection inside a transaction: it is closed then, never reused.
            struct Streaming {
                Connection& c;
                bool open = false;
                void begin() { open = true; }
                void done() { open = false; }
                ~Streaming() {
                    if (open) c.close();
                }
            } streaming{connection_};
            Commands commands;
            std::vector<std::size_t> owner;  // per command: index of its record
            std::map<Key, std::int64_t> last;
            if (settings_.exactly_once) {
                commands.add({"MULTI"});
                owner.push_back(SIZE_MAX);
            }
            std::vector<std::size_t> written;
            // Records come in runs of one partition: its watermark and last offset are looked
            // up once per run.
            const std::int64_t* watermark = nullptr;
            std::int64_t* last_offset = nullptr;
            std::string_view run_topic;
            std::int32_t run_partition = -1;
            for (std::size_t i = 0; i < records.size(); ++i) {
                SinkRecord r = records[i];
                if (settings_.exactly_once) {
                    if (last_offset == nullptr || r.partition() != run_partition || r.topic() != run_topic) {
                        Key k{std::string(r.topic()), r.partition()};
                        auto w = watermarks_.find(k);
                        watermark = w == watermarks_.end() ? nullptr : &w->second;
                        last_offset = &last.try_emplace(std::move(k), -1).first->second;
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
                const std::size_t before = commands.count();
                if (!commands_of(r, commands, problem)) {
                    errant(r, problem);
                    continue;
                }
                owner.resize(commands.count(), i);
                if (commands.count() > before) written.push_back(i);
                if (commands.bytes().size() >= kStreamBytes) {
                    streaming.begin();
                    connection_.send(commands);
                    commands.sent();
                }
            }
            if (settings_.exactly_once) {
                std::vector<std::string> fields;
                for (const auto& [k, offset] : last) {
                    if (offset < 0) continue;  // every record of it was skipped
                    fields.push_back(offsets_field(k.first, k.second));
                    fields.push_back(std::to_string(offset));
                }
                if (fields.empty()) return;  // nothing past the stored offsets (nothing was sent)
                std::vector<std::string_view> args{"HSET", settings_.offsets_key};
                for (const auto& f : fields) args.push_back(f);
                commands.add(args);
                owner.push_back(SIZE_MAX);
                commands.add({"EXEC"});
                owner.push_back(SIZE_MAX);
            }
            if (commands.count() == 0) return;
            streaming.begin();
            connection_.send(commands);
            std::vector<Reply> replies = connection_.read_replies(commands.count());
            streaming.done();
            ++batches_;
            if (!settings_.exactly_once) {
                for (std::size_t c = 0; c < replies.size(); ++c) check_result(records, owner[c], replies[c].get());
                written_ += written.size();
                return;
            }
            const Reply& exec = replies.back();
            if (!exec.is_error() && !exec.is_nil()) {
                // Results of the queued commands, in order (MULTI's and EXEC's own are not in it).
                for (std::size_t c = 1; c + 1 < owner.size(); ++c) check_result(records, owner[c], exec.element(c - 1));
                for (const auto& [k, offset] : last)
                    if (offset >= 0) watermarks_[k] = offset;
                written_ += written.size();
                return;
            }
            // EXECABORT: a command was refused when queued; nothing was applied.
            bool found = false;
            for (std::size_t c = 1; c + 1 < replies.size(); ++c) {
                if (!replies[c].is_error()) continue;
                if (transient_error(replies[c].text()) || owner[c] == SIZE_MAX)
                    throw RetriableError("Redis " + settings_.endpoint.url() + " refused the transaction: " +
                                         std::string(replies[c].text()));
                if (refused.insert(owner[c]).second) {
                    errant(records[owner[c]], std::string(replies[c].text()));
                    found = true;
                }
            }
            if (!found)
                throw RetriableError("Redis " + settings_.endpoint.url() + " did not apply the transaction: " +
                                     std::string(exec.is_nil() ? "EXEC answered nil" : exec.text()));
        }
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
    std::mt19937_64 rng_;
    std::int64_t written_ = 0, batches_ = 0, skipped_ = 0, errant_ = 0;
};

}  // namespace
}  // namespace sluice::redis

SLUICE_SINK(sluice::redis::RedisSink, "redis", "1.0.0",
            "SET, HSET or XADD of JSON records in Redis, pipelined per batch, exactly once by offsets kept in Redis")
