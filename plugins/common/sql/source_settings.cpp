#include "sluice/sql/source_settings.hpp"

#include <algorithm>
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

namespace {

config_kit::Spec<SourceSettings> make_source_spec(Dialect d) {
    using S = SourceSettings;
    config_kit::Spec<S> k;
    k.include(ConnectionSettings::spec(d, false), [](S& s) -> ConnectionSettings& { return s.connection; });
    k.choice("mode", &S::mode, {{"bulk", SourceMode::bulk}, {"incrementing", SourceMode::incrementing}, {"timestamp", SourceMode::timestamp},
                                {"timestamp+incrementing", SourceMode::timestamp_incrementing}},
             "bulk: the whole table at every poll; incrementing: rows with a larger incrementing.column.name; timestamp: rows with a newer timestamp.column.name; timestamp+incrementing: both (the exact mode)")
        .required();
    k.custom("table.whitelist", SLUICE_CONFIG_LIST, "Tables to read ([schema.]table); each is a source partition. Or query",
             [](S& s, const Config& c) { for (const auto& t : c.list("table.whitelist")) s.tables.push_back(TableName::parse(t)); });
    k.key("query", &S::query, "One SELECT to read instead of tables (the mode's condition is applied around it)");
    k.key("incrementing.column.name", &S::incrementing_column, "A strictly increasing integer column (id, serial)");
    k.key("timestamp.column.name", &S::timestamp_column, "The column holding when a row was written or changed");
    k.key("timestamp.delay.interval.ms", &S::delay, "Rows are read only once their timestamp is this much older than the database clock, so that transactions committing late still land").default_value(0).between(0, 86400000);
    k.key("poll.interval.ms", &S::poll_interval, "Wait before reading a table again once it has no new rows").default_value(5000).between(10, 86400000);
    k.key("batch.max.rows", &S::batch_max_rows, "Rows per query (a page); the next page follows at once").default_value(1000).between(1, 1000000);
    k.key("key.fields", &S::key_fields, "Columns forming the record key (default: the table's primary key; none for a query): a JSON object of them");
    k.key("topic.prefix", &S::topic_prefix, "Write each table's rows to <prefix><table> instead of the connector's topic");

    // The rules between keys, in the order a reader checks them.
    k.rule("", "give the tables to read (table.whitelist) or one query", [](const S& s) { return s.tables.empty() && s.query.empty(); });
    k.rule("query", "table.whitelist and query exclude each other: give one of them", [](const S& s) { return !s.tables.empty() && !s.query.empty(); });
    k.rule("table.whitelist", "table.whitelist: an empty table name", [](const S& s) {
        return std::any_of(s.tables.begin(), s.tables.end(), [](const TableName& t) { return t.name.empty(); });
    });
    auto mode = [](const S& s) { return std::string("mode ") + mode_name(s.mode); };
    k.check("mode", [mode](const S& s) {
        return s.uses_incrementing() && s.incrementing_column.empty() ? mode(s) + " needs incrementing.column.name (e.g. id)" : std::string();
    });
    k.check("mode", [mode](const S& s) {
        return s.uses_timestamp() && s.timestamp_column.empty() ? mode(s) + " needs timestamp.column.name (e.g. updated_at)" : std::string();
    });
    k.check("incrementing.column.name", [mode](const S& s) {
        return !s.uses_incrementing() && !s.incrementing_column.empty()
                   ? "incrementing.column.name is set but " + mode(s) + " does not use it"
                   : std::string();
    });
    k.check("timestamp.column.name", [mode](const S& s) {
        return !s.uses_timestamp() && !s.timestamp_column.empty() ? "timestamp.column.name is set but " + mode(s) + " does not use it"
                                                                  : std::string();
    });
    k.check("timestamp.delay.interval.ms", [](const S& s) {
        return !s.uses_timestamp() && s.delay.count() > 0
                   ? std::string("timestamp.delay.interval.ms applies to the timestamp modes, not ") + mode_name(s.mode)
                   : std::string();
    });
    k.rule("key.fields", "mode timestamp over a query needs key.fields: the columns telling rows of one timestamp apart",
           [](const S& s) { return s.mode == SourceMode::timestamp && !s.query.empty() && s.key_fields.empty(); });
    k.check("query", [](const S& s) {
        if (s.query.empty()) return std::string();
        std::string head;
        for (char c : s.query.substr(0, 10)) head.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        const auto start = head.find_first_not_of(" \t\n(");
        if (start == std::string::npos || (head.compare(start, 6, "select") != 0 && head.compare(start, 4, "with") != 0))
            return std::string("query: expected a SELECT statement");
        if (s.query.find(';') != std::string::npos) return std::string("query: one statement, without ';'");
        return std::string();
    });
    return k;
}

}  // namespace

const config_kit::Spec<SourceSettings>& SourceSettings::spec(Dialect d) {
    static const config_kit::Spec<SourceSettings> postgres = make_source_spec(Dialect::postgres);
    static const config_kit::Spec<SourceSettings> mysql = make_source_spec(Dialect::mysql);
    return d == Dialect::postgres ? postgres : mysql;
}

}  // namespace sluice::sql
