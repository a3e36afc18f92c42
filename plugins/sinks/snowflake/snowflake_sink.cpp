// The `snowflake` sink: Kafka records into a Snowflake table through the SQL API v2, with
// key-pair JWT authentication, exactly once (see README.md for why the SQL API and how).
#include "batch_writer.hpp"
#include "jwt.hpp"
#include "settings.hpp"
#include "statement_runner.hpp"
#include "table_statements.hpp"

#include <sluice/batch_trigger.hpp>
#include <sluice/http_client.hpp>
#include <sluice/http_retry.hpp>
#include <sluice/sdk.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sluice::snowflake {
namespace {

using Clock = std::chrono::steady_clock;

// Sleeps in short naps so a stopping task is never held up by a backoff.
bool nap(const TaskContext& context, std::chrono::milliseconds total) {
    const auto until = Clock::now() + total;
    while (Clock::now() < until) {
        if (context.stopping()) return false;
        std::this_thread::sleep_for(std::min<Clock::duration>(std::chrono::milliseconds(20), until - Clock::now()));
    }
    return !context.stopping();
}

bool table_missing(const SqlError& e) { return e.sql_state() == "42S02" || e.code() == "002003"; }

sluice_record as_record(const Row& row) {
    sluice_record r{};
    r.struct_size = sizeof r;
    r.key = row.key ? sluice_bytes{row.key->data(), row.key->size()} : sluice_bytes{nullptr, 0};
    r.value = row.value ? sluice_bytes{row.value->data(), row.value->size()} : sluice_bytes{nullptr, 0};
    r.topic = {row.topic.data(), row.topic.size()};
    r.partition = row.partition;
    r.offset = row.offset;
    r.timestamp_ms = row.timestamp_ms >= 0 ? row.timestamp_ms : SLUICE_NO_TIMESTAMP;
    return r;
}

class SnowflakeSink : public Sink {
public:
    static std::vector<ConfigKey> config_keys() { return Settings::keys(); }
    static void validate(const Config& config, ConfigProblems& problems) { Settings::validate(config, problems); }

    // Pre-flight: the key loads, Snowflake accepts the JWT, and the table has the layout.
    static void test(const Config& config, TaskContext& context) {
        const Settings settings = Settings::from(config);
        TokenSource tokens(Settings::load_key(config), settings.account, settings.user, settings.jwt_lifetime);
        http::Client client;
        RunnerOptions options = settings.runner;
        options.max_attempts = std::min(options.max_attempts, 3);
        StatementRunner runner(options, tokens, client, [&](std::chrono::milliseconds d) { return nap(context, d); });
        try {
            runner.run(settings.request(probe_statement(settings.table)));
        } catch (const SqlError& e) {
            if (table_missing(e) && settings.create_table) return;  // created when partitions are assigned
            throw FatalError("table " + settings.table.qualified() + " at " + settings.base_url + ": " +
                             e.snowflake_message() + " (SQLSTATE " + e.sql_state() + ", code " + e.code() + ")" +
                             (table_missing(e) ? "; create it (see the plugin README) or set auto.create: true"
                                               : "; the table needs the columns _TOPIC, _PARTITION, _OFFSET, "
                                                 "_TIMESTAMP, RECORD_KEY, RECORD_CONTENT"));
        } catch (const RetriableError& e) {
            throw FatalError("Snowflake at " + settings.base_url + " did not answer the pre-flight query: " + e.what());
        }
    }

    SnowflakeSink(const Config& config, TaskContext& context)
        : settings_(Settings::from(config)),
          context_(context),
          tokens_(Settings::load_key(config), settings_.account, settings_.user, settings_.jwt_lifetime),
          runner_(settings_.runner, tokens_, client_, [this](std::chrono::milliseconds d) { return nap(context_, d); }),
          writer_(settings_, runner_, [this](const Row& row, const std::string& message) {
              context_.report_errant(as_record(row), message);
          }) {
        context_.info("writing to " + settings_.table.qualified() + " at " + settings_.base_url + " as " +
                      account_for_jwt(settings_.account) + "." + upper_ascii(settings_.user) + " (key " +
                      tokens_.fingerprint() + ")");
    }

    ~SnowflakeSink() override {
        if (!buffer_.empty())
            context_.warn(std::to_string(buffer_.size()) +
                          " buffered rows were not written; they were never committed to Kafka and will be read again");
        const WriteStats& s = writer_.stats();
        context_.info("wrote " + std::to_string(s.rows_sent) + " rows in " + std::to_string(s.statements) +
                      " statements (" + std::to_string(s.rows_inserted) + " inserted, " +
                      std::to_string(s.rows_sent - std::min(s.rows_sent, s.rows_inserted)) + " already present, " +
                      std::to_string(s.rows_errant) + " refused); " + std::to_string(runner_.stats().token_renewals) +
                      " token renewals after 401, " + std::to_string(runner_.stats().retries) + " resubmissions");
    }

    SnowflakeSink(const SnowflakeSink&) = delete;
    SnowflakeSink& operator=(const SnowflakeSink&) = delete;

    // Resume each partition after the highest offset the table holds: the rows are the
    // progress, Kafka's committed offset only a fallback.
    void open(std::span<TopicPartition> partitions) override {
        ensure_table();
        std::set<std::string> topics;
        for (const auto& p : partitions) topics.insert(std::string(p.topic));
        for (const std::string& topic : topics) {
            auto stored = stored_maxima(topic);
            if (!stored) continue;  // stopping
            for (auto& p : partitions) {
                if (p.topic != topic) continue;
                const Key key{topic, p.partition};
                taken_.erase(key);
                auto it = stored->find(p.partition);
                if (it == stored->end()) continue;
                p.offset = it->second + 1;
                taken_[key] = it->second;
                context_.info(topic + "[" + std::to_string(p.partition) + "]: the table holds offsets up to " +
                              std::to_string(it->second) + "; resuming at " + std::to_string(p.offset));
            }
        }
    }

    void put(const SinkRecords& records) override {
        // A due buffer goes first: if Snowflake is unavailable this batch is not taken yet.
        if (pending_.reason() == batch::Reason::age) write_buffer();
        for (const SinkRecord& record : records) {
            const Key key{std::string(record.topic()), record.partition()};
            auto taken = taken_.find(key);
            // Offered again after a RETRY (or below the resume point): already taken.
            if (taken != taken_.end() && record.offset() <= taken->second) continue;
            Row row;
            row.topic = key.first;
            row.partition = record.partition();
            row.offset = record.offset();
            row.timestamp_ms = record.timestamp_ms() == SLUICE_NO_TIMESTAMP ? -1 : record.timestamp_ms();
            if (auto k = record.key()) row.key.emplace(*k);
            if (auto v = record.value()) row.value.emplace(*v);
            if (auto problem = row_problem(row, settings_.format)) {
                context_.report_errant(*record.raw(), *problem);  // throws when the policy does not tolerate it
            } else {
                pending_.add(1, row.bytes());
                buffer_.push_back(std::move(row));
            }
            taken_[key] = record.offset();
        }
        if (pending_.due()) write_buffer();
    }

    // Everything taken is in Snowflake (or with the error policy) before Kafka commits.
    void flush(std::span<TopicPartition>) override { write_buffer(); }

    void close(std::span<const TopicPartition> partitions) override {
        for (const auto& p : partitions) {
            const Key key{std::string(p.topic), p.partition};
            taken_.erase(key);
            // Rows left by a failed final flush: the partition's next owner reads them again.
            std::erase_if(buffer_, [&](const Row& r) { return r.partition == key.second && r.topic == key.first; });
        }
        recount();
    }

private:
    using Key = std::pair<std::string, std::int32_t>;

    void write_buffer() {
        if (buffer_.empty()) return;
        const int retries_before = runner_.stats().retries;
        try {
            writer_.write(buffer_);
        } catch (...) {
            recount();
            pending_.restart_age();
            throw;
        }
        recount();
        if (runner_.stats().retries > retries_before)
            context_.warn("writing needed " + std::to_string(runner_.stats().retries - retries_before) +
                          " resubmissions (throttling, unavailability or timeouts); all rows are in");
    }

    // What the trigger counts: the rows still buffered (after a write, a failed one, a revoke).
    void recount() {
        std::size_t bytes = 0;
        for (const Row& r : buffer_) bytes += r.bytes();
        pending_.set(buffer_.size(), bytes);
    }

    void ensure_table() {
        if (!settings_.create_table || table_ready_) return;
        run_with_patience(create_statement(settings_.table), {});
        table_ready_ = true;
        context_.info("table " + settings_.table.qualified() + " exists (create_table)");
    }

    // partition -> max(_OFFSET) of one topic; nullopt when stopping.
    std::optional<std::map<std::int32_t, std::int64_t>> stored_maxima(const std::string& topic) {
        auto result = run_with_patience(resume_statement(settings_.table), resume_bindings(topic));
        if (!result) return std::nullopt;
        std::map<std::int32_t, std::int64_t> out;
        for (const auto& row : result->rows) {
            if (row.size() != 2 || !row[0] || !row[1]) continue;
            auto p = json::to_int(*row[0]);
            auto o = json::to_int(*row[1]);
            if (!p || !o) throw FatalError("unexpected answer to the resume query: partition '" + *row[0] + "', offset '" + *row[1] + "'");
            out[static_cast<std::int32_t>(*p)] = *o;
        }
        return out;
    }

    // open() cannot ask the worker to retry, so it waits out unavailability here (until the
    // task stops). A statement Snowflake refuses fails the task with its message.
    std::optional<ApiResponse> run_with_patience(std::string statement, std::vector<Binding> bindings) {
        const StatementRequest request = settings_.request(std::move(statement), std::move(bindings));
        const http::RetryPolicy patience({.backoff = settings_.runner.backoff_initial,
                                          .backoff_max = settings_.runner.backoff_max});
        for (int failures = 1;; ++failures) {
            try {
                return runner_.run(request);
            } catch (const SqlError& e) {
                throw FatalError("Snowflake refused `" + request.statement.substr(0, 120) + "` on " +
                                 settings_.table.qualified() + ": " + e.snowflake_message() + " (SQLSTATE " +
                                 e.sql_state() + ", code " + e.code() + ")");
            } catch (const RetriableError& e) {
                context_.warn(std::string("Snowflake unavailable, retrying: ") + e.what());
                if (!nap(context_, patience.delay(failures))) return std::nullopt;
            }
        }
    }

    Settings settings_;
    const TaskContext& context_;
    http::Client client_;
    TokenSource tokens_;
    StatementRunner runner_;
    BatchWriter writer_;
    std::deque<Row> buffer_;
    batch::Trigger pending_{{.max_rows = settings_.batch_max_rows, .max_bytes = settings_.batch_max_bytes,
                             .max_age = settings_.batch_max_age}};
    std::map<Key, std::int64_t> taken_;  // highest offset taken per partition (buffered, written or errant)
    bool table_ready_ = false;
};

}  // namespace
}  // namespace sluice::snowflake

SLUICE_SINK(sluice::snowflake::SnowflakeSink, "snowflake", "1.0.0",
            "Writes records into a Snowflake table through the SQL API v2 (key-pair JWT), exactly once")
