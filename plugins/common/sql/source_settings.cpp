#include "sluice/sql/source_settings.hpp"

#include <cctype>

namespace sluice::sql {

const char* mode_name(SourceMode mode) {
    switch (mode) {
    case SourceMode::bulk: return "bulk";
    case SourceMode::incrementing: return "incrementing";
    case SourceMode::timestamp: return "timestamp";
    case SourceMode::timestamp_incrementing: return "timestamp+incrementing";
    }
    return "?";
}

std::vector<ConfigKey> SourceSettings::keys(Dialect d) {
    std::vector<ConfigKey> k;
    ConnectionSettings::declare(k, d, false);
    k.push_back(ConfigKey::string("mode", "bulk: the whole table at every poll; incrementing: rows with a larger "
                                          "incrementing.column.name; timestamp: rows with a newer timestamp.column.name; "
                                          "timestamp+incrementing: both (the exact mode)")
                    .required()
                    .one_of({"bulk", "incrementing", "timestamp", "timestamp+incrementing"}));
    k.push_back(ConfigKey::list("table.whitelist", "Tables to read ([schema.]table); each is a source partition. Or query"));
    k.push_back(ConfigKey::string("query", "One SELECT to read instead of tables (the mode's condition is applied around it)"));
    k.push_back(ConfigKey::string("incrementing.column.name", "A strictly increasing integer column (id, serial)"));
    k.push_back(ConfigKey::string("timestamp.column.name", "The column holding when a row was written or changed"));
    k.push_back(ConfigKey::integer("timestamp.delay.interval.ms", "Rows are read only once their timestamp is this much "
                                                                  "older than the database clock, so that transactions "
                                                                  "committing late still land")
                    .default_value("0")
                    .between(0, 86400000));
    k.push_back(ConfigKey::integer("poll.interval.ms", "Wait before reading a table again once it has no new rows")
                    .default_value("5000")
                    .between(10, 86400000));
    k.push_back(ConfigKey::integer("batch.max.rows", "Rows per query (a page); the next page follows at once")
                    .default_value("1000")
                    .between(1, 1000000));
    k.push_back(ConfigKey::list("key.fields", "Columns forming the record key (default: the table's primary key; none "
                                              "for a query): a JSON object of them"));
    k.push_back(ConfigKey::string("topic.prefix", "Write each table's rows to <prefix><table> instead of the connector's "
                                                  "topic"));
    return k;
}

namespace {

// Every key but the connection's (whose URL may be unusable while the rest is checked).
SourceSettings parse(const Config& config) {
    SourceSettings s;
    const std::string mode = config.string("mode");
    s.mode = mode == "incrementing"             ? SourceMode::incrementing
             : mode == "timestamp"              ? SourceMode::timestamp
             : mode == "timestamp+incrementing" ? SourceMode::timestamp_incrementing
                                                : SourceMode::bulk;
    for (const auto& t : config.list("table.whitelist")) s.tables.push_back(TableName::parse(t));
    s.query = config.string_or("query", "");
    s.incrementing_column = config.string_or("incrementing.column.name", "");
    s.timestamp_column = config.string_or("timestamp.column.name", "");
    s.delay = std::chrono::milliseconds(config.integer("timestamp.delay.interval.ms"));
    s.poll_interval = std::chrono::milliseconds(config.integer("poll.interval.ms"));
    s.batch_max_rows = static_cast<std::size_t>(config.integer("batch.max.rows"));
    s.key_fields = config.list("key.fields");
    s.topic_prefix = config.string_or("topic.prefix", "");
    return s;
}

}  // namespace

SourceSettings SourceSettings::from(const Config& config, Dialect d) {
    SourceSettings s = parse(config);
    s.connection = ConnectionSettings::from(config, d);
    s.validate();
    return s;
}

void SourceSettings::validate(const Config& config, Dialect d, ConfigProblems& out) {
    auto found = ConnectionSettings::problems(config, d);
    for (auto& p : parse(config).problems()) found.push_back(std::move(p));
    report(found, out);
}

void SourceSettings::validate() const { throw_first(problems()); }

std::vector<SettingsProblem> SourceSettings::problems() const {
    std::vector<SettingsProblem> out;
    auto add = [&](const char* key, std::string message) { out.push_back({key, std::move(message)}); };
    const std::string m = std::string("mode ") + mode_name(mode);
    if (tables.empty() && query.empty()) add("", "give the tables to read (table.whitelist) or one query");
    if (!tables.empty() && !query.empty()) add("query", "table.whitelist and query exclude each other: give one of them");
    for (const auto& t : tables)
        if (t.name.empty()) {
            add("table.whitelist", "table.whitelist: an empty table name");
            break;
        }
    if (uses_incrementing() && incrementing_column.empty()) add("mode", m + " needs incrementing.column.name (e.g. id)");
    if (uses_timestamp() && timestamp_column.empty()) add("mode", m + " needs timestamp.column.name (e.g. updated_at)");
    if (!uses_incrementing() && !incrementing_column.empty())
        add("incrementing.column.name", "incrementing.column.name is set but " + m + " does not use it");
    if (!uses_timestamp() && !timestamp_column.empty())
        add("timestamp.column.name", "timestamp.column.name is set but " + m + " does not use it");
    if (!uses_timestamp() && delay.count() > 0)
        add("timestamp.delay.interval.ms", std::string("timestamp.delay.interval.ms applies to the timestamp modes, not ") + mode_name(mode));
    if (mode == SourceMode::timestamp && !query.empty() && key_fields.empty())
        add("key.fields", "mode timestamp over a query needs key.fields: the columns telling rows of one timestamp apart");
    if (!query.empty()) {
        std::string head;
        for (char c : query.substr(0, 10)) head.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        const auto start = head.find_first_not_of(" \t\n(");
        if (start == std::string::npos || (head.compare(start, 6, "select") != 0 && head.compare(start, 4, "with") != 0))
            add("query", "query: expected a SELECT statement");
        else if (query.find(';') != std::string::npos)
            add("query", "query: one statement, without ';'");
    }
    return out;
}

}  // namespace sluice::sql
