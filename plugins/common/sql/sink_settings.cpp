#include "sluice/sql/sink_settings.hpp"

namespace sluice::sql {

std::vector<ConfigKey> SinkSettings::keys(Dialect d) {
    std::vector<ConfigKey> k;
    ConnectionSettings::declare(k, d);
    k.push_back(ConfigKey::string("table.name.format", "Table of a record: ${topic} is replaced by its topic (characters "
                                                       "other than letters, digits and _ become _); schema.table allowed")
                    .default_value("${topic}"));
    k.push_back(ConfigKey::string("insert.mode", std::string("insert: plain INSERT (a key already there is an errant record); "
                                                             "upsert: the record replaces the row with its key (") +
                                                     (d == Dialect::postgres ? "INSERT ... ON CONFLICT DO UPDATE" : "INSERT ... ON DUPLICATE KEY UPDATE") +
                                                     ")")
                    .default_value("insert")
                    .one_of({"insert", "upsert"}));
    k.push_back(ConfigKey::string("pk.mode", "Where the primary key comes from: none, record_key (the Kafka key: a JSON "
                                             "object, or one value named by pk.fields), record_value (pk.fields of the value)")
                    .default_value("none")
                    .one_of({"none", "record_key", "record_value"}));
    k.push_back(ConfigKey::list("pk.fields", "Primary key fields (record_value: required; record_key: the fields of a JSON "
                                             "key to use, default all, or the one column name of a plain key)"));
    k.push_back(ConfigKey::boolean("delete.enabled", "A record with a null value (tombstone) deletes the row of its key "
                                                     "(needs pk.mode record_key)")
                    .default_value("false"));
    k.push_back(ConfigKey::list("fields.whitelist", "Value fields written (default: all); primary key fields always are"));
    k.push_back(ConfigKey::map("fields.rename", "Column names for fields, e.g. {vitesse: speed_kmh}"));
    k.push_back(ConfigKey::boolean("auto.create", "Create a missing table from the first batch (types inferred from the "
                                                  "values, primary key from pk.fields)")
                    .default_value("false"));
    k.push_back(ConfigKey::boolean("auto.evolve", "Add a nullable column for a field the table does not have")
                    .default_value("false"));
    k.push_back(ConfigKey::integer("batch.max.rows", "Records buffered before they are written in one transaction")
                    .default_value("10000")
                    .between(1, 10000000));
    k.push_back(ConfigKey::integer("batch.max.ms", "Age of the oldest buffered record that triggers a write at the next put; "
                                                   "the worker's offset flush writes the rest")
                    .default_value("1000")
                    .between(0, 3600000));
    k.push_back(ConfigKey::boolean("exactly.once", "Store each partition's next Kafka offset in the offsets table, in the "
                                                   "transaction of the rows, and resume from it; false: consumer-group commits "
                                                   "(at least once)")
                    .default_value("true"));
    k.push_back(ConfigKey::string("offsets.table.name", "Table holding (connector, topic, partition, next_offset) for "
                                                        "exactly.once; created when missing")
                    .default_value("sluice_kafka_offsets"));
    return k;
}

namespace {

// Every key but the connection's (whose URL may be unusable while the rest is checked).
SinkSettings parse(const Config& config) {
    SinkSettings s;
    s.table_format = config.string("table.name.format");
    s.insert_mode = config.string("insert.mode") == "upsert" ? InsertMode::upsert : InsertMode::insert;
    const std::string pk = config.string("pk.mode");
    s.pk_mode = pk == "record_key" ? PkMode::record_key : pk == "record_value" ? PkMode::record_value : PkMode::none;
    s.pk_fields = config.list("pk.fields");
    s.delete_enabled = config.boolean("delete.enabled");
    for (auto& f : config.list("fields.whitelist")) s.whitelist.insert(f);
    for (auto& [field, column] : config.map("fields.rename")) s.renames[field] = column;
    s.auto_create = config.boolean("auto.create");
    s.auto_evolve = config.boolean("auto.evolve");
    s.batch_max_rows = static_cast<std::size_t>(config.integer("batch.max.rows"));
    s.batch_max_age = std::chrono::milliseconds(config.integer("batch.max.ms"));
    s.exactly_once = config.boolean("exactly.once");
    s.offsets_table = TableName::parse(config.string("offsets.table.name"));
    return s;
}

}  // namespace

SinkSettings SinkSettings::from(const Config& config, Dialect d) {
    SinkSettings s = parse(config);
    s.connection = ConnectionSettings::from(config, d);
    s.validate();
    return s;
}

void SinkSettings::validate(const Config& config, Dialect d, ConfigProblems& out) {
    auto found = ConnectionSettings::problems(config, d);
    for (auto& p : parse(config).problems()) found.push_back(std::move(p));
    report(found, out);
}

void SinkSettings::validate() const { throw_first(problems()); }

std::vector<SettingsProblem> SinkSettings::problems() const {
    std::vector<SettingsProblem> out;
    auto add = [&](const char* key, std::string message) { out.push_back({key, std::move(message)}); };
    if (table_format.empty()) add("table.name.format", "table.name.format must not be empty");
    else if (TableName::parse(table_format).name.empty())
        add("table.name.format", "table.name.format '" + table_format + "' names no table");
    if (offsets_table.name.empty()) add("offsets.table.name", "offsets.table.name must not be empty");
    if (insert_mode == InsertMode::upsert && pk_mode == PkMode::none)
        add("insert.mode", "insert.mode upsert needs a key: set pk.mode to record_key or record_value (and pk.fields)");
    if (pk_mode == PkMode::record_value && pk_fields.empty())
        add("pk.mode", "pk.mode record_value needs pk.fields: the value fields forming the primary key, e.g. [segment_id]");
    if (pk_mode == PkMode::none && !pk_fields.empty())
        add("pk.fields", "pk.fields is set but pk.mode is none: set pk.mode to record_key or record_value");
    if (delete_enabled && pk_mode != PkMode::record_key)
        add("delete.enabled", "delete.enabled needs pk.mode record_key: a tombstone carries only its key");
    for (const auto& f : pk_fields)
        if (f.empty()) {
            add("pk.fields", "pk.fields: an empty field name");
            break;
        }
    std::set<std::string> columns;
    for (const auto& [field, column] : renames) {
        if (column.empty()) add("fields.rename", "fields.rename: field '" + field + "' renamed to an empty name");
        else if (!columns.insert(column).second)
            add("fields.rename", "fields.rename: two fields renamed to the same column '" + column + "'");
    }
    return out;
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
