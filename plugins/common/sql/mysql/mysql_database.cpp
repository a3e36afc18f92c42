#include "sluice/sql/mysql.hpp"
#include "sluice/sql/timestamps.hpp"

#include <mysql.h>
#include <mysqld_error.h>
#include <errmsg.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <exception>
#include <set>

namespace sluice::sql {

ErrorClass classify_mysql_error(unsigned n, std::string_view sqlstate) {
    switch (n) {
    // The connection or the server is in trouble; the same statement may work later.
    case CR_CONNECTION_ERROR:       // 2002
    case CR_CONN_HOST_ERROR:        // 2003
    case CR_SERVER_GONE_ERROR:      // 2006
    case CR_SERVER_LOST:            // 2013
    case CR_SERVER_LOST_EXTENDED:   // 2055
    case CR_COMMANDS_OUT_OF_SYNC:   // 2014
    case ER_CON_COUNT_ERROR:        // 1040
    case ER_SERVER_SHUTDOWN:        // 1053
    case ER_LOCK_WAIT_TIMEOUT:      // 1205
    case ER_LOCK_DEADLOCK:          // 1213
    case ER_QUERY_INTERRUPTED:      // 1317
    case ER_NET_READ_ERROR:         // 1158
    case ER_NET_READ_INTERRUPTED:   // 1159
    case ER_NET_ERROR_ON_WRITE:     // 1160
    case ER_NET_WRITE_INTERRUPTED:  // 1161
    case ER_ERROR_DURING_COMMIT:    // 1180
    case ER_ERROR_DURING_ROLLBACK:  // 1181
    case 1927:                      // ER_CONNECTION_KILLED
    case 1969:                      // ER_STATEMENT_TIMEOUT (max_statement_time)
    case 4031:                      // ER_CLIENT_INTERACTION_TIMEOUT
        return ErrorClass::retriable;
    // The data: conversions, constraints, sizes.
    case ER_BAD_NULL_ERROR:            // 1048
    case ER_DUP_ENTRY:                 // 1062
    case ER_WARN_DATA_OUT_OF_RANGE:    // 1264
    case WARN_DATA_TRUNCATED:          // 1265
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:  // 1366
    case ER_DATA_TOO_LONG:             // 1406
    case ER_TRUNCATED_WRONG_VALUE:     // 1292
    case ER_WRONG_VALUE_FOR_VAR:       // 1231
    case ER_NO_DEFAULT_FOR_FIELD:      // 1364
    case ER_ROW_IS_REFERENCED_2:       // 1451
    case ER_NO_REFERENCED_ROW_2:       // 1452
    case ER_DATA_OUT_OF_RANGE:         // 1690
    case ER_INVALID_CHARACTER_STRING:  // 1300
    case ER_WARN_NULL_TO_NOTNULL:      // 1263
    case ER_DIVISION_BY_ZERO:          // 1365
    case ER_ILLEGAL_VALUE_FOR_TYPE:    // 1367
    case ER_CANT_CREATE_GEOMETRY_OBJECT:  // 1416
    case ER_DUP_ENTRY_WITH_KEY_NAME:   // 1586
    case 4025:                         // ER_CONSTRAINT_FAILED (CHECK, e.g. JSON columns' json_valid)
    case 3140:                         // ER_INVALID_JSON_TEXT (MySQL)
        return ErrorClass::record;
    default: break;
    }
    if (sqlstate.size() == 5) {
        const std::string_view cls = sqlstate.substr(0, 2);
        if (cls == "08" || cls == "40") return ErrorClass::retriable;
        if (cls == "22" || cls == "23") return ErrorClass::record;
    }
    return ErrorClass::fatal;  // 1045 access denied, 1142 command denied, 1146 no table, 1054 no column, 1064 syntax...
}

std::optional<std::size_t> mysql_error_row(std::string_view message) {
    const std::size_t at = message.rfind(" at row ");
    if (at == std::string_view::npos) return std::nullopt;
    std::size_t row = 0;
    const char* begin = message.data() + at + 8;
    auto [p, ec] = std::from_chars(begin, message.data() + message.size(), row);
    if (ec != std::errc() || p == begin) return std::nullopt;
    return row;
}

namespace {

struct ResultDeleter {
    void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
};
using Result = std::unique_ptr<MYSQL_RES, ResultDeleter>;

bool transactional_engine(std::string_view engine) {
    return engine == "InnoDB" || engine == "XtraDB" || engine == "ROCKSDB" || engine == "ndbcluster";
}

ColumnKind kind_of_data_type(std::string_view data_type, std::string_view column_type) {
    if (data_type == "tinyint" && column_type.rfind("tinyint(1)", 0) == 0) return ColumnKind::boolean;
    if (data_type == "tinyint" || data_type == "smallint" || data_type == "mediumint" || data_type == "int" ||
        data_type == "bigint" || data_type == "year")
        return ColumnKind::integer;
    if (data_type == "decimal") return ColumnKind::decimal;
    if (data_type == "float" || data_type == "double") return ColumnKind::floating;
    if (data_type == "json") return ColumnKind::json;
    if (data_type == "datetime" || data_type == "timestamp") return ColumnKind::timestamp;
    if (data_type == "date") return ColumnKind::date;
    if (data_type == "time") return ColumnKind::time;
    if (data_type == "binary" || data_type == "varbinary" || data_type.find("blob") != std::string_view::npos)
        return ColumnKind::binary;
    if (data_type == "uuid") return ColumnKind::uuid;
    if (data_type.find("char") != std::string_view::npos || data_type.find("text") != std::string_view::npos ||
        data_type == "enum" || data_type == "set")
        return ColumnKind::text;
    return ColumnKind::other;
}

void set_range(Column& c, std::string_view data_type, bool is_unsigned) {
    struct Range {
        const char* type;
        std::int64_t min;
        std::uint64_t max, umax;
    };
    static constexpr Range ranges[] = {{"tinyint", -128, 127, 255},
                                       {"smallint", -32768, 32767, 65535},
                                       {"mediumint", -8388608, 8388607, 16777215},
                                       {"int", INT32_MIN, INT32_MAX, UINT32_MAX},
                                       {"bigint", INT64_MIN, INT64_MAX, UINT64_MAX},
                                       {"year", 0, 2155, 2155}};
    for (const auto& r : ranges)
        if (data_type == r.type) {
            c.min = is_unsigned ? 0 : r.min;
            c.max = is_unsigned ? r.umax : r.max;
        }
}

ColumnKind kind_of_field(const MYSQL_FIELD& f) {
    switch (f.type) {
    case MYSQL_TYPE_TINY: return f.length == 1 ? ColumnKind::boolean : ColumnKind::integer;
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR: return ColumnKind::integer;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL: return ColumnKind::decimal;
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE: return ColumnKind::floating;
    case MYSQL_TYPE_TIMESTAMP:
    case MYSQL_TYPE_DATETIME: return ColumnKind::timestamp;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE: return ColumnKind::date;
    case MYSQL_TYPE_TIME: return ColumnKind::time;
    case MYSQL_TYPE_JSON: return ColumnKind::json;
    case MYSQL_TYPE_BIT:
    case MYSQL_TYPE_GEOMETRY: return ColumnKind::binary;
    default: break;
    }
    MARIADB_CONST_STRING format{};
    if (mariadb_field_attr(&format, &f, MARIADB_FIELD_ATTR_FORMAT_NAME) == 0 && format.length == 4 &&
        std::strncmp(format.str, "json", 4) == 0)
        return ColumnKind::json;
    return f.charsetnr == 63 ? ColumnKind::binary : ColumnKind::text;  // 63: the binary "charset"
}

class MysqlDatabase;

class MysqlStream : public RowStream {
public:
    MysqlStream(MysqlDatabase& db, MYSQL* conn, Result result, bool streamed);
    ~MysqlStream() override;
    const std::vector<ResultColumn>& columns() const override { return columns_; }
    bool next(std::vector<std::optional<std::string_view>>& cells) override;

private:
    MysqlDatabase& db_;
    MYSQL* conn_;
    Result result_;
    std::vector<ResultColumn> columns_;
    bool done_ = false;
    bool streamed_ = true;  // mysql_use_result: the rest of the rows are still on the wire
};

class MysqlDatabase : public Database {
public:
    explicit MysqlDatabase(ConnectionSettings s) : s_(std::move(s)) {}
    ~MysqlDatabase() override { disconnect(); }

    Dialect dialect() const override { return Dialect::mysql; }

    void connect() override {
        disconnect();
        MYSQL* m = mysql_init(nullptr);
        if (m == nullptr) throw DbError(ErrorClass::retriable, "", "out of memory creating a connection");
        const unsigned connect_s = static_cast<unsigned>(std::max<long long>(1, (s_.connect_timeout.count() + 999) / 1000));
        const unsigned request_s = static_cast<unsigned>((s_.request_timeout.count() + 999) / 1000);
        mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
        if (request_s > 0) {
            mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &request_s);
            mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &request_s);
        }
        mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
        const unsigned local_infile = 1;
        mysql_options(m, MYSQL_OPT_LOCAL_INFILE, &local_infile);
        const my_bool no = 0;
        mysql_options(m, MYSQL_OPT_RECONNECT, &no);  // a lost connection must be seen: a transaction died with it
        if (mysql_real_connect(m, s_.host.c_str(), s_.user.empty() ? nullptr : s_.user.c_str(),
                               s_.password.empty() ? nullptr : s_.password.c_str(), s_.database.c_str(),
                               static_cast<unsigned>(s_.port), nullptr, 0) == nullptr) {
            DbError e = error_of(m);
            mysql_close(m);
            throw e;
        }
        conn_ = m;
        // LOAD DATA LOCAL reads from memory through this handler, whatever file name the
        // server asks for: no file of this machine is ever sent, even to a hostile server.
        mysql_set_local_infile_handler(conn_, &MysqlDatabase::infile_init, &MysqlDatabase::infile_read,
                                       &MysqlDatabase::infile_end, &MysqlDatabase::infile_error, this);
        // Strict: a value that does not fit is an error, never a truncation with a warning.
        // UTC: DATETIME and TIMESTAMP columns hold UTC wall times.
        exec("SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', "
             "time_zone = '+00:00', net_write_timeout = 3600");
        Result r = query_result("SELECT @@max_allowed_packet");
        if (MYSQL_ROW row = r ? mysql_fetch_row(r.get()) : nullptr; row != nullptr && row[0] != nullptr) {
            const std::size_t packet = std::strtoull(row[0], nullptr, 10);
            statement_bytes_ = std::clamp<std::size_t>(packet > 4096 ? packet - 4096 : packet, 64 * 1024, 16u << 20);
        }
    }

    void disconnect() noexcept override {
        if (conn_ != nullptr) mysql_close(conn_);
        conn_ = nullptr;
    }

    bool connected() const override { return conn_ != nullptr; }

    std::string server_version() override { return conn_ != nullptr ? mysql_get_server_info(conn_) : ""; }

    std::string default_schema() override { return s_.database; }

    // ---- catalog

    std::optional<TableInfo> describe(const TableName& table) override {
        const std::string where = "TABLE_SCHEMA = " + schema_literal(table) + " AND TABLE_NAME = " + literal_text(table.name);
        Result cols = query_result("SELECT COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE, EXTRA "
                                   "FROM information_schema.COLUMNS WHERE " + where + " ORDER BY ORDINAL_POSITION");
        TableInfo info;
        info.name = table;
        while (MYSQL_ROW row = mysql_fetch_row(cols.get())) {
            Column c;
            c.name = row[0];
            c.type = row[1];
            const std::string data_type = row[2];
            c.kind = kind_of_data_type(data_type, c.type);
            set_range(c, data_type, c.type.find("unsigned") != std::string::npos);
            c.nullable = std::string_view(row[3]) == "YES";
            c.writable = std::string_view(row[4] != nullptr ? row[4] : "").find("GENERATED") == std::string_view::npos;
            info.columns.push_back(std::move(c));
        }
        if (info.columns.empty()) return std::nullopt;
        // MariaDB's JSON is a longtext with a CHECK (json_valid(`c`)): a JSON string value
        // must arrive quoted there.
        Result checks = query_result("SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = " +
                                     schema_literal(table) + " AND TABLE_NAME = " + literal_text(table.name));
        while (MYSQL_ROW row = mysql_fetch_row(checks.get())) {
            const std::string_view clause = row[0] != nullptr ? row[0] : "";
            for (auto& c : info.columns)
                if (clause == "json_valid(`" + c.name + "`)") c.kind = ColumnKind::json;
        }
        Result engine = query_result("SELECT ENGINE FROM information_schema.TABLES WHERE " + where);
        if (MYSQL_ROW row = mysql_fetch_row(engine.get()); row != nullptr && row[0] != nullptr) info.engine = row[0];
        info.transactional = transactional_engine(info.engine);
        Result keys = query_result("SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE " + where +
                                   " AND NON_UNIQUE = 0 ORDER BY INDEX_NAME, SEQ_IN_INDEX");
        std::string current;
        while (MYSQL_ROW row = mysql_fetch_row(keys.get())) {
            if (info.unique_keys.empty() || current != row[0]) {
                current = row[0];
                info.unique_keys.emplace_back();
            }
            info.unique_keys.back().emplace_back(row[1]);
            if (current == "PRIMARY") info.primary_key = info.unique_keys.back();
        }
        return info;
    }

    std::string type_for(Inferred t, bool key_column) const override {
        switch (t) {
        case Inferred::boolean: return "BOOLEAN";
        case Inferred::integer: return "BIGINT";
        case Inferred::bignum: return "DECIMAL(65,0)";
        case Inferred::floating: return "DOUBLE";
        case Inferred::json: return "JSON";
        case Inferred::timestamp_tz:
        case Inferred::timestamp: return "DATETIME(6)";
        case Inferred::date: return "DATE";
        case Inferred::none:
        case Inferred::text: break;
        }
        return key_column ? "VARCHAR(255)" : "MEDIUMTEXT";  // a key needs a bounded length
    }

    void create_table(const TableName& table, const std::vector<NewColumn>& columns,
                      const std::vector<std::string>& primary_key) override {
        std::string sql = "CREATE TABLE IF NOT EXISTS " + quote_table(table) + " (";
        for (std::size_t i = 0; i < columns.size(); ++i) {
            if (i) sql += ", ";
            sql += quote_identifier(columns[i].name) + " " + columns[i].type + (columns[i].not_null ? " NOT NULL" : " NULL");
        }
        if (!primary_key.empty()) {
            sql += ", PRIMARY KEY (";
            for (std::size_t i = 0; i < primary_key.size(); ++i) sql += (i ? ", " : "") + quote_identifier(primary_key[i]);
            sql += ")";
        }
        exec(sql + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
    }

    void add_columns(const TableName& table, const std::vector<NewColumn>& columns) override {
        std::string sql = "ALTER TABLE " + quote_table(table);
        for (std::size_t i = 0; i < columns.size(); ++i)
            sql += std::string(i ? "," : "") + " ADD COLUMN IF NOT EXISTS " + quote_identifier(columns[i].name) + " " +
                   columns[i].type + " NULL";
        exec(sql);
    }

    std::vector<std::string> missing_privileges(const TableName& table, const std::vector<std::string>& wanted) override {
        const auto held = privileges(table.schema, table.name);
        std::vector<std::string> missing;
        for (const auto& w : wanted)
            if (!held.count(w)) missing.push_back(w);
        return missing;
    }

    bool can_create_tables(const std::string& schema) override { return privileges(schema, "").count("CREATE") > 0; }

    // ---- transactions

    void begin() override { exec("START TRANSACTION"); }
    void commit() override { exec("COMMIT"); }
    void rollback() noexcept override {
        if (conn_ == nullptr) return;
        if (mysql_real_query(conn_, "ROLLBACK", 8) != 0) disconnect();
    }
    void savepoint() override { exec("SAVEPOINT sluice_isolate"); }
    void rollback_to_savepoint() override { exec("ROLLBACK TO SAVEPOINT sluice_isolate"); }
    void release_savepoint() override { exec("RELEASE SAVEPOINT sluice_isolate"); }

    // ---- writes

    // LOAD DATA LOCAL INFILE from memory: the server's bulk path. With LOCAL, MariaDB turns
    // conversion and duplicate-key errors into warnings and goes on, so any warning (not a
    // mere note) makes the rows refused here: the batch is rolled back and isolated. A server
    // that does not allow LOCAL gets multi-row INSERTs instead.
    void insert_rows(const TableInfo& table, const std::vector<const Column*>& columns, const RowSet& set,
                     std::span<const std::uint32_t> rows) override {
        if (rows.empty()) return;
        if (!local_infile_) {
            write_values("INSERT INTO " + quote_table(table.name) + " (" + column_list(columns) + ") VALUES ", "", columns,
                         set, rows);
            return;
        }
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
        if (!load_data(table, columns, once)) insert_rows(table, columns, set, rows);
    }

    // The rows as they are converted: the server reads the first ones (through the infile
    // handler, which asks `source` for more) while the next are converted.
    void insert_streamed(const TableInfo& table, const std::vector<const Column*>& columns, RowSource& source) override {
        if (!local_infile_ || !load_data(table, columns, source)) Database::insert_streamed(table, columns, source);
    }

    void upsert_rows(const TableInfo& table, const std::vector<const Column*>& columns, const std::vector<std::size_t>& key,
                     const RowSet& set, std::span<const std::uint32_t> rows) override {
        write_values("INSERT INTO " + quote_table(table.name) + " (" + column_list(columns) + ") VALUES ",
                     " " + on_conflict_update(key_names(columns, key), other_names(columns, key)), columns, set, rows);
    }

    void delete_rows(const TableInfo& table, const std::vector<const Column*>& columns, const RowSet& set,
                     std::span<const std::uint32_t> rows) override {
        write_values("DELETE FROM " + quote_table(table.name) + " WHERE (" + column_list(columns) + ") IN (", ")", columns, set,
                     rows);
    }

    // ---- offsets

    void ensure_offsets_table(const TableName& table) override {
        exec("CREATE TABLE IF NOT EXISTS " + quote_table(table) +
             " (connector VARCHAR(255) NOT NULL, topic VARCHAR(249) NOT NULL, `partition` INT NOT NULL, "
             "next_offset BIGINT NULL, PRIMARY KEY (connector, topic, `partition`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
    }

    std::string on_conflict_update(const std::vector<std::string>& key, const std::vector<std::string>& update) const override {
        std::string set;
        for (const auto& u : update) {
            const std::string q = quote_identifier(u);
            set += (set.empty() ? "" : ", ") + q + " = VALUES(" + q + ")";
        }
        if (set.empty()) set = quote_identifier(key.front()) + " = " + quote_identifier(key.front());  // the row stays
        return "ON DUPLICATE KEY UPDATE " + set;
    }

    // ---- reads

    std::unique_ptr<RowStream> query(const std::string& sql, bool streamed) override {
        require_connection();
        if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) throw error_of(conn_);
        Result result(streamed ? mysql_use_result(conn_) : mysql_store_result(conn_));
        if (!result) {
            if (mysql_errno(conn_) != 0) throw error_of(conn_);
            throw DbError(ErrorClass::fatal, "", "the statement returns no rows: " + sql.substr(0, 200));
        }
        return std::make_unique<MysqlStream>(*this, conn_, std::move(result), streamed);
    }

    char identifier_quote() const override { return '`'; }

    std::string literal(std::string_view canonical, ColumnKind kind) override {
        std::string out;
        append_literal(out, canonical, kind);
        return out;
    }

    std::string now_minus_ms(std::int64_t ms) const override {
        return "(CURRENT_TIMESTAMP(6) - INTERVAL " + std::to_string(ms * 1000) + " MICROSECOND)";
    }

    DbError error_of(MYSQL* m) {
        const unsigned number = mysql_errno(m);
        const std::string state = mysql_sqlstate(m);
        const std::string message = mysql_error(m);
        ErrorClass cls = classify_mysql_error(number, state);
        if (m == conn_ && (number == CR_SERVER_GONE_ERROR || number == CR_SERVER_LOST || number == CR_SERVER_LOST_EXTENDED ||
                           number == CR_CONNECTION_ERROR || number == CR_CONN_HOST_ERROR || number == CR_COMMANDS_OUT_OF_SYNC ||
                           number == 1927 || number == ER_SERVER_SHUTDOWN || number == 4031))
            disconnect();  // reconnect before the next statement
        return DbError(cls, std::to_string(number) + "/" + state, message + " [error " + std::to_string(number) + "]",
                       mysql_error_row(message));
    }

private:
    void require_connection() {
        if (conn_ == nullptr) throw DbError(ErrorClass::retriable, "", "not connected");
    }

    // LOAD DATA's text format: tab between cells, \\N for NULL, backslash escapes.
    static void append_infile_cell(std::string& out, const std::optional<std::string_view>& cell, ColumnKind kind) {
        if (!cell) {
            out += "\\N";
            return;
        }
        std::string_view text = *cell;
        std::string converted;
        if (kind == ColumnKind::boolean && (text == "true" || text == "false")) text = text == "true" ? "1" : "0";
        if (kind == ColumnKind::timestamp || kind == ColumnKind::timestamp_tz)
            if (auto wall = wall_time_from_iso(text)) {
                converted = std::move(*wall);
                text = converted;
            }
        std::size_t from = 0;
        for (std::size_t i = 0; i < text.size(); ++i) {
            const char c = text[i];
            if (c != '\\' && c != '\t' && c != '\n' && c != '\r' && c != '\0') continue;
            out.append(text.data() + from, i - from);
            out.push_back('\\');
            out.push_back(c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\0' ? '0' : '\\');
            from = i + 1;
        }
        out.append(text.data() + from, text.size() - from);
    }

    // The first warning (notes such as a decimal rounded to the column's scale are fine) as
    // an error refusing the data, with its row when it names one.
    void refuse_on_warnings() {
        Result r = query_result("SHOW WARNINGS");
        while (MYSQL_ROW row = mysql_fetch_row(r.get())) {
            const std::string level = row[0] != nullptr ? row[0] : "";
            const unsigned number = row[1] != nullptr ? static_cast<unsigned>(std::strtoul(row[1], nullptr, 10)) : 0;
            const std::string message = row[2] != nullptr ? row[2] : "";
            if (level == "Note") continue;
            throw DbError(ErrorClass::record, std::to_string(number), message + " [error " + std::to_string(number) + "]",
                          mysql_error_row(message));
        }
    }

    // One LOAD DATA of the rows `source` gives. False (nothing read from `source`) when the
    // server does not allow LOCAL: the caller falls back to INSERTs.
    bool load_data(const TableInfo& table, const std::vector<const Column*>& columns, RowSource& source) {
        stream_ = Stream{};
        stream_.source = &source;
        stream_.columns = &columns;
        infile_.clear();
        infile_at_ = 0;
        const std::string sql = "LOAD DATA LOCAL INFILE 'sluice-batch' INTO TABLE " + quote_table(table.name) +
                                " CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' "
                                "LINES TERMINATED BY '\\n' (" + column_list(columns) + ")";
        require_connection();
        const int failed = mysql_real_query(conn_, sql.data(), sql.size());
        Stream done = stream_;
        stream_ = Stream{};
        if (infile_.capacity() > (32u << 20)) std::string().swap(infile_);
        if (done.error) std::rethrow_exception(done.error);
        if (failed != 0) {
            const unsigned number = mysql_errno(conn_);
            if (!done.pulled && (number == ER_NOT_ALLOWED_COMMAND || number == 4166 /* ER_LOAD_INFILE_CAPABILITY_DISABLED */)) {
                local_infile_ = false;  // LOCAL is off on this server or connection
                return false;
            }
            throw error_of(conn_);
        }
        const auto written = mysql_affected_rows(conn_);
        if (mysql_warning_count(conn_) > 0) refuse_on_warnings();
        if (written != done.rows)
            throw DbError(ErrorClass::record, "", "LOAD DATA wrote " + std::to_string(written) + " of " + std::to_string(done.rows) +
                                                      " rows");
        return true;
    }

    static int infile_init(void** state, const char*, void* self) {
        *state = self;
        return 0;
    }
    // Called by the client library during LOAD DATA: serves the encoded rows, asking the
    // source for the next chunk when they are all sent. No exception may cross the C
    // library: one is kept and thrown once the statement has returned.
    static int infile_read(void* state, char* buffer, unsigned int length) {
        auto* db = static_cast<MysqlDatabase*>(state);
        Stream& s = db->stream_;
        try {
            while (db->infile_at_ == db->infile_.size()) {
                db->infile_.clear();
                db->infile_at_ = 0;
                const RowSet* set = nullptr;
                std::span<const std::uint32_t> rows;
                if (s.source == nullptr || !s.source->next(set, rows)) return 0;  // the end of the file
                s.pulled = true;
                for (std::uint32_t row : rows) {
                    for (std::size_t c = 0; c < s.columns->size(); ++c) {
                        if (c) db->infile_.push_back('\t');
                        append_infile_cell(db->infile_, set->cell(row, c), (*s.columns)[c]->kind);
                    }
                    db->infile_.push_back('\n');
                }
                s.rows += rows.size();
            }
        } catch (...) {
            s.error = std::current_exception();
            return -1;
        }
        const std::size_t n = std::min<std::size_t>(length, db->infile_.size() - db->infile_at_);
        std::memcpy(buffer, db->infile_.data() + db->infile_at_, n);
        db->infile_at_ += n;
        return static_cast<int>(n);
    }
    static void infile_end(void*) {}
    static int infile_error(void*, char* message, unsigned int length) {
        std::snprintf(message, length, "sluice: reading the batch failed");
        return 2000;
    }

public:
    void execute(const std::string& sql) override { exec(sql); }

private:
    void exec(const std::string& sql) {
        require_connection();
        if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) throw error_of(conn_);
        // A statement that returned rows anyway: read them away.
        if (MYSQL_RES* r = mysql_store_result(conn_)) mysql_free_result(r);
        else if (mysql_field_count(conn_) != 0) throw error_of(conn_);
    }

    Result query_result(const std::string& sql) {
        require_connection();
        if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) throw error_of(conn_);
        Result r(mysql_store_result(conn_));
        if (!r) throw error_of(conn_);
        return r;
    }

    void append_escaped(std::string& out, std::string_view text) {
        const std::size_t at = out.size();
        out.resize(at + text.size() * 2 + 1);
        const unsigned long n = mysql_real_escape_string(conn_, out.data() + at, text.data(), text.size());
        out.resize(at + n);
    }

    void append_literal(std::string& out, const std::optional<std::string_view>& cell, ColumnKind kind) {
        require_connection();
        if (!cell) {
            out += "NULL";
            return;
        }
        switch (kind) {
        case ColumnKind::integer:
        case ColumnKind::decimal:
        case ColumnKind::floating:
            if (is_json_number(*cell)) {  // validated numbers go as they are (NaN and the like as text: refused)
                out += *cell;
                return;
            }
            break;
        case ColumnKind::boolean:
            if (*cell == "true" || *cell == "false") {
                out += *cell == "true" ? "1" : "0";
                return;
            }
            break;
        case ColumnKind::binary:
            if (cell->empty()) out += "''";
            else out += "X'" + hex_encode(*cell) + "'";
            return;
        case ColumnKind::timestamp:
        case ColumnKind::timestamp_tz:
            if (auto wall = wall_time_from_iso(*cell)) {  // a cursor's ISO 8601 text
                out += "'" + *wall + "'";
                return;
            }
            break;
        default: break;
        }
        out.push_back('\'');
        append_escaped(out, *cell);
        out.push_back('\'');
    }

    // Rows as "(v, v, ...)" joined by commas after `head`, `tail` after them; one statement
    // per statement_bytes_. A row the server names ("at row N") is reported relative to
    // `rows` as a whole.
    void write_values(const std::string& head, const std::string& tail, const std::vector<const Column*>& columns,
                      const RowSet& set, std::span<const std::uint32_t> rows) {
        std::string& sql = statement_;
        std::size_t first_row = 0;
        sql = head;
        for (std::size_t r = 0; r < rows.size(); ++r) {
            if (r > first_row) sql.push_back(',');
            sql.push_back('(');
            for (std::size_t c = 0; c < columns.size(); ++c) {
                if (c) sql.push_back(',');
                append_literal(sql, set.cell(rows[r], c), columns[c]->kind);
            }
            sql.push_back(')');
            if (sql.size() >= statement_bytes_ || r + 1 == rows.size()) {
                sql += tail;
                run_rows(sql, first_row);
                first_row = r + 1;
                sql = head;
            }
        }
        if (statement_.capacity() > (32u << 20)) std::string().swap(statement_);
    }

    void run_rows(const std::string& sql, std::size_t first_row) {
        require_connection();
        if (mysql_real_query(conn_, sql.data(), sql.size()) == 0) return;
        DbError e = error_of(conn_);
        if (e.row()) throw DbError(e.error_class(), e.code(), e.what(), *e.row() + first_row);
        throw e;
    }

    std::string schema_literal(const TableName& t) {
        return t.schema.empty() ? std::string("DATABASE()") : literal_text(t.schema);
    }

    std::string literal_text(std::string_view text) {
        require_connection();
        std::string out = "'";
        append_escaped(out, text);
        return out + "'";
    }

    // Privileges of the current user on a table (or, with no table, a schema), as the
    // information_schema privilege views list them (global, schema, table level).
    std::set<std::string> privileges(const std::string& schema, const std::string& table) {
        const std::string grantee =
            "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";
        const std::string s = schema.empty() ? std::string("DATABASE()") : literal_text(schema);
        std::string sql = "SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = " + grantee +
                          " UNION SELECT PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = " + grantee +
                          " AND TABLE_SCHEMA = " + s;
        if (!table.empty())
            sql += " UNION SELECT PRIVILEGE_TYPE FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = " + grantee +
                   " AND TABLE_SCHEMA = " + s + " AND TABLE_NAME = " + literal_text(table);
        std::set<std::string> out;
        Result r = query_result(sql);
        while (MYSQL_ROW row = mysql_fetch_row(r.get())) out.emplace(row[0]);
        return out;
    }

    std::string column_list(const std::vector<const Column*>& columns) const {
        std::string out;
        for (const Column* c : columns) out += (out.empty() ? "" : ", ") + quote_identifier(c->name);
        return out;
    }

    ConnectionSettings s_;
    MYSQL* conn_ = nullptr;
    std::size_t statement_bytes_ = 4u << 20;
    std::string statement_;
    bool local_infile_ = true;  // LOAD DATA LOCAL works on this server
    std::string infile_;        // encoded rows LOAD DATA reads, from infile_at_ on
    std::size_t infile_at_ = 0;
    struct Stream {  // the LOAD DATA in progress
        RowSource* source = nullptr;
        const std::vector<const Column*>* columns = nullptr;
        std::size_t rows = 0;
        bool pulled = false;
        std::exception_ptr error;
    };
    Stream stream_;
};

MysqlStream::MysqlStream(MysqlDatabase& db, MYSQL* conn, Result result, bool streamed)
    : db_(db), conn_(conn), result_(std::move(result)), streamed_(streamed) {
    const unsigned n = mysql_num_fields(result_.get());
    const MYSQL_FIELD* fields = mysql_fetch_fields(result_.get());
    for (unsigned i = 0; i < n; ++i) columns_.push_back({fields[i].name, kind_of_field(fields[i])});
}

bool MysqlStream::next(std::vector<std::optional<std::string_view>>& cells) {
    if (done_) return false;
    MYSQL_ROW row = mysql_fetch_row(result_.get());
    if (row == nullptr) {
        done_ = true;
        if (mysql_errno(conn_) != 0) {
            DbError e = db_.error_of(conn_);
            result_.reset();
            throw e;
        }
        return false;
    }
    const unsigned long* lengths = mysql_fetch_lengths(result_.get());
    cells.resize(columns_.size());
    for (std::size_t c = 0; c < columns_.size(); ++c)
        cells[c] = row[c] == nullptr ? std::nullopt : std::optional<std::string_view>(std::string_view(row[c], lengths[c]));
    return true;
}

MysqlStream::~MysqlStream() {
    if (streamed_ && !done_ && db_.connected()) {
        // Stopped early: freeing a streamed result would read every remaining row; closing
        // the connection ends it at once (the next statement reconnects).
        result_->handle = nullptr;  // free the rows read so far without reading the rest
        result_.reset();
        db_.disconnect();
    }
}

}  // namespace

std::unique_ptr<Database> make_mysql(const ConnectionSettings& settings) { return std::make_unique<MysqlDatabase>(settings); }

}  // namespace sluice::sql
