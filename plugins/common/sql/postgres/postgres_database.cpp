#include "sluice/sql/postgres.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace sluice::sql {

// ---- errors --------------------------------------------------------------------------------

ErrorClass classify_sqlstate(std::string_view s) {
    if (s.size() != 5) return ErrorClass::retriable;  // no SQLSTATE: the connection broke
    const std::string_view cls = s.substr(0, 2);
    if (cls == "08" || cls == "40" || cls == "53" || cls == "58") return ErrorClass::retriable;
    if (s == "57P01" || s == "57P02" || s == "57P03" || s == "57014" || s == "55P03" || s == "55006" || s == "25P02")
        return ErrorClass::retriable;
    if (cls == "22" || cls == "23" || cls == "44" || cls == "54" || cls == "21" || s == "P0001") return ErrorClass::record;
    return ErrorClass::fatal;  // 28 authorization, 42 syntax/privileges/undefined objects, 3D/3F, 0A, XX, ...
}

ErrorClass classify_connect_failure(std::string_view m) {
    for (const char* fatal : {"password authentication failed", "no pg_hba.conf entry", "does not exist",
                              "authentication failed", "permission denied", "no password supplied",
                              "invalid connection option", "invalid URI", "server does not support SSL",
                              "SSL is not enabled", "certificate", "is not permitted to log in"})
        if (m.find(fatal) != std::string_view::npos) return ErrorClass::fatal;
    return ErrorClass::retriable;
}

std::optional<std::size_t> copy_line(std::string_view context) {
    const std::size_t at = context.find(", line ");
    if (context.rfind("COPY ", 0) != 0 || at == std::string_view::npos) return std::nullopt;
    std::size_t line = 0;
    const char* begin = context.data() + at + 7;
    auto [p, ec] = std::from_chars(begin, context.data() + context.size(), line);
    if (ec != std::errc() || p == begin) return std::nullopt;
    return line;
}

namespace {

struct ResultDeleter {
    void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

std::string one_line(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    while (!text.empty() && text.back() == ' ') text.pop_back();
    if (text.size() > 600) text = text.substr(0, 597) + "...";
    return text;
}

std::optional<std::string> bytes_of_hex(std::string_view hex) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    if (hex.size() % 2 != 0) return std::nullopt;
    std::string out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
}

// COPY's text format: tab between cells, \N for NULL, backslash escapes.
void append_copy_cell(std::string& out, const std::optional<std::string_view>& cell, ColumnKind kind) {
    if (!cell) {
        out += "\\N";
        return;
    }
    if (kind == ColumnKind::binary) {
        out += "\\\\x";  // bytea's hex input form, its backslash escaped for COPY
        out += hex_encode(*cell);
        return;
    }
    // Runs of ordinary bytes are appended whole; only \\, \n, \r, \t need escaping.
    const std::string_view text = *cell;
    std::size_t from = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c != '\\' && c != '\n' && c != '\r' && c != '\t') continue;
        out.append(text.data() + from, i - from);
        out.push_back('\\');
        out.push_back(c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : '\\');
        from = i + 1;
    }
    out.append(text.data() + from, text.size() - from);
}

ColumnKind kind_of_type(std::string_view t) {
    if (t == "int2" || t == "int4" || t == "int8" || t == "oid") return ColumnKind::integer;
    if (t == "numeric") return ColumnKind::decimal;
    if (t == "float4" || t == "float8") return ColumnKind::floating;
    if (t == "bool") return ColumnKind::boolean;
    if (t == "text" || t == "varchar" || t == "bpchar" || t == "name" || t == "citext" || t == "char") return ColumnKind::text;
    if (t == "json" || t == "jsonb") return ColumnKind::json;
    if (t == "timestamptz") return ColumnKind::timestamp_tz;
    if (t == "timestamp") return ColumnKind::timestamp;
    if (t == "date") return ColumnKind::date;
    if (t == "time" || t == "timetz") return ColumnKind::time;
    if (t == "bytea") return ColumnKind::binary;
    if (t == "uuid") return ColumnKind::uuid;
    return ColumnKind::other;
}

// Result columns carry type OIDs; these are fixed for the built-in types (pg_type.dat).
ColumnKind kind_of_oid(Oid oid) {
    switch (oid) {
    case 20: case 21: case 23: case 26: return ColumnKind::integer;
    case 1700: return ColumnKind::decimal;
    case 700: case 701: return ColumnKind::floating;
    case 16: return ColumnKind::boolean;
    case 114: case 3802: return ColumnKind::json;
    case 1184: return ColumnKind::timestamp_tz;
    case 1114: return ColumnKind::timestamp;
    case 1082: return ColumnKind::date;
    case 1083: case 1266: return ColumnKind::time;
    case 17: return ColumnKind::binary;
    case 2950: return ColumnKind::uuid;
    default: return ColumnKind::text;
    }
}

void set_range(Column& c, std::string_view type) {
    if (type == "int2") {
        c.min = -32768;
        c.max = 32767;
    } else if (type == "int4") {
        c.min = INT32_MIN;
        c.max = INT32_MAX;
    } else if (type == "oid") {
        c.min = 0;
        c.max = UINT32_MAX;
    }
}

class PostgresDatabase;

class PostgresStream : public RowStream {
public:
    PostgresStream(PostgresDatabase& db, PGconn* conn);
    ~PostgresStream() override;
    const std::vector<ResultColumn>& columns() const override { return columns_; }
    bool next(std::vector<std::optional<std::string_view>>& cells) override;
    void start(const std::string& sql, bool streamed, bool skip_first = false);

private:
    PostgresDatabase& db_;
    PGconn* conn_;
    Result row_;  // the current row: the cells point into it until the next call
    std::vector<ResultColumn> columns_;
    std::vector<std::string> decoded_;
    bool prefetched_ = false;  // row_ holds the first result, read by start()
    bool done_ = false;
    bool whole_ = false;       // row_ holds every row (not single-row mode)
    int at_ = 0;               // the next row of row_ when whole_
    void fill(int row, std::vector<std::optional<std::string_view>>& cells);
    [[noreturn]] void fail();
};

class PostgresDatabase : public Database {
public:
    explicit PostgresDatabase(ConnectionSettings s) : s_(std::move(s)) {}
    ~PostgresDatabase() override { disconnect(); }

    Dialect dialect() const override { return Dialect::postgres; }

    void connect() override {
        disconnect();
        const std::string port = std::to_string(s_.port);
        const std::string timeout = std::to_string(std::max<long long>(2, (s_.connect_timeout.count() + 999) / 1000));
        std::string options = "-c TimeZone=UTC -c DateStyle=ISO -c bytea_output=hex -c extra_float_digits=1";
        if (s_.request_timeout.count() > 0) options += " -c statement_timeout=" + std::to_string(s_.request_timeout.count());
        std::vector<const char*> keys{"host", "port", "dbname", "connect_timeout", "application_name", "client_encoding",
                                      "options", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count"};
        std::vector<const char*> values{s_.host.c_str(), port.c_str(), s_.database.c_str(), timeout.c_str(), "sluice", "UTF8",
                                        options.c_str(), "1", "30", "10", "3"};
        if (!s_.user.empty()) {
            keys.push_back("user");
            values.push_back(s_.user.c_str());
        }
        if (!s_.password.empty()) {
            keys.push_back("password");
            values.push_back(s_.password.c_str());
        }
        for (const auto& [k, v] : s_.params) {
            keys.push_back(k.c_str());
            values.push_back(v.c_str());
        }
        keys.push_back(nullptr);
        values.push_back(nullptr);
        PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 0);
        if (conn == nullptr) throw DbError(ErrorClass::retriable, "", "out of memory creating a connection");
        if (PQstatus(conn) != CONNECTION_OK) {
            const std::string message = one_line(PQerrorMessage(conn));
            PQfinish(conn);
            throw DbError(classify_connect_failure(message), "", message);
        }
        PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);  // "already exists, skipping" and the like
        conn_ = conn;
    }

    void disconnect() noexcept override {
        if (conn_ != nullptr) PQfinish(conn_);
        conn_ = nullptr;
    }

    bool connected() const override { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }

    std::string server_version() override {
        const char* v = conn_ != nullptr ? PQparameterStatus(conn_, "server_version") : nullptr;
        return v != nullptr ? std::string(v) : std::string();
    }

    std::string default_schema() override {
        Result r = exec("SELECT current_schema()");
        return PQgetisnull(r.get(), 0, 0) ? std::string() : std::string(PQgetvalue(r.get(), 0, 0));
    }

    // ---- catalog

    std::optional<TableInfo> describe(const TableName& table) override {
        const std::string name = literal_text(quote_table(table));
        Result cols = exec(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), "
            "COALESCE(CASE WHEN t.typtype = 'd' THEN bt.typname END, t.typname), "
            "a.attnotnull, (a.attgenerated <> '' OR a.attidentity = 'a'), "
            "COALESCE(CASE WHEN t.typtype = 'd' THEN bt.typtype END, t.typtype) "
            "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type bt ON bt.oid = t.typbasetype "
            "WHERE a.attrelid = to_regclass(" + name + ") AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum");
        if (PQntuples(cols.get()) == 0) return std::nullopt;
        TableInfo info;
        info.name = table;
        for (int i = 0; i < PQntuples(cols.get()); ++i) {
            Column c;
            c.name = PQgetvalue(cols.get(), i, 0);
            c.type = PQgetvalue(cols.get(), i, 1);
            const std::string type = PQgetvalue(cols.get(), i, 2);
            c.kind = std::string_view(PQgetvalue(cols.get(), i, 5)) == "e" ? ColumnKind::text : kind_of_type(type);
            set_range(c, type);
            c.nullable = std::string_view(PQgetvalue(cols.get(), i, 3)) != "t";
            c.writable = std::string_view(PQgetvalue(cols.get(), i, 4)) != "t";
            info.columns.push_back(std::move(c));
        }
        Result keys = exec(
            "SELECT i.indisprimary, array_to_string(ARRAY(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY "
            "AS k(attnum, n) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n), E'\\x1f') "
            "FROM pg_index i WHERE i.indrelid = to_regclass(" + name + ") AND i.indisunique AND i.indpred IS NULL "
            "AND i.indexprs IS NULL");
        for (int i = 0; i < PQntuples(keys.get()); ++i) {
            std::vector<std::string> columns;
            std::string_view list = PQgetvalue(keys.get(), i, 1);
            while (!list.empty()) {
                const std::size_t sep = list.find('\x1f');
                columns.emplace_back(list.substr(0, sep));
                list = sep == std::string_view::npos ? std::string_view() : list.substr(sep + 1);
            }
            if (std::string_view(PQgetvalue(keys.get(), i, 0)) == "t") info.primary_key = columns;
            info.unique_keys.push_back(std::move(columns));
        }
        return info;
    }

    std::string type_for(Inferred t, bool) const override {
        switch (t) {
        case Inferred::boolean: return "boolean";
        case Inferred::integer: return "bigint";
        case Inferred::bignum: return "numeric";
        case Inferred::floating: return "double precision";
        case Inferred::json: return "jsonb";
        case Inferred::timestamp_tz: return "timestamptz";
        case Inferred::timestamp: return "timestamp";
        case Inferred::date: return "date";
        case Inferred::none:
        case Inferred::text: break;
        }
        return "text";
    }

    void create_table(const TableName& table, const std::vector<NewColumn>& columns,
                      const std::vector<std::string>& primary_key) override {
        std::string sql = "CREATE TABLE IF NOT EXISTS " + quote_table(table) + " (";
        for (std::size_t i = 0; i < columns.size(); ++i) {
            if (i) sql += ", ";
            sql += quote_identifier(columns[i].name) + " " + columns[i].type + (columns[i].not_null ? " NOT NULL" : "");
        }
        if (!primary_key.empty()) sql += ", PRIMARY KEY (" + identifier_list(primary_key) + ")";
        exec(sql + ")");
    }

    void add_columns(const TableName& table, const std::vector<NewColumn>& columns) override {
        std::string sql = "ALTER TABLE " + quote_table(table);
        for (std::size_t i = 0; i < columns.size(); ++i)
            sql += std::string(i ? "," : "") + " ADD COLUMN IF NOT EXISTS " + quote_identifier(columns[i].name) + " " +
                   columns[i].type;
        exec(sql);
    }

    std::vector<std::string> missing_privileges(const TableName& table, const std::vector<std::string>& wanted) override {
        std::vector<std::string> missing;
        const std::string name = literal_text(quote_table(table));
        for (const auto& privilege : wanted) {
            Result r = exec("SELECT has_table_privilege(to_regclass(" + name + "), " + literal_text(privilege) + ")");
            if (std::string_view(PQgetvalue(r.get(), 0, 0)) != "t") missing.push_back(privilege);
        }
        return missing;
    }

    bool can_create_tables(const std::string& schema) override {
        Result r = exec("SELECT COALESCE(has_schema_privilege(" +
                        (schema.empty() ? std::string("current_schema()") : literal_text(schema)) + ", 'CREATE'), false)");
        return std::string_view(PQgetvalue(r.get(), 0, 0)) == "t";
    }

    // ---- transactions

    // BEGIN goes with the transaction's first statement, and the last statement with COMMIT:
    // two round trips less per batch.
    void begin() override { pending_begin_ = true; }
    void commit() override { exec("COMMIT"); }
    void commit_after(const std::string& statement) override { exec(statement + "; COMMIT"); }
    void rollback() noexcept override {
        const bool begun = !pending_begin_;
        pending_begin_ = false;
        if (!connected() || !begun) return;
        try {
            exec("ROLLBACK");
        } catch (const DbError&) {
            disconnect();
        }
    }
    void savepoint() override { exec("SAVEPOINT sluice_isolate"); }
    void rollback_to_savepoint() override { exec("ROLLBACK TO SAVEPOINT sluice_isolate"); }
    void release_savepoint() override { exec("RELEASE SAVEPOINT sluice_isolate"); }

    // ---- writes

    void insert_rows(const TableInfo& table, const std::vector<const Column*>& columns, const RowSet& set,
                     std::span<const std::uint32_t> rows) override {
        copy_in("COPY " + quote_table(table.name) + " (" + column_list(columns) + ") FROM STDIN", columns, set, rows);
    }

    void insert_streamed(const TableInfo& table, const std::vector<const Column*>& columns, RowSource& source) override {
        copy_from("COPY " + quote_table(table.name) + " (" + column_list(columns) + ") FROM STDIN", columns, source);
    }

    void upsert_rows(const TableInfo& table, const std::vector<const Column*>& columns, const std::vector<std::size_t>& key,
                     const RowSet& set, std::span<const std::uint32_t> rows) override {
        // The batch goes to a session staging table with COPY, then into the table in one
        // statement. IF NOT EXISTS each time: a staging table created in a transaction that
        // rolled back is gone, and the check costs one catalog lookup.
        const std::string list = column_list(columns);
        const std::string stage = stage_name(table.name, list);
        exec("CREATE TEMP TABLE IF NOT EXISTS " + stage + " AS SELECT " + list + " FROM " + quote_table(table.name) +
             " WITH NO DATA");
        copy_in("COPY " + stage + " (" + list + ") FROM STDIN", columns, set, rows);
        exec("WITH moved AS (DELETE FROM " + stage + " RETURNING " + list + ") INSERT INTO " + quote_table(table.name) + " (" +
             list + ") SELECT " + list + " FROM moved " + on_conflict_update(key_names(columns, key), other_names(columns, key)));
    }

    void delete_rows(const TableInfo& table, const std::vector<const Column*>& columns, const RowSet& set,
                     std::span<const std::uint32_t> rows) override {
        constexpr std::size_t kChunk = 1000;
        for (std::size_t from = 0; from < rows.size(); from += kChunk) {
            std::string sql = "DELETE FROM " + quote_table(table.name) + " WHERE (" + column_list(columns) + ") IN (";
            for (std::size_t r = from; r < std::min(rows.size(), from + kChunk); ++r) {
                sql += r == from ? "(" : ", (";
                for (std::size_t c = 0; c < columns.size(); ++c) {
                    if (c) sql += ", ";
                    auto cell = set.cell(rows[r], c);
                    sql += cell ? typed_literal(*cell, *columns[c]) : std::string("NULL");
                }
                sql += ")";
            }
            exec(sql + ")");
        }
    }

    // ---- offsets

    void ensure_offsets_table(const TableName& table) override {
        exec("CREATE TABLE IF NOT EXISTS " + quote_table(table) +
             " (connector text NOT NULL, topic text NOT NULL, \"partition\" integer NOT NULL, next_offset bigint, "
             "PRIMARY KEY (connector, topic, \"partition\"))");
    }

    void execute(const std::string& sql) override { exec(sql); }

    std::string on_conflict_update(const std::vector<std::string>& key, const std::vector<std::string>& update) const override {
        std::string target, set;
        for (const auto& k : key) target += (target.empty() ? "" : ", ") + quote_identifier(k);
        for (const auto& u : update) {
            const std::string q = quote_identifier(u);
            set += (set.empty() ? "" : ", ") + q + " = EXCLUDED." + q;
        }
        return "ON CONFLICT (" + target + ") " + (set.empty() ? std::string("DO NOTHING") : "DO UPDATE SET " + set);
    }

    // ---- reads

    std::unique_ptr<RowStream> query(const std::string& sql, bool streamed) override {
        require_connection();
        if (pending_begin_ && streamed) exec("BEGIN");  // single-row mode wants the query alone
        auto stream = std::make_unique<PostgresStream>(*this, conn_);
        stream->start(pending_begin_ ? "BEGIN; " + sql : sql, streamed, pending_begin_);
        pending_begin_ = false;
        return stream;
    }

    char identifier_quote() const override { return '"'; }

    std::string literal(std::string_view canonical, ColumnKind kind) override {
        if (kind == ColumnKind::binary) return literal_text("\\x" + hex_encode(canonical)) + "::bytea";
        return literal_text(canonical);
    }

    std::string now_minus_ms(std::int64_t ms) const override {
        return "(now() - interval '" + std::to_string(ms) + " milliseconds')";
    }

    // ---- shared with the stream

    DbError error_of(const PGresult* r) {
        const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
        std::string message;
        if (r != nullptr && PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) != nullptr) {
            message = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
            if (const char* detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL)) message += " (" + std::string(detail) + ")";
        } else {
            message = conn_ != nullptr ? PQerrorMessage(conn_) : "no connection";
        }
        std::optional<std::size_t> row;
        if (r != nullptr)
            if (const char* context = PQresultErrorField(r, PG_DIAG_CONTEXT)) {
                row = copy_line(context);
                if (row) message += "; " + std::string(context).substr(0, 300);
            }
        ErrorClass cls = state != nullptr ? classify_sqlstate(state) : ErrorClass::retriable;
        if (!connected()) {
            cls = ErrorClass::retriable;  // whatever the statement was, the connection is gone
            disconnect();
        }
        return DbError(cls, state != nullptr ? state : "", one_line(message) + (state ? " [SQLSTATE " + std::string(state) + "]" : ""),
                       row);
    }

    void require_connection() {
        if (!connected()) {
            disconnect();
            throw DbError(ErrorClass::retriable, "", "not connected");
        }
    }

private:
    Result exec(const std::string& sql) {
        require_connection();
        // Several statements in one PQexec: the result is the last one's, or the first error.
        Result r(PQexec(conn_, pending_begin_ ? ("BEGIN; " + sql).c_str() : sql.c_str()));
        pending_begin_ = false;
        const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw error_of(r.get());
        return r;
    }

    void copy_in(const std::string& sql, const std::vector<const Column*>& columns, const RowSet& set,
                 std::span<const std::uint32_t> rows) {
        struct Once : RowSource {
            const RowSet& set;
            std::span<const std::uint32_t> rows;
            bool given = false;
            Once(const RowSet& s, std::span<const std::uint32_t> r) : set(s), rows(r) {}
            bool next(const RowSet*& out, std::span<const std::uint32_t>& out_rows) override {
                if (given) return false;
                given = true;
                out = &set;
                out_rows = rows;
                return true;
            }
        } once(set, rows);
        copy_from(sql, columns, once);
    }

    // COPY ... FROM STDIN fed chunk by chunk: the server parses the first rows while the next
    // are converted.
    void copy_from(const std::string& sql, const std::vector<const Column*>& columns, RowSource& source) {
        require_connection();
        if (pending_begin_) exec("BEGIN");  // COPY takes no company in one query string
        Result start(PQexec(conn_, sql.c_str()));
        if (!start || PQresultStatus(start.get()) != PGRES_COPY_IN) throw error_of(start.get());
        std::string& buffer = copy_buffer_;
        buffer.clear();
        bool sent_ok = true;
        try {
            const RowSet* set = nullptr;
            std::span<const std::uint32_t> rows;
            while (sent_ok && source.next(set, rows)) {
                for (std::uint32_t row : rows) {
                    for (std::size_t c = 0; c < columns.size(); ++c) {
                        if (c) buffer.push_back('\t');
                        append_copy_cell(buffer, set->cell(row, c), columns[c]->kind);
                    }
                    buffer.push_back('\n');
                }
                if (buffer.size() >= (256u << 10)) {
                    sent_ok = PQputCopyData(conn_, buffer.data(), static_cast<int>(buffer.size())) == 1;
                    buffer.clear();
                }
            }
        } catch (...) {
            PQputCopyEnd(conn_, "sluice stopped converting the rows");
            while (PGresult* more = PQgetResult(conn_)) PQclear(more);
            throw;
        }
        if (sent_ok && !buffer.empty()) sent_ok = PQputCopyData(conn_, buffer.data(), static_cast<int>(buffer.size())) == 1;
        if (buffer.capacity() > (8u << 20)) std::string().swap(buffer);
        PQputCopyEnd(conn_, sent_ok ? nullptr : "sluice could not send the data");
        Result end(PQgetResult(conn_));
        while (PGresult* more = PQgetResult(conn_)) PQclear(more);
        if (!end || PQresultStatus(end.get()) != PGRES_COMMAND_OK) throw error_of(end.get());
    }

    std::string stage_name(const TableName& table, const std::string& columns) {
        const std::string key = quote_table(table) + "(" + columns + ")";
        auto it = stages_.find(key);
        if (it == stages_.end()) it = stages_.emplace(key, "sluice_stage_" + std::to_string(stages_.size())).first;
        return it->second;
    }

    std::string identifier_list(const std::vector<std::string>& names) const {
        std::string out;
        for (const auto& n : names) out += (out.empty() ? "" : ", ") + quote_identifier(n);
        return out;
    }

    std::string column_list(const std::vector<const Column*>& columns) const {
        std::string out;
        for (const Column* c : columns) out += (out.empty() ? "" : ", ") + quote_identifier(c->name);
        return out;
    }

    // A quoted literal. PQescapeLiteral needs the connection (its encoding); standard
    // strings are on, so doubling quotes is the whole escaping once connected.
    std::string literal_text(std::string_view text) {
        require_connection();
        char* escaped = PQescapeLiteral(conn_, text.data(), text.size());
        if (escaped == nullptr) throw error_of(nullptr);
        std::string out(escaped);
        PQfreemem(escaped);
        return out;
    }

    std::string typed_literal(std::string_view canonical, const Column& c) {
        return literal(canonical, c.kind) + (c.kind == ColumnKind::binary ? "" : "::" + c.type);
    }

    ConnectionSettings s_;
    PGconn* conn_ = nullptr;
    std::map<std::string, std::string> stages_;
    std::string copy_buffer_;
    bool pending_begin_ = false;  // begin() was called, BEGIN not sent yet
};

PostgresStream::PostgresStream(PostgresDatabase& db, PGconn* conn) : db_(db), conn_(conn) {}

// `skip_first`: the query string starts with a BEGIN whose result comes first.
void PostgresStream::start(const std::string& sql, bool streamed, bool skip_first) {
    if (PQsendQuery(conn_, sql.c_str()) != 1) throw db_.error_of(nullptr);
    whole_ = !streamed;
    if (streamed) PQsetSingleRowMode(conn_);
    // The first row (or the end, or the error) tells the columns.
    row_.reset(PQgetResult(conn_));
    if (skip_first && row_ && PQresultStatus(row_.get()) == PGRES_COMMAND_OK) row_.reset(PQgetResult(conn_));
    const ExecStatusType status = row_ ? PQresultStatus(row_.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_SINGLE_TUPLE && status != PGRES_TUPLES_OK) {
        fail();
    }
    for (int c = 0; c < PQnfields(row_.get()); ++c)
        columns_.push_back({PQfname(row_.get(), c), kind_of_oid(PQftype(row_.get(), c))});
    decoded_.resize(columns_.size());
    prefetched_ = true;
}

bool PostgresStream::next(std::vector<std::optional<std::string_view>>& cells) {
    if (done_) return false;
    if (whole_) {
        if (at_ < PQntuples(row_.get())) {
            fill(at_++, cells);
            return true;
        }
        row_.reset();
        while (PGresult* more = PQgetResult(conn_)) PQclear(more);
        done_ = true;
        return false;
    }
    if (!prefetched_) row_.reset(PQgetResult(conn_));
    prefetched_ = false;
    const ExecStatusType status = row_ ? PQresultStatus(row_.get()) : PGRES_FATAL_ERROR;
    if (status == PGRES_TUPLES_OK) {  // the end
        row_.reset();
        while (PGresult* more = PQgetResult(conn_)) PQclear(more);
        done_ = true;
        return false;
    }
    if (status != PGRES_SINGLE_TUPLE) fail();
    fill(0, cells);
    return true;
}

// The cells of one row of row_; they point into it (and into decoded_) until the next call.
void PostgresStream::fill(int row, std::vector<std::optional<std::string_view>>& cells) {
    cells.resize(columns_.size());
    for (std::size_t c = 0; c < columns_.size(); ++c) {
        const int ci = static_cast<int>(c);
        if (PQgetisnull(row_.get(), row, ci)) {
            cells[c] = std::nullopt;
            continue;
        }
        std::string_view text(PQgetvalue(row_.get(), row, ci), static_cast<std::size_t>(PQgetlength(row_.get(), row, ci)));
        if (columns_[c].kind == ColumnKind::binary && text.starts_with("\\x")) {
            decoded_[c] = bytes_of_hex(text.substr(2)).value_or(std::string(text));
            text = decoded_[c];
        }
        cells[c] = text;
    }
}

// The statement failed: read away what is left of its results, throw its error.
void PostgresStream::fail() {
    DbError e = db_.error_of(row_.get());
    row_.reset();
    if (db_.connected())
        while (PGresult* more = PQgetResult(conn_)) PQclear(more);
    done_ = true;
    throw e;
}

PostgresStream::~PostgresStream() {
    if (done_ || !db_.connected()) return;
    // Stopped early (the task stops): ask the server to cancel, then drain what it sent.
    if (PGcancel* cancel = PQgetCancel(conn_)) {
        char error[256];
        PQcancel(cancel, error, sizeof error);
        PQfreeCancel(cancel);
    }
    while (PGresult* more = PQgetResult(conn_)) PQclear(more);
}

}  // namespace

std::unique_ptr<Database> make_postgres(const ConnectionSettings& settings) {
    return std::make_unique<PostgresDatabase>(settings);
}

}  // namespace sluice::sql
