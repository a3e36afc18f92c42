#include "sluice/sql/sql_sink.hpp"

#include "sluice/sql/offsets_table.hpp"
#include "sluice/sql/timestamps.hpp"

#include <sluice/batch_trigger.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <unordered_map>

namespace sluice::sql {

namespace {

std::string join(const std::vector<std::string>& items, const char* separator = ", ") {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : separator) + i;
    return out;
}

std::vector<PartitionKey> keys_of(const std::map<PartitionKey, std::int64_t>& m) {
    std::vector<PartitionKey> out;
    for (const auto& [k, v] : m) out.push_back(k);
    return out;
}

// CPU time of the calling thread: with the phases' wall times, it tells waiting from working.
std::int64_t thread_cpu_us() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<std::int64_t>(t.tv_sec) * 1000000 + t.tv_nsec / 1000;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

void SqlSink::TableState::set(TableInfo table, bool fold_case) {
    info = std::move(table);
    fold_case_ = fold_case;
    index_.clear();
    layout_.clear();
    for (std::size_t i = 0; i < info.columns.size(); ++i)
        index_.emplace(fold_case_ ? lower(info.columns[i].name) : info.columns[i].name, i);
}

std::optional<std::size_t> SqlSink::TableState::position_at(std::size_t k, std::string_view column) const {
    if (k < layout_.size() && layout_[k].first == column) return layout_[k].second;
    if (k >= layout_.size()) layout_.resize(k + 1);
    layout_[k] = {std::string(column), position(column)};
    return layout_[k].second;
}

// No allocation unless names fold case and differ.
std::optional<std::size_t> SqlSink::TableState::position(std::string_view column) const {
    auto it = index_.find(column);
    if (it == index_.end() && fold_case_) it = index_.find(lower(column));
    if (it == index_.end()) return std::nullopt;
    return it->second;
}

SqlSink::SqlSink(const Config& config, TaskContext& context, Dialect dialect, DatabaseFactory factory)
    : settings_(SinkSettings::from(config, dialect)),
      dialect_(dialect),
      context_(context),
      db_(factory(settings_.connection)),
      connector_(context.connector()),
      mapper_a_(settings_),
      mapper_b_(settings_) {}

SqlSink::~SqlSink() {
    if (job_) {
        job_->thread.join();  // what it did not commit was not committed to Kafka either: read again later
        for (auto& [level, line] : job_->logs) context_.log(level, line);
    }
    context_.info(std::to_string(rows_written_) + " rows written in " + std::to_string(batches_) + " transactions; " +
                  std::to_string(rows_rejected_) + " records rejected, " + std::to_string(rows_skipped_) +
                  " skipped as already written");
    db_->disconnect();
}

// ---- the worker's calls ------------------------------------------------------------------

bool SqlSink::due() const {
    // The buffer keeps its own count and oldest time (it is swapped with the one in flight).
    const batch::Limits limits{.max_rows = settings_.batch_max_rows, .max_bytes = settings_.batch_max_bytes, .max_age = settings_.batch_max_age};
    return batch::reached(limits, buffer_.size(), buffer_.bytes(), buffer_.oldest(), batch::Clock::now()) != batch::Reason::none;
}

void SqlSink::put(const SinkRecords& records) {
    if (job_ && job_->done.load()) finish_job();
    // After a failed write, what is due is written (on this thread) before anything is
    // taken: a RetriableError now means "offer the same records again later", and none of
    // them is buffered yet.
    if (sync_ && due()) write_now();
    if (!records.empty()) mapped_.reset();
    for (SinkRecord record : records) buffer_.add(*record.raw());
    if (!due()) return;
    map_ahead();
    finish_job();  // one batch in flight at a time: memory stays bounded, order is kept
    if (!sync_) {
        start_job();
        return;
    }
    try {
        write_now();
    } catch (const RetriableError& e) {
        // These records are taken; the next put tries again before taking more, and flush
        // keeps their offsets uncommitted meanwhile.
        context_.warn(std::string("write deferred: ") + e.what());
    }
}

void SqlSink::flush(std::span<TopicPartition> positions) {
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

void SqlSink::open(std::span<TopicPartition> partitions) {
    finish_job();
    if (!settings_.exactly_once || partitions.empty()) return;
    std::vector<PartitionKey> keys;
    for (const auto& tp : partitions) keys.emplace_back(std::string(tp.topic), tp.partition);
    std::map<PartitionKey, std::optional<std::int64_t>> stored;
    try {
        ensure_connected();
        ensure_offset_rows(keys);
        stored = offsets::read(*db_, settings_.offsets_table, connector_, keys, false);
    } catch (const RetriableError& e) {
        // Not fatal: the partitions start at their committed offsets, and every batch skips,
        // under the offsets row lock, the records its table already holds.
        context_.warn(std::string("cannot read the stored offsets of the assigned partitions yet (") + e.what() +
                      "); resuming from the committed offsets, records already written will be skipped");
        return;
    } catch (const DbError& e) {
        raise(e, "reading the stored offsets");
    }
    for (auto& tp : partitions) {
        auto it = stored.find({std::string(tp.topic), tp.partition});
        if (it != stored.end() && it->second) tp.offset = *it->second;
    }
}

void SqlSink::close(std::span<const TopicPartition> partitions) {
    // After the final flush of these partitions: whatever is still buffered was not
    // committed and is read again by their next owner.
    finish_job();
    std::set<PartitionKey> revoked;
    for (const auto& tp : partitions) revoked.emplace(std::string(tp.topic), tp.partition);
    buffer_.drop(revoked);
}

// ---- the background write ------------------------------------------------------------------
//
// A due batch is written by a thread of its own while the task goes on consuming (and
// converting nothing: the task thread only copies records), so that Kafka, the sink and the
// database work at the same time. One job at a time; the task thread touches the database
// only when no job runs. The job neither calls the host (it has no report_errant and logs
// through `collect_`): a batch with a record to refuse goes back to the task thread, which
// writes it again there, where the error policy can be asked before COMMIT.

void SqlSink::start_job() {
    job_ = std::make_unique<Job>();
    job_->buffer = std::move(buffer_);
    job_->mapped = std::move(mapped_);
    mapped_.reset();
    job_->mapper = job_->mapped ? job_->mapped->mapper : mapper_;
    buffer_ = std::move(spare_);  // the previous job's buffer: its memory serves again
    spare_ = SinkBuffer();
    Job* job = job_.get();
    job->thread = std::thread([this, job] {
        collect_ = &job->logs;
        mapper_ = job->mapper;
        take_mapped_ = &job->mapped;
        try {
            write(job->buffer, true);
            job->result = Job::Result::ok;
        } catch (const NeedsTaskThread&) {
            job->result = Job::Result::needs_task_thread;
        } catch (const RetriableError& e) {
            job->result = Job::Result::retriable;
            job->message = e.what();
        } catch (const std::exception& e) {
            job->result = Job::Result::fatal;
            job->message = e.what();
        }
        collect_ = nullptr;
        job->done.store(true);
    });
}

// Waits for the job, if any, and applies its outcome: records not written go back in front
// of the buffer (they are older), to be written on the task thread.
void SqlSink::finish_job() {
    if (!job_) return;
    job_->thread.join();
    std::unique_ptr<Job> job = std::move(job_);
    for (auto& [level, line] : job->logs) context_.log(level, line);
    switch (job->result) {
    case Job::Result::ok: spare_ = std::move(job->buffer); return;
    case Job::Result::fatal: throw FatalError(job->message);
    case Job::Result::retriable:
        context_.warn("background write failed, retrying on the task thread: " + job->message);
        break;
    case Job::Result::needs_task_thread: break;
    }
    job->buffer.append(std::move(buffer_));
    buffer_ = std::move(job->buffer);
    mapped_.reset();
    sync_ = true;
}

void SqlSink::write_now() {
    take_mapped_ = &mapped_;
    write(buffer_, false);
    sync_ = false;
}

void SqlSink::note(LogLevel level, std::string message) {
    if (collect_ != nullptr) collect_->emplace_back(level, std::move(message));
    else context_.log(level, message);
}

// ---- connection and errors ---------------------------------------------------------------

[[noreturn]] void SqlSink::raise(const DbError& e, const std::string& doing) {
    const std::string message = std::string(dialect_name(dialect_)) + " " + settings_.connection.where() + ": " + doing +
                                ": " + e.what();
    if (e.error_class() == ErrorClass::retriable) throw RetriableError(message);
    throw FatalError(message);
}

void SqlSink::ensure_connected() {
    if (!db_->connected()) {
        try {
            db_->connect();
        } catch (const DbError& e) {
            raise(e, "connecting as '" + settings_.connection.user + "'");
        }
    }
    if (settings_.exactly_once && !offsets_table_ready_) {
        create_or_accept([&] { db_->ensure_offsets_table(settings_.offsets_table); },
                         [&] { return db_->describe(settings_.offsets_table).has_value(); },
                         "preparing the offsets table " + settings_.offsets_table.display());
        offsets_table_ready_ = true;
    }
    if (!announced_) {
        announced_ = true;
        std::string version;
        try {
            version = db_->server_version();
        } catch (const DbError&) {
        }
        note(LogLevel::info, std::string(dialect_name(dialect_)) + " " + version + " at " + settings_.connection.where() +
                      ", tables " + settings_.table_format + ", " +
                      (settings_.insert_mode == InsertMode::upsert ? "upsert" : "insert") + "; " +
                      (settings_.exactly_once ? "exactly-once by " + settings_.offsets_table.display()
                                              : std::string("at-least-once (consumer-group commits)")));
    }
}

// Runs a DDL statement that other tasks of the connector may run at the same moment (they
// start together). "IF NOT EXISTS" is not enough: PostgreSQL can still fail one of two
// concurrent CREATE TABLEs (a unique violation in its catalog). When `done` then says the
// object exists after all, that is success. True when this call made it.
bool SqlSink::create_or_accept(const std::function<void()>& ddl, const std::function<bool()>& done, const std::string& doing) {
    try {
        ddl();
        return true;
    } catch (const DbError& e) {
        bool exists = false;
        try {
            exists = e.error_class() != ErrorClass::retriable && done();
        } catch (const DbError&) {
        }
        if (!exists) raise(e, doing);
        return false;
    }
}

// Outside any transaction (MariaDB commits implicitly around DDL; a row inserted here is
// never rolled back with a failed batch): each partition gets its row in the offsets
// table before its first batch, so that the batch can lock it.
void SqlSink::ensure_offset_rows(const std::vector<PartitionKey>& partitions) {
    std::vector<PartitionKey> missing;
    for (const auto& p : partitions)
        if (!offset_rows_.count(p)) missing.push_back(p);
    if (missing.empty()) return;
    try {
        offsets::ensure_rows(*db_, settings_.offsets_table, connector_, missing);
    } catch (const DbError& e) {
        raise(e, "adding partitions to the offsets table " + settings_.offsets_table.display());
    }
    offset_rows_.insert(missing.begin(), missing.end());
}

// ---- one batch -----------------------------------------------------------------------------

// Writes (and empties) `batch`. `background`: on a job's thread, where refused records
// cannot be reported (NeedsTaskThread).
void SqlSink::write(SinkBuffer& batch, bool background) {
    if (batch.empty()) return;
    batch_ = &batch;
    background_ = background;
    ensure_connected();
    try {
        run_attempt(false);
    } catch (const NeedsIsolation&) {
        if (background) throw NeedsTaskThread{};
        ++isolations_;
        note(LogLevel::info, "the database refused data of a batch of " + std::to_string(batch_->size()) +
                      " records; writing it again record by record where needed, to isolate the refused ones");
        run_attempt(true);
    }
    batch_->clear();
}

// One transaction for every buffered record. Throws NeedsIsolation (not careful: the
// database refused data, nothing was committed), RetriableError or FatalError.
void SqlSink::run_attempt(bool careful) {
    const auto started = std::chrono::steady_clock::now();
    const std::int64_t cpu_started = thread_cpu_us();
    Attempt a;
    // The batch mapped ahead serves the first attempt only (a careful one maps again).
    std::optional<Mapped> ahead;
    if (take_mapped_ != nullptr) ahead = std::exchange(*take_mapped_, std::nullopt);
    take_mapped_ = nullptr;
    if (ahead && !careful) {
        a = std::move(ahead->attempt);
        mapper_ = ahead->mapper;
    } else {
        a.careful = careful;
        map_records(a, *batch_, *mapper_);
    }
    const auto mapped = std::chrono::steady_clock::now();
    for (auto& g : a.groups) resolve_table(a, g);
    std::map<PartitionKey, std::int64_t> last = batch_->last_offsets();
    if (settings_.exactly_once) ensure_offset_rows(keys_of(last));

    bool open_transaction = false;
    std::chrono::steady_clock::time_point locked, written, committing;
    try {
        db_->begin();
        open_transaction = true;
        std::map<PartitionKey, std::int64_t> next;
        if (settings_.exactly_once) next = skip_written(a);
        locked = std::chrono::steady_clock::now();
        for (auto& g : a.groups) write_group(a, g);
        written = std::chrono::steady_clock::now();
        report_rejections(a);  // throws FatalError when the policy does not tolerate one
        committing = std::chrono::steady_clock::now();
        if (settings_.exactly_once && !next.empty())
            db_->commit_after(offsets::write_statement(*db_, settings_.offsets_table, connector_, next));
        else
            db_->commit();
        open_transaction = false;
    } catch (const DbError& e) {
        if (open_transaction) db_->rollback();
        if (e.error_class() == ErrorClass::record && !careful) throw NeedsIsolation{};
        if (e.error_class() == ErrorClass::record)
            throw FatalError(std::string(dialect_name(dialect_)) + " refused a statement no single record is to blame for: " +
                             e.what());
        raise(e, "writing a batch of " + std::to_string(batch_->size()) + " records");
    } catch (...) {
        if (open_transaction) db_->rollback();
        throw;
    }
    ++batches_;
    rows_written_ += a.rows_sent;
    for (const auto& item : a.items)
        if (item.fate == Fate::skipped) ++rows_skipped_;
    rows_rejected_ += a.rejections.size();
    // The commit's wall-clock time is in the line: a background write's lines are logged
    // when the task thread collects the job, a little later.
    auto ms = [](auto d) { return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()); };
    const auto now = std::chrono::steady_clock::now();
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    note(LogLevel::debug, "transaction: " + std::to_string(a.rows_sent) + " rows of " + std::to_string(batch_->size()) +
                              " records into " + std::to_string(a.groups.size()) + " table(s) in " +
                              std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 std::chrono::steady_clock::now() - started).count()) +
                              " ms (parsing " + ms(mapped - started) + ", locking " + ms(locked - mapped) + ", rows " +
                              ms(written - locked) + ", offsets and commit " + ms(now - committing) + "; this thread's CPU " +
                              std::to_string((thread_cpu_us() - cpu_started) / 1000) + " ms), committed at " + format_iso_utc_ms(now_ms) + "; " + std::to_string(rows_written_) +
                              " rows written in all");
}

// While a job writes its batch, the task thread maps the next one into the other mapper,
// so that the job after it starts with its rows (parsing is a quarter of a batch's time).
void SqlSink::map_ahead() {
    if (!job_ || job_->done.load() || sync_ || mapped_ || buffer_.empty()) return;
    Mapped m;
    m.mapper = job_->mapper == &mapper_a_ ? &mapper_b_ : &mapper_a_;
    map_records(m.attempt, buffer_, *m.mapper);
    mapped_ = std::move(m);
}

void SqlSink::map_records(Attempt& a, const SinkBuffer& batch, RecordMapper& mapper) {
    mapper.clear();
    a.items.assign(batch.size(), Item{});
    std::map<TableName, std::size_t> group_of;
    const std::string* last_topic = nullptr;  // records come in runs of one topic: its table once per run
    std::size_t last_group = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        Item& item = a.items[i];
        if (batch.reported(i)) {  // refused by an earlier attempt and already handed over
            item.fate = Fate::done;
            continue;
        }
        if (last_topic == nullptr || *last_topic != batch.topic(i)) {
            TableName table = settings_.table_for(batch.topic(i));
            auto [it, inserted] = group_of.try_emplace(table, a.groups.size());
            if (inserted) a.groups.push_back(Group{table, {}, nullptr});
            last_topic = &batch.topic(i);
            last_group = it->second;
        }
        item.group = last_group;
        try {
            item.mapped = mapper.map(batch.key(i), batch.value(i));
        } catch (const MappingError& e) {
            reject(a, i, e.what());
            continue;
        }
        a.groups[item.group].items.push_back(i);
    }
}

void SqlSink::reject(Attempt& a, std::size_t item, std::string reason) {
    a.items[item].fate = Fate::rejected;
    a.rejections.push_back({item, std::move(reason)});
}

void SqlSink::report_rejections(Attempt& a) {
    if (background_ && !a.rejections.empty()) throw NeedsTaskThread{};  // rolled back; the task thread writes it
    for (const auto& r : a.rejections) {
        const std::size_t i = r.item;
        const std::string table = settings_.table_for(batch_->topic(i)).display();
        const std::string message = "record " + batch_->where(i) + " not written to " + table + ": " + r.reason;
        const sluice_record record = batch_->record(i, errant_headers_, errant_header_pointers_);
        context_.report_errant(record, message);  // FatalError unless tolerated
        batch_->mark_reported(i);
    }
}

// Under the lock of the partitions' rows in the offsets table: the records below a
// partition's stored next offset are in the table already (written by an earlier life of
// this task, or by another that owned the partition meanwhile). Returns the next offsets
// to store.
std::map<PartitionKey, std::int64_t> SqlSink::skip_written(Attempt& a) {
    std::map<PartitionKey, std::int64_t> next = batch_->last_offsets();
    for (auto& [k, v] : next) v += 1;
    const auto stored = offsets::read(*db_, settings_.offsets_table, connector_, keys_of(next), true);
    std::size_t skipped = 0;
    const std::string* topic = nullptr;  // records come in runs of one partition: look it up once per run
    std::int32_t partition = 0;
    std::optional<std::int64_t> below;
    for (std::size_t i = 0; i < batch_->size(); ++i) {
        if (topic == nullptr || *topic != batch_->topic(i) || partition != batch_->partition(i)) {
            topic = &batch_->topic(i);
            partition = batch_->partition(i);
            auto it = stored.find({*topic, partition});
            below = it == stored.end() ? std::nullopt : it->second;
        }
        if (!below || batch_->offset(i) >= *below) continue;
        if (a.items[i].fate == Fate::pending || a.items[i].fate == Fate::rejected) ++skipped;
        a.items[i].fate = Fate::skipped;
    }
    // A rejected record already below the stored offset was handled by that earlier life.
    a.rejections.erase(std::remove_if(a.rejections.begin(), a.rejections.end(),
                                      [&](const Rejection& r) { return a.items[r.item].fate == Fate::skipped; }),
                       a.rejections.end());
    for (auto& [k, v] : next) {
        auto it = stored.find(k);
        if (it != stored.end() && it->second && *it->second > v) v = *it->second;  // never move a partition back
    }
    if (skipped > 0)
        note(LogLevel::info, std::to_string(skipped) + " records of the batch are already in the database (stored offsets of " +
                      settings_.offsets_table.display() + "); skipped");
    return next;
}

// ---- tables --------------------------------------------------------------------------------

void SqlSink::resolve_table(Attempt& a, Group& g) {
    auto it = tables_.find(g.name);
    if (it == tables_.end()) {
        std::optional<TableInfo> info;
        try {
            info = db_->describe(g.name);
        } catch (const DbError& e) {
            raise(e, "reading the columns of " + g.name.display());
        }
        if (!info) {
            if (!settings_.auto_create)
                throw FatalError("table " + g.name.display() + " does not exist in " + settings_.connection.where() +
                                 " (create it, or set auto.create: true)");
            create_table(a, g);
            try {
                info = db_->describe(g.name);
            } catch (const DbError& e) {
                raise(e, "reading the columns of " + g.name.display());
            }
            if (!info) throw FatalError("table " + g.name.display() + " was created but cannot be found");
        }
        if (settings_.exactly_once && !info->transactional)
            throw FatalError("table " + g.name.display() + " uses the " + info->engine +
                             " engine, which has no transactions: exactly.once needs InnoDB (or set exactly.once: false)");
        it = tables_.emplace(g.name, TableState{}).first;
        it->second.set(std::move(*info), dialect_ == Dialect::mysql);
    }
    g.table = &it->second;
    evolve_table(a, g);
    TableState& t = *g.table;
    t.key = mapper_->configured_key_columns();
    if (t.key.empty()) t.key = t.info.primary_key;
    const bool needs_key = settings_.insert_mode == InsertMode::upsert || settings_.delete_enabled;
    if (needs_key && t.key.empty())
        throw FatalError("table " + g.name.display() + " has no primary key and pk.fields is empty: " +
                         (settings_.insert_mode == InsertMode::upsert ? "upsert" : "delete") + " needs one");
    for (const auto& k : t.key)
        if (!t.has(k))
            throw FatalError("table " + g.name.display() + " has no column " + k + " (a primary key column, from pk.fields)");
    if (settings_.insert_mode == InsertMode::upsert && !t.info.has_unique_key(t.key))
        throw FatalError("insert.mode upsert: table " + g.name.display() + " has no primary key or unique index on (" +
                         join(t.key) + ")");
}

void SqlSink::create_table(Attempt& a, Group& g) {
    std::vector<std::string> order;
    std::map<std::string, Inferred, std::less<>> types;
    std::vector<std::string> key;
    for (std::size_t i : g.items) {
        if (a.items[i].fate != Fate::pending) continue;
        for (const ColumnValue& v : mapper_->values(a.items[i].mapped)) {
            auto [it, inserted] = types.try_emplace(std::string(v.column), Inferred::none);
            if (inserted) order.emplace_back(v.column);
            it->second = unify(it->second, infer_type(v.value));
            if (v.key && std::find(key.begin(), key.end(), v.column) == key.end()) key.emplace_back(v.column);
        }
    }
    if (!mapper_->configured_key_columns().empty()) key = mapper_->configured_key_columns();
    if (order.empty()) return;  // nothing usable in this batch: created by a later one
    std::vector<NewColumn> columns;
    std::string described;
    for (const auto& name : order) {
        const bool is_key = std::find(key.begin(), key.end(), name) != key.end();
        Inferred t = types[name];
        if (t == Inferred::none) t = Inferred::text;  // only nulls so far
        columns.push_back({name, db_->type_for(t, is_key), is_key});
        described += (described.empty() ? "" : ", ") + name + " " + columns.back().type;
    }
    if (!create_or_accept([&] { db_->create_table(g.name, columns, key); },
                          [&] { return db_->describe(g.name).has_value(); }, "creating table " + g.name.display()))
        return;  // another task created it meanwhile
    note(LogLevel::info, "created table " + g.name.display() + " (" + described + ")" +
                  (key.empty() ? std::string() : ", primary key (" + join(key) + ")"));
}

// Fields the table has no column for: another writer may have added it (read the table
// again); else auto.evolve adds a nullable column, or the record is errant. A field that is
// null everywhere is the same as a missing one and changes nothing.
void SqlSink::evolve_table(Attempt& a, Group& g) {
    auto unknown = [&] {
        std::vector<std::string> order;
        std::map<std::string, Inferred, std::less<>> types;
        for (std::size_t i : g.items) {
            if (a.items[i].fate != Fate::pending) continue;
            const auto values = mapper_->values(a.items[i].mapped);
            for (std::size_t k = 0; k < values.size(); ++k) {
                const ColumnValue& v = values[k];
                if (v.value.kind == JsonKind::null || g.table->position_at(k, v.column)) continue;
                auto [it, inserted] = types.try_emplace(std::string(v.column), Inferred::none);
                if (inserted) order.emplace_back(v.column);
                it->second = unify(it->second, infer_type(v.value));
            }
        }
        std::vector<std::pair<std::string, Inferred>> out;
        for (auto& name : order) out.emplace_back(name, types[name]);
        return out;
    };
    auto missing = unknown();
    if (missing.empty()) return;
    try {
        if (auto info = db_->describe(g.name)) g.table->set(std::move(*info), dialect_ == Dialect::mysql);
    } catch (const DbError& e) {
        raise(e, "reading the columns of " + g.name.display());
    }
    missing = unknown();
    if (missing.empty()) return;
    if (!settings_.auto_evolve) {
        for (std::size_t i : g.items) {
            if (a.items[i].fate != Fate::pending) continue;
            for (const ColumnValue& v : mapper_->values(a.items[i].mapped))
                if (!g.table->has(v.column) && v.value.kind != JsonKind::null) {
                    reject(a, i, "field '" + std::string(v.column) + "' has no column in table " + g.name.display() +
                                     " (add the column, or set auto.evolve: true)");
                    break;
                }
        }
        return;
    }
    std::vector<NewColumn> columns;
    std::string described;
    for (const auto& [name, type] : missing) {
        columns.push_back({name, db_->type_for(type, false), false});
        described += (described.empty() ? "" : ", ") + name + " " + columns.back().type;
    }
    const bool added = create_or_accept(
        [&] { db_->add_columns(g.name, columns); },
        [&] {
            auto info = db_->describe(g.name);
            if (!info) return false;
            for (const auto& c : columns)
                if (!info->find(c.name)) return false;
            return true;
        },
        "adding columns to " + g.name.display());
    try {
        if (auto info = db_->describe(g.name)) g.table->set(std::move(*info), dialect_ == Dialect::mysql);
    } catch (const DbError& e) {
        raise(e, "reading the columns of " + g.name.display());
    }
    if (!added) return;  // another task added them meanwhile
    note(LogLevel::info, "added columns to table " + g.name.display() + ": " + described);
}

// ---- rows ----------------------------------------------------------------------------------

// Converts the group's records and sends them in runs: consecutive writes, consecutive
// deletes, in record order. Upsert runs keep the last record of each key (a statement
// cannot touch a row twice, and the last record is the row's state).
SqlSink::GroupLayout SqlSink::plan_columns(Attempt& a, const Group& g) {
    const TableState& t = *g.table;
    GroupLayout l;
    // Columns: those any record of the batch gives, in table order (the others keep their
    // defaults).
    std::vector<char> used(t.info.columns.size(), 0);
    for (std::size_t i : g.items) {
        if (a.items[i].fate != Fate::pending || a.items[i].mapped.op != Operation::write) continue;
        const auto values = mapper_->values(a.items[i].mapped);
        for (std::size_t k = 0; k < values.size(); ++k)
            if (auto at = t.position_at(k, values[k].column)) used[*at] = 1;
    }
    l.position.assign(t.info.columns.size(), SIZE_MAX);
    for (std::size_t c = 0; c < t.info.columns.size(); ++c)
        if (used[c] && t.info.columns[c].writable) {
            l.position[c] = l.columns.size();
            l.columns.push_back(&t.info.columns[c]);
        }
    for (const auto& k : t.key) {
        const std::size_t c = *t.position(k);
        l.key_columns.push_back(&t.info.columns[c]);
        if (l.position[c] != SIZE_MAX) l.key.push_back(l.position[c]);
    }
    for (std::size_t k = 0; k < l.key_columns.size(); ++k) l.every_key.push_back(k);
    if (settings_.insert_mode == InsertMode::upsert && l.key.size() != t.key.size() && !l.columns.empty())
        throw FatalError("upsert into " + g.name.display() + ": the records carry no value for a key column (" + join(t.key) +
                         ")");
    l.slot.assign(t.info.columns.size(), -1);
    return l;
}

// Appends record `i` to `set` (its columns for a write, its key for a delete). False when a
// value does not fit its column: the record is refused, nothing of it stays in `set`.
bool SqlSink::convert_row(Attempt& a, const Group& g, GroupLayout& l, std::size_t i, RowSet& set) {
    const TableState& t = *g.table;
    const Item& item = a.items[i];
    const auto values = mapper_->values(item.mapped);
    std::fill(l.slot.begin(), l.slot.end(), -1);
    for (std::size_t k = 0; k < values.size(); ++k)
        if (auto at = t.position_at(k, values[k].column)) l.slot[*at] = static_cast<int>(k);  // a repeated field: the last wins
    auto add_cell = [&](std::size_t table_column) {
        const int k = l.slot[table_column];
        const std::size_t start = set.text().size();
        bool present = false;
        if (k >= 0) {
            try {
                present = convert_value(values[k].value, t.info.columns[table_column], set.text());
            } catch (const ConversionError& e) {
                set.drop_partial_row();
                reject(a, i, "field '" + std::string(values[k].column) + "': " + e.what());
                return false;
            }
        }
        set.end_cell(start, present);
        return true;
    };
    if (item.mapped.op == Operation::write) {
        for (std::size_t c = 0; c < t.info.columns.size(); ++c)
            if (l.position[c] != SIZE_MAX && !add_cell(c)) return false;
    } else {
        for (const auto& k : t.key)
            if (!add_cell(*t.position(k))) return false;
    }
    return true;
}

// A run of inserts converted while the database already takes the first rows (COPY, LOAD
// DATA): the database does not wait for the whole batch to be converted.
class SqlSink::StreamedRun : public RowSource {
public:
    StreamedRun(SqlSink& sink, Attempt& a, const Group& g, GroupLayout& l, const std::vector<std::size_t>& items)
        : sink_(sink), a_(a), g_(g), l_(l), items_(items) {}
    bool next(const RowSet*& set, std::span<const std::uint32_t>& rows) override {
        constexpr std::size_t kChunk = 2048;
        RowSet& chunk = sink_.rows_;
        chunk.reset(l_.columns.size());
        rows_.clear();
        while (next_ < items_.size() && rows_.size() < kChunk) {
            const std::size_t i = items_[next_++];
            if (!sink_.convert_row(a_, g_, l_, i, chunk)) continue;
            rows_.push_back(static_cast<std::uint32_t>(chunk.rows() - 1));
            converted_.push_back(i);
        }
        if (rows_.empty()) return false;
        set = &chunk;
        rows = rows_;
        return true;
    }
    const std::vector<std::size_t>& converted() const { return converted_; }

private:
    SqlSink& sink_;
    Attempt& a_;
    const Group& g_;
    GroupLayout& l_;
    const std::vector<std::size_t>& items_;
    std::size_t next_ = 0;
    std::vector<std::uint32_t> rows_;
    std::vector<std::size_t> converted_;
};

// Converts the group's records and sends them in runs: consecutive writes, consecutive
// deletes, in record order. Upsert runs keep the last record of each key (a statement
// cannot touch a row twice, and the last record is the row's state).
void SqlSink::write_group(Attempt& a, Group& g) {
    GroupLayout l = plan_columns(a, g);
    const bool upsert = settings_.insert_mode == InsertMode::upsert;
    struct Run {
        Operation op;
        std::vector<std::size_t> items;
    };
    std::vector<Run> runs;
    for (std::size_t i : g.items) {
        const Item& item = a.items[i];
        if (item.fate != Fate::pending) continue;
        if (runs.empty() || runs.back().op != item.mapped.op) runs.push_back({item.mapped.op, {}});
        runs.back().items.push_back(i);
    }
    for (auto& run : runs) {
        if (run.op == Operation::write && !upsert && !a.careful) {
            StreamedRun source(*this, a, g, l, run.items);
            db_->insert_streamed(g.table->info, l.columns, source);
            for (std::size_t i : source.converted()) a.items[i].fate = Fate::done;
            a.rows_sent += source.converted().size();
            continue;
        }
        RowSet& set = run.op == Operation::write ? rows_ : keys_;
        set.reset(run.op == Operation::write ? l.columns.size() : l.key_columns.size());
        std::vector<std::uint32_t> owner, rows;  // set row -> buffer index; the rows to send
        for (std::size_t i : run.items)
            if (convert_row(a, g, l, i, set)) {
                owner.push_back(static_cast<std::uint32_t>(i));
                rows.push_back(static_cast<std::uint32_t>(set.rows() - 1));
            }
        if (upsert || run.op == Operation::remove) {
            // The last record of each key is the row's state; earlier ones are superseded.
            const std::vector<std::size_t>& key_positions = run.op == Operation::write ? l.key : l.every_key;
            auto identity = [&](std::uint32_t row) {
                std::string id;
                for (std::size_t k : key_positions) {
                    auto cell = set.cell(row, k);
                    id += cell ? std::to_string(cell->size()) + ":" + std::string(*cell) : std::string("N");
                    id.push_back('|');
                }
                return id;
            };
            std::unordered_map<std::string, std::size_t> last;
            for (std::size_t r = 0; r < rows.size(); ++r) last[identity(rows[r])] = r;
            if (last.size() < rows.size()) {
                std::vector<std::uint32_t> kept;
                for (std::size_t r = 0; r < rows.size(); ++r) {
                    if (last[identity(rows[r])] == r) kept.push_back(rows[r]);
                    else a.items[owner[rows[r]]].fate = Fate::done;  // superseded by a later record of its key
                }
                rows = std::move(kept);
            }
        }
        const std::vector<const Column*>& cols = run.op == Operation::write ? l.columns : l.key_columns;
        if (a.careful) isolate(a, g, run.op, cols, l.key, set, owner, rows);
        else send_run(a, g, run.op, cols, l.key, set, owner, rows);
    }
}

void SqlSink::send_run(Attempt& a, Group& g, Operation op, const std::vector<const Column*>& columns,
                       const std::vector<std::size_t>& key, const RowSet& set, const std::vector<std::uint32_t>& row_items,
                       std::span<const std::uint32_t> rows) {
    if (rows.empty()) return;
    const TableInfo& table = g.table->info;
    if (op == Operation::remove) db_->delete_rows(table, columns, set, rows);
    else if (settings_.insert_mode == InsertMode::upsert) db_->upsert_rows(table, columns, key, set, rows);
    else db_->insert_rows(table, columns, set, rows);
    for (std::uint32_t r : rows) a.items[row_items[r]].fate = Fate::done;
    a.rows_sent += rows.size();
}

// Sends `rows` under a savepoint; when the database refuses the data, rolls back to it and
// splits (at the row the server named, else in halves) until the bad record is alone.
void SqlSink::isolate(Attempt& a, Group& g, Operation op, const std::vector<const Column*>& columns,
                      const std::vector<std::size_t>& key, const RowSet& set, const std::vector<std::uint32_t>& row_items,
                      std::span<const std::uint32_t> rows) {
    if (rows.empty()) return;
    db_->savepoint();
    try {
        send_run(a, g, op, columns, key, set, row_items, rows);
        db_->release_savepoint();
        return;
    } catch (const DbError& e) {
        if (e.error_class() != ErrorClass::record) throw;
        db_->rollback_to_savepoint();
        db_->release_savepoint();
        if (rows.size() == 1) {
            reject(a, row_items[rows[0]], e.what());
            return;
        }
        if (auto row = e.row(); row && *row >= 1 && *row <= rows.size()) {
            const std::size_t bad = *row - 1;
            isolate(a, g, op, columns, key, set, row_items, rows.subspan(0, bad));
            isolate(a, g, op, columns, key, set, row_items, rows.subspan(bad, 1));
            isolate(a, g, op, columns, key, set, row_items, rows.subspan(bad + 1));
            return;
        }
        const std::size_t half = rows.size() / 2;
        isolate(a, g, op, columns, key, set, row_items, rows.subspan(0, half));
        isolate(a, g, op, columns, key, set, row_items, rows.subspan(half));
    }
}

// ---- pre-flight ------------------------------------------------------------------------------

void SqlSink::check(const Config& config, Dialect dialect, DatabaseFactory factory) {
    const SinkSettings s = SinkSettings::from(config, dialect);
    std::string where;
    std::unique_ptr<Database> db = connect_for_check(factory, s.connection, where);
    try {
        auto can_create = [&](const TableName& t) { return db->can_create_tables(t.schema); };
        if (s.exactly_once) {
            if (auto info = db->describe(s.offsets_table)) {
                for (const char* c : {"connector", "topic", "partition", "next_offset"})
                    if (!info->find(c))
                        throw FatalError(where + ": the offsets table " + s.offsets_table.display() + " has no column " + c +
                                         " (expected connector, topic, partition, next_offset)");
                auto missing = db->missing_privileges(s.offsets_table, {"SELECT", "INSERT", "UPDATE"});
                if (!missing.empty())
                    throw FatalError(where + ": user '" + s.connection.user + "' lacks " + join(missing) + " on the offsets table " +
                                     s.offsets_table.display() + " (exactly.once)");
            } else if (!can_create(s.offsets_table)) {
                throw FatalError(where + ": the offsets table " + s.offsets_table.display() + " does not exist and user '" +
                                 s.connection.user + "' may not create it (create it, grant CREATE, or set exactly.once: false)");
            }
        }
        if (s.table_depends_on_topic()) {
            if (s.auto_create && !can_create(s.table_for("")))
                throw FatalError(where + ": auto.create is on but user '" + s.connection.user + "' may not create tables there");
            return;  // the tables are known once records arrive
        }
        const TableName table = s.table_for("");
        auto info = db->describe(table);
        if (!info) {
            if (!s.auto_create)
                throw FatalError(where + ": table " + table.display() + " does not exist (create it, or set auto.create: true)");
            if (!can_create(table))
                throw FatalError(where + ": table " + table.display() + " does not exist and user '" + s.connection.user +
                                 "' may not create it");
            return;
        }
        std::vector<std::string> key;
        for (const auto& f : s.pk_fields) key.push_back(s.column_for(f));
        if (key.empty() && s.pk_mode == PkMode::record_key) key = info->primary_key;
        for (const auto& k : key)
            if (!info->find(k))
                throw FatalError(where + ": table " + table.display() + " has no column " + k + " (a primary key column)");
        if (!s.auto_evolve)
            for (const auto& f : s.whitelist)
                if (!info->find(s.column_for(f)))
                    throw FatalError(where + ": table " + table.display() + " has no column " + s.column_for(f) +
                                     " (field '" + f + "' of fields.whitelist; add it, or set auto.evolve: true)");
        if (s.insert_mode == InsertMode::upsert) {
            if (key.empty())
                throw FatalError(where + ": insert.mode upsert: table " + table.display() + " has no primary key and pk.fields is empty");
            if (!info->has_unique_key(key))
                throw FatalError(where + ": insert.mode upsert: table " + table.display() +
                                 " has no primary key or unique index on (" + join(key) + ")");
        }
        if (s.exactly_once && !info->transactional)
            throw FatalError(where + ": table " + table.display() + " uses the " + info->engine +
                             " engine, which has no transactions: exactly.once needs InnoDB (or set exactly.once: false)");
        std::vector<std::string> wanted{"INSERT"};
        if (s.insert_mode == InsertMode::upsert) wanted.push_back("UPDATE");
        if (s.delete_enabled) wanted.push_back("DELETE");
        auto missing = db->missing_privileges(table, wanted);
        if (!missing.empty())
            throw FatalError(where + ": user '" + s.connection.user + "' lacks " + join(missing) + " on table " + table.display());
    } catch (const DbError& e) {
        throw FatalError(where + ": " + e.what());
    }
}

}  // namespace sluice::sql
