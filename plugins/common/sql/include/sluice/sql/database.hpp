// One connection to a database, as the connectors use it. The core (sinks, sources) is
// written once against this interface; postgres/ (libpq) and mysql/ (MariaDB Connector/C)
// implement it with their bulk paths: COPY and a staging table for PostgreSQL, multi-row
// INSERT ... ON DUPLICATE KEY UPDATE for MariaDB. Every method throws DbError.
#pragma once

#include "sluice/sql/connection_settings.hpp"
#include "sluice/sql/errors.hpp"
#include "sluice/sql/schema.hpp"
#include "sluice/sql/values.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::sql {

// Converted rows: canonical cell texts (values.hpp) in one arena, `columns` cells a row.
class RowSet {
public:
    explicit RowSet(std::size_t columns = 0) : columns_(columns) {}
    // Empties the set, keeping its memory for the next batch (up to 64 MiB).
    void reset(std::size_t columns) {
        columns_ = columns;
        text_.clear();
        cells_.clear();
        if (text_.capacity() > (64u << 20)) std::string().swap(text_);
    }
    std::size_t columns() const { return columns_; }
    std::size_t rows() const { return columns_ == 0 ? 0 : cells_.size() / columns_; }
    std::size_t bytes() const { return text_.size(); }

    // A cell is written by appending to text() from `start = text().size()`, then
    // end_cell(start, present): present false is SQL NULL.
    std::string& text() { return text_; }
    void end_cell(std::size_t start, bool present) {
        cells_.push_back({static_cast<std::uint32_t>(start), present ? static_cast<std::int32_t>(text_.size() - start) : -1});
    }
    // Drops the cells of an unfinished last row (a conversion failed half-way).
    void drop_partial_row() {
        const std::size_t keep = rows() * columns_;
        if (cells_.size() > keep) {
            text_.resize(cells_[keep].offset);
            cells_.resize(keep);
        }
    }
    std::optional<std::string_view> cell(std::size_t row, std::size_t column) const {
        const Cell& c = cells_[row * columns_ + column];
        if (c.size < 0) return std::nullopt;
        return std::string_view(text_.data() + c.offset, static_cast<std::size_t>(c.size));
    }

private:
    struct Cell {
        std::uint32_t offset;
        std::int32_t size;  // -1: NULL
    };
    std::size_t columns_;
    std::string text_;
    std::vector<Cell> cells_;
};

// Rows converted on demand, a chunk at a time (a streamed insert).
class RowSource {
public:
    virtual ~RowSource() = default;
    // The next chunk: rows of `set` (valid until the next call). False when there is none.
    virtual bool next(const RowSet*& set, std::span<const std::uint32_t>& rows) = 0;
};

using PartitionKey = std::pair<std::string, std::int32_t>;  // topic, partition

// The names of columns[key[i]], and of the other columns (an upsert's SET list).
std::vector<std::string> key_names(const std::vector<const Column*>& columns, const std::vector<std::size_t>& key);
std::vector<std::string> other_names(const std::vector<const Column*>& columns, const std::vector<std::size_t>& key);

struct ResultColumn {
    std::string name;
    ColumnKind kind = ColumnKind::text;
};

// Rows of a query, read as they arrive (a bulk read of a big table is not held in memory).
class RowStream {
public:
    virtual ~RowStream() = default;
    virtual const std::vector<ResultColumn>& columns() const = 0;
    // The next row's cells as canonical text (nullopt: NULL); views valid until the next
    // call. False at the end.
    virtual bool next(std::vector<std::optional<std::string_view>>& cells) = 0;
};

class Database {
public:
    virtual ~Database() = default;
    virtual Dialect dialect() const = 0;

    // ---- connection
    virtual void connect() = 0;
    virtual void disconnect() noexcept = 0;
    virtual bool connected() const = 0;
    virtual std::string server_version() = 0;
    virtual std::string default_schema() = 0;  // current_schema() / DATABASE()

    // ---- catalog
    virtual std::optional<TableInfo> describe(const TableName& table) = 0;
    virtual std::string type_for(Inferred type, bool key_column) const = 0;
    virtual void create_table(const TableName& table, const std::vector<NewColumn>& columns,
                              const std::vector<std::string>& primary_key) = 0;
    virtual void add_columns(const TableName& table, const std::vector<NewColumn>& columns) = 0;
    // Of `wanted` (SELECT, INSERT, UPDATE, DELETE), those the user lacks on the table.
    virtual std::vector<std::string> missing_privileges(const TableName& table, const std::vector<std::string>& wanted) = 0;
    // True when the user may create tables in the schema ("" = the default).
    virtual bool can_create_tables(const std::string& schema) = 0;

    // ---- transactions (a failed statement inside one leaves it usable only through
    // rollback_to_savepoint or rollback)
    virtual void begin() = 0;
    virtual void commit() = 0;
    // Runs `statement`, then commits (in one round trip where the database allows it).
    virtual void commit_after(const std::string& statement) {
        execute(statement);
        commit();
    }
    virtual void rollback() noexcept = 0;  // best effort; a broken connection is closed
    virtual void savepoint() = 0;
    virtual void rollback_to_savepoint() = 0;
    virtual void release_savepoint() = 0;

    // ---- sink writes: rows[i] index `set`; cells in the order of `columns`
    virtual void insert_rows(const TableInfo& table, const std::vector<const Column*>& columns, const RowSet& set,
                             std::span<const std::uint32_t> rows) = 0;
    // The rows `source` converts, in one bulk statement when the database can take them as
    // they come (the default: one insert_rows per chunk).
    virtual void insert_streamed(const TableInfo& table, const std::vector<const Column*>& columns, RowSource& source) {
        const RowSet* set = nullptr;
        std::span<const std::uint32_t> rows;
        while (source.next(set, rows)) insert_rows(table, columns, *set, rows);
    }
    // `key` indexes into `columns`: the conflict target (upsert replaces every other column).
    virtual void upsert_rows(const TableInfo& table, const std::vector<const Column*>& columns,
                             const std::vector<std::size_t>& key, const RowSet& set, std::span<const std::uint32_t> rows) = 0;
    // `columns` are the key columns; each row of `set` one key.
    virtual void delete_rows(const TableInfo& table, const std::vector<const Column*>& columns, const RowSet& set,
                             std::span<const std::uint32_t> rows) = 0;

    // ---- exactly-once progress: the offsets table (offsets_table.hpp does the rest)
    virtual void ensure_offsets_table(const TableName& table) = 0;

    // ---- plain statements
    virtual void execute(const std::string& sql) = 0;
    // What makes an INSERT of existing `key` values update their row: the `update` columns
    // take the new values (none: the row stays as it is).
    virtual std::string on_conflict_update(const std::vector<std::string>& key,
                                           const std::vector<std::string>& update) const = 0;

    // ---- source reads
    // `streamed`: rows read as they arrive (an unbounded read); else the whole answer at once
    // (bounded pages: faster than a round of the client library per row).
    virtual std::unique_ptr<RowStream> query(const std::string& sql, bool streamed = true) = 0;
    // The name between the dialect's identifier quotes ("..." or `...`), a quote inside doubled.
    std::string quote_identifier(std::string_view name) const {
        const char q = identifier_quote();
        std::string out(1, q);
        for (char c : name) {
            if (c == q) out.push_back(q);
            out.push_back(c);
        }
        return out + q;
    }
    std::string quote_table(const TableName& table) const {
        return table.schema.empty() ? quote_identifier(table.name)
                                    : quote_identifier(table.schema) + "." + quote_identifier(table.name);
    }
    virtual char identifier_quote() const = 0;
    // A string literal of canonical text for a column of `kind` (timestamps: ISO 8601).
    virtual std::string literal(std::string_view canonical, ColumnKind kind) = 0;
    // The database clock minus `ms` milliseconds, as an SQL expression.
    virtual std::string now_minus_ms(std::int64_t ms) const = 0;
};

using DatabaseFactory = std::unique_ptr<Database> (*)(const ConnectionSettings&);

// A connection for a pre-flight check; FatalError ("<where>: cannot connect as ...") when
// the server cannot be reached or refuses the credentials. `where` names the server for the
// check's own messages.
std::unique_ptr<Database> connect_for_check(DatabaseFactory factory, const ConnectionSettings& settings, std::string& where);

}  // namespace sluice::sql
