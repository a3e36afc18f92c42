#include "sluice/sql/sink_settings.hpp"

#include <algorithm>

namespace sluice::sql {

namespace {

config_kit::Spec<SinkSettings> make_sink_spec(Dialect d) {
    using S = SinkSettings;
    config_kit::Spec<S> k;
    k.include(ConnectionSettings::spec(d), [](S& s) -> ConnectionSettings& { return s.connection; });
    k.key("table.name.format", &S::table_format, "Table of a record: ${topic} is replaced by its topic (characters other than letters, digits and _ become _); schema.table allowed").default_value("${topic}");
    k.choice("insert.mode", &S::insert_mode, {{"insert", InsertMode::insert}, {"upsert", InsertMode::upsert}},
             std::string("insert: plain INSERT (a key already there is an errant record); upsert: the record replaces the row with its key (") +
                 (d == Dialect::postgres ? "INSERT ... ON CONFLICT DO UPDATE" : "INSERT ... ON DUPLICATE KEY UPDATE") + ")")
        .default_value(InsertMode::insert);
    k.choice("pk.mode", &S::pk_mode, {{"none", PkMode::none}, {"record_key", PkMode::record_key}, {"record_value", PkMode::record_value}},
             "Where the primary key comes from: none, record_key (the Kafka key: a JSON object, or one value named by pk.fields), record_value (pk.fields of the value)")
        .default_value(PkMode::none);
    k.key("pk.fields", &S::pk_fields, "Primary key fields (record_value: required; record_key: the fields of a JSON key to use, default all, or the one column name of a plain key)");
    k.key("delete.enabled", &S::delete_enabled, "A record with a null value (tombstone) deletes the row of its key (needs pk.mode record_key)").default_value(false);
    k.custom("fields.whitelist", SLUICE_CONFIG_LIST, "Value fields written (default: all); primary key fields always are",
             [](S& s, const Config& c) { for (auto& f : c.list("fields.whitelist")) s.whitelist.insert(f); });
    k.custom("fields.rename", SLUICE_CONFIG_MAP, "Column names for fields, e.g. {vitesse: speed_kmh}",
             [](S& s, const Config& c) { for (auto& [field, column] : c.map("fields.rename")) s.renames[field] = column; });
    k.key("auto.create", &S::auto_create, "Create a missing table from the first batch (types inferred from the values, primary key from pk.fields)").default_value(false);
    k.key("auto.evolve", &S::auto_evolve, "Add a nullable column for a field the table does not have").default_value(false);
    // 50 000: each transaction costs its lock, COPY or LOAD DATA start and commit (fsync)
    // whatever its size, and they weigh a quarter of a 10 000-row batch (bench/sql.sh).
    k.key("batch.max.rows", &S::batch_max_rows, "Records buffered before they are written in one transaction").default_value(50000).between(1, 10000000);
    k.key("batch.max.bytes", &S::batch_max_bytes, "Record bytes (keys and values) buffered before they are written in one transaction: bounds the memory of large records").default_value(16777216).between(1024, 1073741824);
    k.key("batch.max.ms", &S::batch_max_age, "Age of the oldest buffered record that triggers a write at the next put; the worker's offset flush writes the rest").default_value(1000).between(0, 3600000);
    k.key("exactly.once", &S::exactly_once, "Store each partition's next Kafka offset in the offsets table, in the transaction of the rows, and resume from it; false: consumer-group commits (at least once)").default_value(true);
    k.custom("offsets.table.name", SLUICE_CONFIG_STRING, "Table holding (connector, topic, partition, next_offset) for exactly.once; created when missing",
             [](S& s, const Config& c) { s.offsets_table = TableName::parse(c.string("offsets.table.name")); })
        .default_value("sluice_kafka_offsets");

    // The rules between keys, in the order a reader checks them.
    k.check("table.name.format", [](const S& s) {
        if (s.table_format.empty()) return std::string("table.name.format must not be empty");
        if (TableName::parse(s.table_format).name.empty()) return "table.name.format '" + s.table_format + "' names no table";
        return std::string();
    });
    k.rule("offsets.table.name", "offsets.table.name must not be empty", [](const S& s) { return s.offsets_table.name.empty(); });
    k.rule("insert.mode", "insert.mode upsert needs a key: set pk.mode to record_key or record_value (and pk.fields)",
           [](const S& s) { return s.insert_mode == InsertMode::upsert && s.pk_mode == PkMode::none; });
    k.rule("pk.mode", "pk.mode record_value needs pk.fields: the value fields forming the primary key, e.g. [segment_id]",
           [](const S& s) { return s.pk_mode == PkMode::record_value && s.pk_fields.empty(); });
    k.rule("pk.fields", "pk.fields is set but pk.mode is none: set pk.mode to record_key or record_value",
           [](const S& s) { return s.pk_mode == PkMode::none && !s.pk_fields.empty(); });
    k.rule("delete.enabled", "delete.enabled needs pk.mode record_key: a tombstone carries only its key",
           [](const S& s) { return s.delete_enabled && s.pk_mode != PkMode::record_key; });
    k.rule("pk.fields", "pk.fields: an empty field name", [](const S& s) { return config_kit::any_empty(s.pk_fields); });
    k.check("fields.rename", [](const S& s) {
        std::set<std::string> columns;
        for (const auto& [field, column] : s.renames) {
            if (column.empty()) return "fields.rename: field '" + field + "' renamed to an empty name";
            if (!columns.insert(column).second) return "fields.rename: two fields renamed to the same column '" + column + "'";
        }
        return std::string();
    });
    return k;
}

}  // namespace

const config_kit::Spec<SinkSettings>& SinkSettings::spec(Dialect d) {
    static const config_kit::Spec<SinkSettings> postgres = make_sink_spec(Dialect::postgres);
    static const config_kit::Spec<SinkSettings> mysql = make_sink_spec(Dialect::mysql);
    return d == Dialect::postgres ? postgres : mysql;
}

TableName SinkSettings::table_for(std::string_view topic) const {
    std::string safe;
    safe.reserve(topic.size());
    for (char ch : topic) {
        const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
        safe.push_back(ok ? ch : '_');
    }
    std::string text = table_format;
    for (std::size_t at = text.find("${topic}"); at != std::string::npos; at = text.find("${topic}", at + safe.size()))
        text.replace(at, 8, safe);
    return TableName::parse(text);
}

const std::string& SinkSettings::column_for(const std::string& field) const {
    auto it = renames.find(field);
    return it == renames.end() ? field : it->second;
}

bool SinkSettings::keeps(std::string_view field) const {
    if (whitelist.empty()) return true;
    if (whitelist.count(field)) return true;
    if (pk_mode == PkMode::record_value)
        for (const auto& f : pk_fields)
            if (f == field) return true;
    return false;
}

}  // namespace sluice::sql
