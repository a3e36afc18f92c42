#include "options.hpp"

#include "sql.hpp"

namespace sluice::clickhouse {
namespace {

config_kit::Spec<SinkOptions> make_spec() {
    using S = SinkOptions;
    config_kit::Spec<S> k;
    k.key("url", [](S& s) -> auto& { return s.connection.url; }, "ClickHouse's HTTP interface, e.g. http://127.0.0.1:8123 (no path, no query)").required();
    k.key("database", &S::database, "Database of the table").default_value("default");
    k.key("table", &S::table, "Table the rows are inserted into").required();
    k.key("user", [](S& s) -> auto& { return s.connection.user; }, "ClickHouse user; empty: no credentials sent (the server's default user)").default_value("default");
    k.key("password", [](S& s) -> auto& { return s.connection.password; }, "Password of the user").default_value("").secret();
    k.choice("auth", [](S& s) -> auto& { return s.connection.auth; }, {{"basic", AuthMode::basic}, {"headers", AuthMode::headers}},
             "How credentials are sent: basic (HTTP basic authentication) or headers (X-ClickHouse-User / X-ClickHouse-Key)").default_value(AuthMode::basic);
    k.declare("format", SLUICE_CONFIG_STRING, "Insert format. JSONEachRow: each record value is one JSON object, one row (RowBinary is not implemented yet)").default_value("JSONEachRow").one_of({"JSONEachRow"});
    k.key("batch.max.rows", &S::max_rows, "Rows buffered before an insert (all partitions together); at most 1048576 with exactly.once, so that each insert is atomic").default_value(100000).between(1, 100000000);
    k.key("batch.max.bytes", &S::max_bytes, "Record bytes buffered before an insert (all partitions together)").default_value(16777216).between(1024, 4294967296.0);
    k.key("batch.max.ms", &S::max_age, "Age of the oldest buffered record that triggers an insert at the next batch; the worker's offset flush inserts the rest").default_value(1000).between(0, 3600000);
    k.key("auto.create", &S::create_table, "Create the table when missing: the declared columns plus _topic, _partition, _offset, MergeTree ordered by (_topic, _partition, _offset)").default_value(false).deprecated("create_table");
    k.key("columns", &S::columns, "Column declarations for auto.create, e.g. [\"sensor String\", \"ts DateTime\"]");
    k.key("exactly.once", &S::exactly_once, "Resume each partition after the highest _offset in the table and never insert a row twice (the table needs _topic, _partition, _offset)").default_value(true).deprecated("exactly_once");
    k.key("coordinates", &S::coordinates, "Add _topic, _partition, _offset to every row (required by exactly.once)").default_value(true);
    k.key("insert.settings", &S::insert_settings, "ClickHouse settings sent with every insert, e.g. {date_time_input_format: best_effort}").deprecated("insert_settings");
    k.key("gzip.min.bytes", [](S& s) -> auto& { return s.connection.gzip_min_bytes; }, "Insert bodies of at least this size are sent gzip-compressed; 0: never").default_value(1048576).at_least(0);
    k.key("request.timeout.ms", [](S& s) -> auto& { return s.connection.timeout; }, "Timeout of one HTTP request (connect included)").default_value(30000).between(100, 3600000).deprecated("timeout.ms");

    k.check("url", [](const S& s) {
        const std::string& url = s.connection.url;
        if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
            return "url must start with http:// or https:// (got '" + url + "')";
        if (url.find('?') != std::string::npos)
            return "url must not carry a query; put settings in insert.settings (got '" + url + "')";
        return std::string();
    });
    k.rule("database", "database must not be empty", [](const S& s) { return s.database.empty(); });
    k.rule("table", "table must not be empty", [](const S& s) { return s.table.empty(); });
    k.rule("exactly.once", "exactly.once needs coordinates: true (the _offset column is how the sink knows what is stored)",
           [](const S& s) { return s.exactly_once && !s.coordinates; });
    k.check("batch.max.rows", [](const S& s) {
        return s.exactly_once && static_cast<std::int64_t>(s.max_rows) > kAtomicInsertRows
                   ? "batch.max.rows is " + std::to_string(s.max_rows) + "; with exactly.once it must be at most " +
                         std::to_string(kAtomicInsertRows) + " so that every insert is one atomic block"
                   : std::string();
    });
    k.rule("auto.create", "auto.create needs columns, e.g. columns: [\"sensor String\", \"ts DateTime\"]",
           [](const S& s) { return s.create_table && s.columns.empty(); });
    k.check("columns", [](const S& s) {
        for (std::size_t i = 0; i < s.columns.size(); ++i)
            if (auto problem = column_problem(s.columns[i]); !problem.empty())
                return "columns[" + std::to_string(i) + "] '" + s.columns[i] + "': " + problem;
        return std::string();
    });
    k.check("insert.settings", [](const S& s) {
        for (const auto& [name, value] : s.insert_settings) {
            (void)value;
            if (name == "query" || name == "database" || name == "user" || name == "password")
                return "insert.settings: '" + name + "' is not a setting (use the url, database, user, password keys)";
        }
        return std::string();
    });
    return k;
}

}  // namespace

const config_kit::Spec<SinkOptions>& SinkOptions::spec() {
    static const config_kit::Spec<SinkOptions> s = make_spec();
    return s;
}

SinkOptions SinkOptions::from(const Config& config) { return spec().parse(config); }

std::string SinkOptions::where() const {
    return qualified(database, table) + " at " + http::redact_url(connection.url);
}

}  // namespace sluice::clickhouse
