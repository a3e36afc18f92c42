#include "options.hpp"

#include "sql.hpp"

namespace sluice::clickhouse {

std::vector<ConfigKey> SinkOptions::keys() {
    std::vector<ConfigKey> k;
    k.push_back(ConfigKey::string("url", "ClickHouse's HTTP interface, e.g. http://127.0.0.1:8123 (no path, no query)").required());
    k.push_back(ConfigKey::string("database", "Database of the table").default_value("default"));
    k.push_back(ConfigKey::string("table", "Table the rows are inserted into").required());
    k.push_back(ConfigKey::string("user", "ClickHouse user; empty: no credentials sent (the server's default user)")
                    .default_value("default"));
    k.push_back(ConfigKey::string("password", "Password of the user").default_value("").secret());
    k.push_back(ConfigKey::string("auth", "How credentials are sent: basic (HTTP basic authentication) or headers "
                                          "(X-ClickHouse-User / X-ClickHouse-Key)")
                    .default_value("basic")
                    .one_of({"basic", "headers"}));
    k.push_back(ConfigKey::string("format", "Insert format. JSONEachRow: each record value is one JSON object, one row "
                                            "(RowBinary is not implemented yet)")
                    .default_value("JSONEachRow")
                    .one_of({"JSONEachRow"}));
    k.push_back(ConfigKey::integer("batch.max.rows", "Rows buffered before an insert (all partitions together); at most "
                                                     "1048576 with exactly.once, so that each insert is atomic")
                    .default_value("100000")
                    .between(1, 100000000));
    k.push_back(ConfigKey::integer("batch.max.bytes", "Record bytes buffered before an insert (all partitions together)")
                    .default_value("16777216")
                    .between(1024, 4294967296.0));
    k.push_back(ConfigKey::integer("batch.max.ms", "Age of the oldest buffered record that triggers an insert at the next "
                                                   "batch; the worker's offset flush inserts the rest")
                    .default_value("1000")
                    .between(0, 3600000));
    k.push_back(ConfigKey::boolean("auto.create", "Create the table when missing: the declared columns plus _topic, "
                                                   "_partition, _offset, MergeTree ordered by (_topic, _partition, _offset)")
                    .default_value("false"));
    k.push_back(ConfigKey::list("columns", "Column declarations for auto.create, e.g. [\"sensor String\", \"ts DateTime\"]"));
    k.push_back(ConfigKey::boolean("exactly.once", "Resume each partition after the highest _offset in the table and never "
                                                   "insert a row twice (the table needs _topic, _partition, _offset)")
                    .default_value("true"));
    k.push_back(ConfigKey::boolean("coordinates", "Add _topic, _partition, _offset to every row (required by exactly.once)")
                    .default_value("true"));
    k.push_back(ConfigKey::map("insert.settings", "ClickHouse settings sent with every insert, e.g. "
                                                  "{date_time_input_format: best_effort}"));
    k.push_back(ConfigKey::integer("gzip.min.bytes", "Insert bodies of at least this size are sent gzip-compressed; 0: never")
                    .default_value("1048576")
                    .at_least(0));
    k.push_back(ConfigKey::integer("request.timeout.ms", "Timeout of one HTTP request (connect included)")
                    .default_value("30000")
                    .between(100, 3600000));
    // The names before Kafka Connect's convention, accepted for one release.
    return with_former_names(std::move(k), {
        {"auto.create", "create_table"},
        {"exactly.once", "exactly_once"},
        {"insert.settings", "insert_settings"},
        {"request.timeout.ms", "timeout.ms"},
    });
}

SinkOptions SinkOptions::from(const Config& config) {
    SinkOptions o;
    o.connection.url = config.string("url");
    const std::string& url = o.connection.url;
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
        throw FatalError("url must start with http:// or https:// (got '" + url + "')");
    if (url.find('?') != std::string::npos)
        throw FatalError("url must not carry a query; put settings in insert.settings (got '" + url + "')");
    o.connection.user = config.string("user");
    o.connection.password = config.string("password");
    o.connection.auth = config.string("auth") == "headers" ? AuthMode::headers : AuthMode::basic;
    o.connection.timeout = std::chrono::milliseconds(config.integer("request.timeout.ms"));
    o.connection.gzip_min_bytes = static_cast<std::size_t>(config.integer("gzip.min.bytes"));
    o.database = config.string("database");
    o.table = config.string("table");
    if (o.database.empty()) throw FatalError("database must not be empty");
    if (o.table.empty()) throw FatalError("table must not be empty");
    o.max_rows = static_cast<std::size_t>(config.integer("batch.max.rows"));
    o.max_bytes = static_cast<std::size_t>(config.integer("batch.max.bytes"));
    o.max_age = std::chrono::milliseconds(config.integer("batch.max.ms"));
    o.create_table = config.boolean("auto.create");
    o.columns = config.list("columns");
    o.exactly_once = config.boolean("exactly.once");
    o.coordinates = config.boolean("coordinates");
    o.insert_settings = config.map("insert.settings");
    if (o.exactly_once && !o.coordinates)
        throw FatalError("exactly.once needs coordinates: true (the _offset column is how the sink knows what is stored)");
    if (o.exactly_once && static_cast<std::int64_t>(o.max_rows) > kAtomicInsertRows)
        throw FatalError("batch.max.rows is " + std::to_string(o.max_rows) + "; with exactly.once it must be at most " +
                         std::to_string(kAtomicInsertRows) + " so that every insert is one atomic block");
    if (o.create_table && o.columns.empty())
        throw FatalError("auto.create needs columns, e.g. columns: [\"sensor String\", \"ts DateTime\"]");
    for (std::size_t i = 0; i < o.columns.size(); ++i)
        if (auto problem = column_problem(o.columns[i]); !problem.empty())
            throw FatalError("columns[" + std::to_string(i) + "] '" + o.columns[i] + "': " + problem);
    for (const auto& [name, value] : o.insert_settings) {
        (void)value;
        if (name == "query" || name == "database" || name == "user" || name == "password")
            throw FatalError("insert.settings: '" + name + "' is not a setting (use the url, database, user, password keys)");
    }
    return o;
}

std::string SinkOptions::where() const {
    return qualified(database, table) + " at " + http::redact_url(connection.url);
}

}  // namespace sluice::clickhouse
