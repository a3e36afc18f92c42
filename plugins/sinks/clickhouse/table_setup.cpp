#include "table_setup.hpp"

#include "sql.hpp"

#include <set>

namespace sluice::clickhouse {

namespace {

std::set<std::string> lines(const std::string& tsv) {
    std::set<std::string> out;
    std::size_t start = 0;
    while (start < tsv.size()) {
        std::size_t end = tsv.find('\n', start);
        if (end == std::string::npos) end = tsv.size();
        if (end > start) out.insert(tsv_unescape(std::string_view(tsv).substr(start, end - start)));
        start = end + 1;
    }
    return out;
}

std::set<std::string> table_columns(Connection& c, const SinkOptions& o) {
    return lines(c.query("SELECT name FROM system.columns WHERE database = " + quote_string(o.database) +
                         " AND table = " + quote_string(o.table) + " FORMAT TabSeparated"));
}

}  // namespace

ServerInfo prepare_table(Connection& connection, const SinkOptions& options, bool create) {
    ServerInfo info;
    std::string version = connection.query("SELECT version() FORMAT TabSeparated");
    while (!version.empty() && (version.back() == '\n' || version.back() == '\r')) version.pop_back();
    info.version = version;
    auto settings = lines(connection.query(
        "SELECT name FROM system.settings WHERE name IN ('insert_deduplication_token', 'input_format_parallel_parsing') "
        "FORMAT TabSeparated"));
    info.deduplication_token = settings.count("insert_deduplication_token") > 0;
    info.parallel_parsing = settings.count("input_format_parallel_parsing") > 0;

    auto columns = table_columns(connection, options);
    if (columns.empty()) {
        const auto databases = lines(connection.query("SELECT name FROM system.databases WHERE name = " +
                                                      quote_string(options.database) + " FORMAT TabSeparated"));
        if (databases.empty())
            throw FatalError("database " + quote_identifier(options.database) + " does not exist on " +
                             http::redact_url(options.connection.url));
        if (!options.create_table)
            throw FatalError("table " + options.where() +
                             " does not exist (create it, or set create_table: true with its columns)");
        if (!create) return info;  // the pre-flight check: it will be created
        connection.query(create_table_sql(options.database, options.table, options.columns));
        columns = table_columns(connection, options);
        if (columns.empty()) throw FatalError("table " + options.where() + " is still missing after CREATE TABLE");
    }
    if (options.coordinates) {
        std::string missing;
        for (const char* name : {"_topic", "_partition", "_offset"})
            if (!columns.count(name)) missing += (missing.empty() ? "" : ", ") + std::string(name);
        if (!missing.empty())
            throw FatalError("table " + options.where() + " has no " + missing + " column" +
                             (missing.find(',') != std::string::npos ? "s" : "") +
                             ": add _topic String, _partition Int32, _offset Int64 (exactly_once reads them back), "
                             "or set exactly_once: false and coordinates: false");
    }
    return info;
}

}  // namespace sluice::clickhouse
