#include "sluice/sql/sql_source.hpp"

#include "sluice/sql/timestamps.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <thread>

namespace sluice::sql {

namespace {

using namespace std::chrono_literals;

bool same_name(std::string_view a, std::string_view b, bool ignore_case) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const char x = ignore_case ? static_cast<char>(std::tolower(static_cast<unsigned char>(a[i]))) : a[i];
        const char y = ignore_case ? static_cast<char>(std::tolower(static_cast<unsigned char>(b[i]))) : b[i];
        if (x != y) return false;
    }
    return true;
}

// Position of a column in a result: the exact name, else (MariaDB's names are not case
// sensitive) ignoring case. -1 when absent.
int position_of(const std::vector<ResultColumn>& columns, std::string_view name) {
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (columns[i].name == name) return static_cast<int>(i);
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (same_name(columns[i].name, name, true)) return static_cast<int>(i);
    return -1;
}

std::string names(const std::vector<ResultColumn>& columns) {
    std::string out;
    for (const auto& c : columns) out += (out.empty() ? "" : ", ") + c.name;
    return out;
}

bool is_timestamp_kind(ColumnKind k) {
    return k == ColumnKind::timestamp || k == ColumnKind::timestamp_tz || k == ColumnKind::date;
}

}  // namespace

std::string SqlSource::Target::display() const { return table ? "table " + table->display() : std::string("the query"); }

SqlSource::SqlSource(const Config& config, TaskContext& context, Dialect dialect, DatabaseFactory factory)
    : settings_(SourceSettings::from(config, dialect)), dialect_(dialect), context_(context), db_(factory(settings_.connection)) {
    const std::string database = settings_.connection.database;
    auto add = [&](std::optional<TableName> table) {
        Target t{std::move(table), "", "", SourceCursor(settings_.mode), {}, {}, false, Clock::now()};
        t.partition = t.table ? json::Object().add("database", database).add("table", t.table->display()).str()
                              : json::Object().add("database", database).add("query", settings_.query).str();
        if (t.table && !settings_.topic_prefix.empty()) t.topic = settings_.topic_prefix + t.table->name;
        if (settings_.mode != SourceMode::bulk) {
            if (auto stored = context_.stored_offset(t.partition)) {
                try {
                    t.cursor = SourceCursor::from_offset(*stored, settings_.mode);
                } catch (const std::exception& e) {
                    throw FatalError(t.display() + ": " + e.what());
                }
                context_.info(t.display() + " resumes after " + std::string(*stored));
            } else {
                context_.info(t.display() + " starts from the beginning (no stored offset)");
            }
        }
        targets_.push_back(std::move(t));
    };
    if (!settings_.query.empty()) {
        if (context.task_id() == 0) add(std::nullopt);
    } else {
        for (std::size_t i = 0; i < settings_.tables.size(); ++i)
            if (static_cast<int>(i % static_cast<std::size_t>(context.task_count())) == context.task_id()) add(settings_.tables[i]);
    }
    if (targets_.empty()) context_.info("no table for this task (more tasks than tables): it stays idle");
}

SqlSource::~SqlSource() {
    page_.reset();
    context_.info(std::to_string(rows_emitted_) + " rows emitted in " + std::to_string(pages_) + " pages");
    db_->disconnect();
}

[[noreturn]] void SqlSource::raise(const DbError& e, const std::string& doing) {
    const std::string message = std::string(dialect_name(dialect_)) + " " + settings_.connection.where() + ": " + doing +
                                ": " + e.what();
    if (e.error_class() == ErrorClass::fatal) throw FatalError(message);
    throw RetriableError(message);
}

void SqlSource::ensure_connected() {
    if (db_->connected()) return;
    try {
        db_->connect();
    } catch (const DbError& e) {
        raise(e, "connecting as '" + settings_.connection.user + "'");
    }
    if (!announced_) {
        announced_ = true;
        context_.info(std::string(dialect_name(dialect_)) + " " + db_->server_version() + " at " + settings_.connection.where() +
                      ", mode " + mode_name(settings_.mode) + ", " + std::to_string(targets_.size()) +
                      (targets_.size() == 1 ? " table or query" : " tables"));
    }
}

// Once per target, before its first page: the columns exist, with usable types; the key.
void SqlSource::resolve(Target& t) {
    if (t.resolved) return;
    const std::string base = t.table ? "SELECT * FROM " + db_->quote_table(*t.table) : "SELECT * FROM (" + settings_.query + ") sluice_q";
    std::vector<ResultColumn> columns;
    try {
        if (t.table) {
            auto info = db_->describe(*t.table);
            if (!info) throw FatalError(t.display() + " does not exist in " + settings_.connection.where());
            t.key_columns = info->primary_key;
        }
        auto probe = db_->query(base + " WHERE 1 = 0");
        columns = probe->columns();
        while (probe->next(cells_)) {
        }
    } catch (const DbError& e) {
        raise(e, "reading the columns of " + t.display());
    }
    if (!settings_.key_fields.empty()) t.key_columns = settings_.key_fields;
    auto need = [&](const std::string& name, const char* key) {
        const int at = position_of(columns, name);
        if (at < 0)
            throw FatalError(t.display() + " has no column " + name + " (" + key + "); its columns: " + names(columns));
        return columns[static_cast<std::size_t>(at)].kind;
    };
    if (settings_.uses_timestamp()) {
        t.kinds.timestamp_kind = need(settings_.timestamp_column, "timestamp.column.name");
        if (!is_timestamp_kind(t.kinds.timestamp_kind))
            throw FatalError(t.display() + ": timestamp.column.name " + settings_.timestamp_column + " is of kind " +
                             kind_name(t.kinds.timestamp_kind) + ", not a timestamp or date");
    }
    if (settings_.uses_incrementing()) {
        t.kinds.incrementing_kind = need(settings_.incrementing_column, "incrementing.column.name");
        if (t.kinds.incrementing_kind != ColumnKind::integer)
            throw FatalError(t.display() + ": incrementing.column.name " + settings_.incrementing_column + " is of kind " +
                             kind_name(t.kinds.incrementing_kind) + ", not an integer");
    }
    t.kinds.key_kinds.clear();
    for (const auto& k : t.key_columns) t.kinds.key_kinds.push_back(need(k, "a key column"));
    if (settings_.mode == SourceMode::timestamp && t.key_columns.empty())
        throw FatalError(t.display() + ": mode timestamp needs key columns to tell rows of one timestamp apart, and it has "
                                       "no primary key: set key.fields, or use mode timestamp+incrementing");
    t.resolved = true;
}

std::string SqlSource::page_sql(Target& t, bool& bounded) {
    bounded = settings_.mode != SourceMode::bulk;
    if (!bounded) return t.table ? "SELECT * FROM " + db_->quote_table(*t.table) : settings_.query;
    std::string sql = t.table ? "SELECT * FROM " + db_->quote_table(*t.table) : "SELECT * FROM (" + settings_.query + ") sluice_q";
    const std::string condition = t.cursor.condition(*db_, settings_, t.key_columns, t.kinds);
    if (!condition.empty()) sql += " WHERE " + condition;
    return sql + " ORDER BY " + t.cursor.order_by(*db_, settings_, t.key_columns) + " LIMIT " +
           std::to_string(settings_.batch_max_rows);
}

void SqlSource::open_page(std::size_t index) {
    Target& t = targets_[index];
    resolve(t);
    Page p;
    p.target = index;
    const std::string sql = page_sql(t, p.bounded);
    try {
        p.stream = db_->query(sql, !p.bounded);  // a page comes whole; a bulk read streams
    } catch (const DbError& e) {
        raise(e, "reading " + t.display());
    }
    const auto& columns = p.stream->columns();
    if (settings_.uses_timestamp()) p.timestamp_at = position_of(columns, settings_.timestamp_column);
    if (settings_.uses_incrementing()) p.incrementing_at = position_of(columns, settings_.incrementing_column);
    for (const auto& k : t.key_columns) p.key_at.push_back(position_of(columns, k));
    if ((settings_.uses_timestamp() && p.timestamp_at < 0) || (settings_.uses_incrementing() && p.incrementing_at < 0) ||
        std::find(p.key_at.begin(), p.key_at.end(), -1) != p.key_at.end())
        throw FatalError(t.display() + " lost a column the source reads by (its columns now: " + names(columns) + ")");
    page_ = std::move(p);
    ++pages_;
    context_.debug("reading " + t.display() + (t.cursor.empty() ? std::string(" from the start") : " after " + t.cursor.to_offset()));
}

void SqlSource::poll(RecordWriter& out, std::chrono::milliseconds timeout) {
    const Clock::time_point deadline = Clock::now() + timeout;
    if (!page_) {
        std::optional<std::size_t> chosen;
        Clock::time_point earliest = Clock::time_point::max();
        for (std::size_t n = 0; n < targets_.size(); ++n) {
            const std::size_t i = (next_target_ + n) % targets_.size();
            if (targets_[i].due <= Clock::now()) {
                chosen = i;
                break;
            }
            earliest = std::min(earliest, targets_[i].due);
        }
        if (!chosen) {
            while (Clock::now() < std::min(earliest, deadline) && !context_.stopping())
                std::this_thread::sleep_for(std::min<Clock::duration>(std::min(earliest, deadline) - Clock::now(), 10ms));
            return;
        }
        next_target_ = (*chosen + 1) % targets_.size();
        ensure_connected();
        open_page(*chosen);
    }
    read_page(out, deadline);
}

// Streams rows of the open page into records, until the writer is full, the time is up or
// the page ends. The cursor moves only with records handed to the worker: a failure in the
// middle leaves it where the last poll's records put it.
void SqlSource::read_page(RecordWriter& out, Clock::time_point deadline) {
    Page& p = *page_;
    Target& t = targets_[p.target];
    SourceCursor cursor = t.cursor;
    struct Row {
        std::string key, value;
        std::int64_t timestamp_ms = SLUICE_NO_TIMESTAMP;
    };
    std::vector<Row> rows;
    const std::size_t room = out.max_records() > out.size() ? out.max_records() - out.size() : 0;
    const auto& columns = p.stream->columns();
    bool ended = false;
    std::vector<std::string> key_cells;
    try {
        while (rows.size() < room) {
            if ((rows.size() & 63) == 63 && Clock::now() >= deadline) break;
            if (!p.stream->next(cells_)) {
                ended = true;
                break;
            }
            ++p.rows;
            Row row;
            row.value.push_back('{');
            for (std::size_t c = 0; c < columns.size(); ++c) {
                if (c) row.value.push_back(',');
                json::append_quoted(row.value, columns[c].name);
                row.value.push_back(':');
                append_json_value(row.value, cells_[c], columns[c].kind);
            }
            row.value.push_back('}');
            key_cells.clear();
            if (!p.key_at.empty()) {
                row.key.push_back('{');
                for (std::size_t k = 0; k < p.key_at.size(); ++k) {
                    const auto at = static_cast<std::size_t>(p.key_at[k]);
                    if (k) row.key.push_back(',');
                    json::append_quoted(row.key, columns[at].name);
                    row.key.push_back(':');
                    append_json_value(row.key, cells_[at], columns[at].kind);
                    key_cells.emplace_back(cells_[at].value_or(""));
                }
                row.key.push_back('}');
            }
            std::optional<std::string> ts;
            if (p.timestamp_at >= 0) {
                const auto& cell = cells_[static_cast<std::size_t>(p.timestamp_at)];
                if (cell) {
                    const ColumnKind kind = columns[static_cast<std::size_t>(p.timestamp_at)].kind;
                    ts = kind == ColumnKind::date ? std::string(*cell) : iso_from_database(*cell);
                    if (auto ms = epoch_ms_of(*ts)) row.timestamp_ms = *ms;
                }
            }
            std::optional<std::int64_t> id;
            if (p.incrementing_at >= 0)
                if (const auto& cell = cells_[static_cast<std::size_t>(p.incrementing_at)]) {
                    std::int64_t v = 0;
                    auto [end, ec] = std::from_chars(cell->data(), cell->data() + cell->size(), v);
                    if (ec == std::errc() && end == cell->data() + cell->size()) id = v;
                }
            cursor.advance(ts, id, key_cells);
            rows.push_back(std::move(row));
        }
    } catch (const DbError& e) {
        page_.reset();  // read again from the cursor, which did not move
        raise(e, "reading " + t.display());
    }
    const std::string offset = settings_.mode == SourceMode::bulk ? std::string() : cursor.to_offset();
    for (std::size_t i = 0; i < rows.size(); ++i) {
        SourceRecord r;
        if (!rows[i].key.empty()) r.key = rows[i].key;
        r.value = rows[i].value;
        r.timestamp_ms = rows[i].timestamp_ms;
        if (!t.topic.empty()) r.topic = t.topic;
        if (i + 1 == rows.size() && !offset.empty()) {  // the worker stores a batch's last offset anyway
            r.source_partition = t.partition;
            r.source_offset = offset;
        }
        out.add(r);
    }
    t.cursor = std::move(cursor);
    rows_emitted_ += rows.size();
    if (!ended) return;
    const bool full = p.bounded && p.rows >= settings_.batch_max_rows;
    context_.debug(t.display() + ": page of " + std::to_string(p.rows) + " rows" + (full ? ", reading on" : ", caught up") +
                   "; " + std::to_string(rows_emitted_) + " rows emitted in all");
    t.due = full ? Clock::now() : Clock::now() + settings_.poll_interval;
    page_.reset();
}

void SqlSource::check(const Config& config, Dialect dialect, DatabaseFactory factory) {
    const SourceSettings s = SourceSettings::from(config, dialect);
    std::string where;
    std::unique_ptr<Database> db = connect_for_check(factory, s.connection, where);
    try {
        std::vector<std::optional<TableName>> targets;
        if (s.query.empty())
            for (const auto& t : s.tables) targets.emplace_back(t);
        else
            targets.emplace_back(std::nullopt);
        for (const auto& table : targets) {
            const std::string what = table ? "table " + table->display() : std::string("the query");
            if (table) {
                if (!db->describe(*table)) throw FatalError(where + ": " + what + " does not exist");
                auto missing = db->missing_privileges(*table, {"SELECT"});
                if (!missing.empty())
                    throw FatalError(where + ": user '" + s.connection.user + "' lacks SELECT on " + what);
            }
            const std::string base = table ? "SELECT * FROM " + db->quote_table(*table) : "SELECT * FROM (" + s.query + ") sluice_q";
            auto probe = db->query(base + " WHERE 1 = 0");
            const auto columns = probe->columns();
            std::vector<std::optional<std::string_view>> cells;
            while (probe->next(cells)) {
            }
            auto need = [&](const std::string& name, const char* key, bool (*ok)(ColumnKind), const char* expected) {
                const int at = position_of(columns, name);
                if (at < 0) throw FatalError(where + ": " + what + " has no column " + name + " (" + key + "); its columns: " + names(columns));
                const ColumnKind kind = columns[static_cast<std::size_t>(at)].kind;
                if (!ok(kind))
                    throw FatalError(where + ": " + what + ": " + key + " " + name + " is of kind " + kind_name(kind) + ", not " + expected);
            };
            if (s.uses_timestamp())
                need(s.timestamp_column, "timestamp.column.name", [](ColumnKind k) { return is_timestamp_kind(k); },
                     "a timestamp or date");
            if (s.uses_incrementing())
                need(s.incrementing_column, "incrementing.column.name", [](ColumnKind k) { return k == ColumnKind::integer; },
                     "an integer");
            for (const auto& k : s.key_fields)
                need(k, "key.fields", [](ColumnKind) { return true; }, "");
            if (s.mode == SourceMode::timestamp && s.key_fields.empty() && table) {
                auto info = db->describe(*table);
                if (!info || info->primary_key.empty())
                    throw FatalError(where + ": " + what + " has no primary key: mode timestamp needs key.fields to tell rows "
                                                           "of one timestamp apart (or use timestamp+incrementing)");
            }
        }
    } catch (const DbError& e) {
        throw FatalError(where + ": " + e.what());
    }
}

}  // namespace sluice::sql
