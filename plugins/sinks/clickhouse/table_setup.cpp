#include "table_setup.hpp"

#include "sql.hpp"

#include <set>
#include <stdexcept>
#include <string_view>

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

// Reads the table's engine and PARTITION BY from system.tables: the partition_key column
// where the server has it (18.x and later), else parsed from engine_full.
void read_layout(Connection& c, const SinkOptions& o, ServerInfo& info) {
    const auto has = lines(c.query("SELECT name FROM system.columns WHERE database = 'system' AND table = 'tables' "
                                   "AND name IN ('partition_key', 'engine_full') FORMAT TabSeparated"));
    const std::string key_column = has.count("partition_key")  ? "partition_key"
                                   : has.count("engine_full") ? "engine_full"
                                                              : "";
    const std::string answer =
        c.query("SELECT engine" + (key_column.empty() ? std::string() : ", " + key_column) +
                " FROM system.tables WHERE database = " + quote_string(o.database) + " AND name = " + quote_string(o.table) +
                " FORMAT TabSeparated");
    std::string_view line(answer);
    if (const auto nl = line.find('\n'); nl != std::string_view::npos) line = line.substr(0, nl);
    const auto tab = line.find('\t');
    info.engine = tsv_unescape(line.substr(0, tab));
    if (key_column.empty() || tab == std::string_view::npos) return;  // unknown: treated as partitioned
    const std::string field = tsv_unescape(line.substr(tab + 1));
    info.partition_key = key_column == "partition_key" ? field : partition_key_from_engine_full(field);
}

}  // namespace

bool ServerInfo::one_part_per_insert() const {
    const std::string_view suffix = "MergeTree";
    return partition_key && partition_key_is_constant(*partition_key) && engine.size() >= suffix.size() &&
           engine.compare(engine.size() - suffix.size(), suffix.size(), suffix) == 0;
}

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
    // The block size the inserts get: the user's insert_settings win over the profile's.
    std::string block_size;
    for (const auto& [name, value] : options.insert_settings)
        if (name == "max_insert_block_size") block_size = value;
    if (block_size.empty()) {
        block_size = connection.query("SELECT value FROM system.settings WHERE name = 'max_insert_block_size' FORMAT TabSeparated");
        while (!block_size.empty() && (block_size.back() == '\n' || block_size.back() == '\r')) block_size.pop_back();
    }
    if (!block_size.empty()) {
        try {
            const unsigned long long n = std::stoull(block_size);
            if (n > 0) info.max_insert_block_size = static_cast<std::size_t>(n);
        } catch (const std::exception&) {
            throw FatalError("max_insert_block_size of " + http::redact_url(options.connection.url) + " is '" +
                             block_size + "', expected a positive number of rows");
        }
    }

    auto columns = table_columns(connection, options);
    if (columns.empty()) {
        const auto databases = lines(connection.query("SELECT name FROM system.databases WHERE name = " +
                                                      quote_string(options.database) + " FORMAT TabSeparated"));
        if (databases.empty())
            throw FatalError("database " + quote_identifier(options.database) + " does not exist on " +
                             http::redact_url(options.connection.url));
        if (!options.create_table)
            throw FatalError("table " + options.where() +
                             " does not exist (create it, or set auto.create: true with its columns)");
        if (!create) return info;  // the pre-flight check: it will be created
        connection.query(create_table_sql(options.database, options.table, options.columns));
        columns = table_columns(connection, options);
        if (columns.empty()) throw FatalError("table " + options.where() + " is still missing after CREATE TABLE");
    }
    read_layout(connection, options, info);
    if (options.coordinates) {
        std::string missing;
        for (const char* name : {"_topic", "_partition", "_offset"})
            if (!columns.count(name)) missing += (missing.empty() ? "" : ", ") + std::string(name);
        if (!missing.empty())
            throw FatalError("table " + options.where() + " has no " + missing + " column" +
                             (missing.find(',') != std::string::npos ? "s" : "") +
                             ": add _topic String, _partition Int32, _offset Int64 (exactly.once reads them back), "
                             "or set exactly.once: false and coordinates: false");
    }
    return info;
}

}  // namespace sluice::clickhouse
