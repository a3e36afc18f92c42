#include "sluice/sql/offsets_table.hpp"

#include <charconv>

namespace sluice::sql::offsets {

namespace {

// "(topic, partition), ..." (with the connector first when `connector` is given).
std::string tuples(Database& db, const std::vector<PartitionKey>& partitions, const std::string* connector) {
    std::string out;
    for (std::size_t i = 0; i < partitions.size(); ++i) {
        out += i ? ", (" : "(";
        if (connector != nullptr) out += db.literal(*connector, ColumnKind::text) + ", ";
        out += db.literal(partitions[i].first, ColumnKind::text) + ", " + std::to_string(partitions[i].second) + ")";
    }
    return out;
}

std::string key_columns(Database& db) {
    return "connector, topic, " + db.quote_identifier("partition");
}

std::int64_t number(std::string_view text) {
    std::int64_t v = 0;
    std::from_chars(text.data(), text.data() + text.size(), v);
    return v;
}

}  // namespace

void ensure_rows(Database& db, const TableName& table, const std::string& connector, const std::vector<PartitionKey>& partitions) {
    if (partitions.empty()) return;
    db.execute("INSERT INTO " + db.quote_table(table) + " (" + key_columns(db) + ") VALUES " +
               tuples(db, partitions, &connector) + " " + db.on_conflict_update({"connector", "topic", "partition"}, {}));
}

std::map<PartitionKey, std::optional<std::int64_t>> read(Database& db, const TableName& table, const std::string& connector,
                                                         const std::vector<PartitionKey>& partitions, bool lock) {
    std::map<PartitionKey, std::optional<std::int64_t>> out;
    if (partitions.empty()) return out;
    const std::string partition = db.quote_identifier("partition");
    auto rows = db.query("SELECT topic, " + partition + ", next_offset FROM " + db.quote_table(table) + " WHERE connector = " +
                         db.literal(connector, ColumnKind::text) + " AND (topic, " + partition + ") IN (" +
                         tuples(db, partitions, nullptr) + ") ORDER BY topic, " + partition + (lock ? " FOR UPDATE" : ""),
                         false);
    std::vector<std::optional<std::string_view>> cells;
    while (rows->next(cells)) {
        PartitionKey k{std::string(cells[0].value_or("")), static_cast<std::int32_t>(number(cells[1].value_or("0")))};
        out[k] = cells[2] ? std::optional<std::int64_t>(number(*cells[2])) : std::nullopt;
    }
    return out;
}

std::string write_statement(Database& db, const TableName& table, const std::string& connector,
                            const std::map<PartitionKey, std::int64_t>& next_offsets) {
    std::string values;
    for (const auto& [k, offset] : next_offsets)
        values += std::string(values.empty() ? "(" : ", (") + db.literal(connector, ColumnKind::text) + ", " +
                  db.literal(k.first, ColumnKind::text) + ", " + std::to_string(k.second) + ", " + std::to_string(offset) + ")";
    return "INSERT INTO " + db.quote_table(table) + " (" + key_columns(db) + ", next_offset) VALUES " + values + " " +
           db.on_conflict_update({"connector", "topic", "partition"}, {"next_offset"});
}

}  // namespace sluice::sql::offsets
