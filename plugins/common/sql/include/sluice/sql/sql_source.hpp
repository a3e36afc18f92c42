// The source both SQL plugins are: each task reads its share of table.whitelist (table i
// goes to task i % tasks), or the one query (task 0), page by page (batch.max.rows rows,
// ordered by the mode's columns), streaming each page into records: the value a JSON object
// of the row (values.hpp maps the types), the key a JSON object of the key columns, the
// source partition {"database":..,"table":..} (or "query"), the offset the cursor
// (source_cursor.hpp). A full page is followed at once by the next; a short one means the
// table is caught up, and it is read again after poll.interval.ms.
#pragma once

#include "sluice/sql/database.hpp"
#include "sluice/sql/source_cursor.hpp"
#include "sluice/sql/source_settings.hpp"
#include "sluice/sql/sql_sink.hpp"

#include <sluice/sdk.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sluice::sql {

class SqlSource : public Source {
public:
    SqlSource(const Config& config, TaskContext& context, Dialect dialect, DatabaseFactory factory);
    ~SqlSource() override;

    // Pre-flight: the server answers, the credentials work, each table (or the query) can
    // be read and has the columns the mode needs, of usable types.
    static void check(const Config& config, Dialect dialect, DatabaseFactory factory);

    void poll(RecordWriter& out, std::chrono::milliseconds timeout) override;

private:
    using Clock = std::chrono::steady_clock;

    struct Target {
        std::optional<TableName> table;  // else the query
        std::string partition;           // {"database":..,"table":..} / {"database":..,"query":..}
        std::string topic;               // empty: the connector's
        SourceCursor cursor;
        std::vector<std::string> key_columns;
        CursorColumns kinds;    // of the cursor's columns, for literals
        bool resolved = false;  // columns checked (at the first page)
        Clock::time_point due = Clock::now();
        std::string display() const;
    };
    struct Page {
        std::size_t target = 0;
        std::unique_ptr<RowStream> stream;
        std::size_t rows = 0;
        bool bounded = true;  // has a LIMIT
        // Where the cursor's columns are in the result (found from the first page's columns).
        int timestamp_at = -1, incrementing_at = -1;
        std::vector<int> key_at;
    };

    void ensure_connected();
    void resolve(Target& t);
    void open_page(std::size_t target);
    std::string page_sql(Target& t, bool& bounded);
    void read_page(RecordWriter& out, Clock::time_point deadline);
    [[noreturn]] void raise(const DbError& e, const std::string& doing);

    SourceSettings settings_;
    Dialect dialect_;
    TaskContext& context_;
    std::unique_ptr<Database> db_;
    std::vector<Target> targets_;
    std::optional<Page> page_;
    std::size_t next_target_ = 0;
    std::vector<std::optional<std::string_view>> cells_;
    std::size_t rows_emitted_ = 0, pages_ = 0;
    bool announced_ = false;
};

}  // namespace sluice::sql
