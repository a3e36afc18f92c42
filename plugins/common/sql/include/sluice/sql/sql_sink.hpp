// The sink both SQL plugins are: records buffered per task, written in one transaction per
// batch (every table and partition of the batch together), exactly once by storing each
// partition's next Kafka offset in the same transaction (the offsets table), reading it back
// in open() and skipping, under a row lock, what a previous life already wrote.
//
// A batch goes to the database's bulk path (COPY / multi-row INSERT) in one go. When the
// database refuses data, the batch is rolled back and written again "carefully": each run
// under a savepoint, split (at the row the server names, else in halves) until every bad
// record is alone; those go to the connector's error policy (report_errant) just before
// COMMIT, the rest is written. Connection trouble, deadlocks and serialization failures
// are retried (RetriableError: the worker backs off); authentication, privileges and
// missing objects stop the task with the database's message.
#pragma once

#include "sluice/sql/database.hpp"
#include "sluice/sql/record_mapper.hpp"
#include "sluice/sql/sink_buffer.hpp"
#include "sluice/sql/sink_settings.hpp"

#include <sluice/sdk.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace sluice::sql {

class SqlSink : public Sink {
public:
    SqlSink(const Config& config, TaskContext& context, Dialect dialect, DatabaseFactory factory);
    ~SqlSink() override;

    // The pre-flight check (`sluice check`): the server answers, the credentials work, the
    // table (when table.name.format names one) and the offsets table exist or may be
    // created, with the columns and privileges the configuration needs.
    static void check(const Config& config, Dialect dialect, DatabaseFactory factory);

    void put(const SinkRecords& records) override;
    void flush(std::span<TopicPartition> positions) override;
    void open(std::span<TopicPartition> partitions) override;
    void close(std::span<const TopicPartition> partitions) override;

private:
    struct TableState {
        TableInfo info;
        std::vector<std::string> key;  // conflict target / delete key
        // MariaDB's column names ignore case; PostgreSQL's (quoted) do not.
        void set(TableInfo table, bool fold_case);
        std::optional<std::size_t> position(std::string_view column) const;
        bool has(std::string_view column) const { return position(column).has_value(); }
        // The position of the k-th field of a record: records of a topic mostly list the same
        // fields in the same order, so the answer for the previous record usually holds.
        std::optional<std::size_t> position_at(std::size_t k, std::string_view column) const;

    private:
        struct Hash {
            using is_transparent = void;
            std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
        };
        std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>> index_;  // column -> position in info.columns
        bool fold_case_ = false;
        mutable std::vector<std::pair<std::string, std::optional<std::size_t>>> layout_;  // k-th field -> position
    };
    enum class Fate : std::uint8_t { pending, skipped, rejected, done };
    struct Item {
        MappedRecord mapped;
        std::size_t group = 0;
        Fate fate = Fate::pending;
    };
    struct Group {
        TableName name;
        std::vector<std::size_t> items;  // buffer indexes, in order
        TableState* table = nullptr;
    };
    struct Rejection {
        std::size_t item;
        std::string reason;
    };
    struct Attempt {
        std::vector<Item> items;
        std::vector<Group> groups;
        std::vector<Rejection> rejections;
        bool careful = false;
        std::size_t rows_sent = 0;
    };
    class NeedsIsolation {};
    class NeedsTaskThread {};
    // A batch's records parsed and mapped ahead, by the task thread while the previous batch
    // is being written: the write starts with its rows.
    struct Mapped {
        Attempt attempt;
        RecordMapper* mapper = nullptr;  // holds the attempt's values
    };
    struct Job {
        enum class Result { ok, retriable, fatal, needs_task_thread };
        SinkBuffer buffer;
        RecordMapper* mapper = nullptr;         // the one this job parses into (the other serves the task thread)
        std::optional<Mapped> mapped;           // the buffer mapped ahead, if it was
        std::thread thread;
        std::atomic<bool> done{false};
        Result result = Result::ok;
        std::string message;
        std::vector<std::pair<LogLevel, std::string>> logs;
    };

    // How one table's rows are laid out in a batch.
    struct GroupLayout {
        std::vector<const Column*> columns;   // written: those the batch's records give, in table order
        std::vector<std::size_t> position;    // table column -> position in `columns` (SIZE_MAX: not written)
        std::vector<std::size_t> key;         // positions of the key columns in `columns`
        std::vector<const Column*> key_columns;
        std::vector<std::size_t> every_key;   // 0..n-1: a delete's cells are its key
        std::vector<int> slot;                // scratch: table column -> the record's value
    };
    class StreamedRun;

    bool due() const;
    GroupLayout plan_columns(Attempt& a, const Group& g);
    bool convert_row(Attempt& a, const Group& g, GroupLayout& l, std::size_t i, RowSet& set);
    void start_job();
    void finish_job();
    void write_now();
    void write(SinkBuffer& batch, bool background);
    void note(LogLevel level, std::string message);
    void run_attempt(bool careful);
    void map_records(Attempt& a, const SinkBuffer& batch, RecordMapper& mapper);
    void map_ahead();
    void resolve_table(Attempt& a, Group& g);
    void create_table(Attempt& a, Group& g);
    void evolve_table(Attempt& a, Group& g);
    void write_group(Attempt& a, Group& g);
    void send_run(Attempt& a, Group& g, Operation op, const std::vector<const Column*>& columns,
                  const std::vector<std::size_t>& key, const RowSet& set, const std::vector<std::uint32_t>& row_items,
                  std::span<const std::uint32_t> rows);
    void isolate(Attempt& a, Group& g, Operation op, const std::vector<const Column*>& columns,
                 const std::vector<std::size_t>& key, const RowSet& set, const std::vector<std::uint32_t>& row_items,
                 std::span<const std::uint32_t> rows);
    void reject(Attempt& a, std::size_t item, std::string reason);
    void report_rejections(Attempt& a);
    std::map<PartitionKey, std::int64_t> skip_written(Attempt& a);
    void ensure_connected();
    void ensure_offset_rows(const std::vector<PartitionKey>& partitions);
    bool create_or_accept(const std::function<void()>& ddl, const std::function<bool()>& done, const std::string& doing);
    [[noreturn]] void raise(const DbError& e, const std::string& doing);

    SinkSettings settings_;
    Dialect dialect_;
    TaskContext& context_;
    std::unique_ptr<Database> db_;
    const std::string connector_;
    SinkBuffer buffer_;                 // records taken by put, not yet handed to a write
    SinkBuffer spare_;                  // an empty buffer with memory, for the next swap
    std::unique_ptr<Job> job_;          // the background write, if any
    bool sync_ = false;                 // a write failed: the next ones run on the task thread
    // The write in progress (set by write(), on whichever thread runs it).
    SinkBuffer* batch_ = nullptr;
    bool background_ = false;
    std::vector<std::pair<LogLevel, std::string>>* collect_ = nullptr;  // log lines of a job
    // Two mappers: the task thread maps the next batch into one while a job writes the rows
    // of the other. mapper_ is the one of the write in progress.
    RecordMapper mapper_a_, mapper_b_;
    RecordMapper* mapper_ = &mapper_a_;
    std::optional<Mapped> mapped_;      // buffer_ mapped ahead (dropped when buffer_ changes)
    std::optional<Mapped>* take_mapped_ = nullptr;  // for the write in progress: its batch mapped ahead
    std::map<TableName, TableState> tables_;
    std::set<PartitionKey> offset_rows_;  // partitions whose row in the offsets table exists
    bool offsets_table_ready_ = false;
    bool announced_ = false;
    RowSet rows_, keys_;  // the converted rows of one table (kept: their memory serves every batch)
    std::vector<sluice_header> errant_headers_;
    std::vector<const sluice_header*> errant_header_pointers_;
    std::size_t rows_written_ = 0, batches_ = 0, rows_rejected_ = 0, rows_skipped_ = 0, isolations_ = 0;
};

}  // namespace sluice::sql
