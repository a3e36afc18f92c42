// What the connectors know of a table: its name, its columns with the kind of value each
// holds (the same kinds for every database: conversions and JSON mapping are written once),
// its primary key and unique keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::sql {

// The kinds of column values the connectors convert to and from. Each database maps its
// types onto these (postgres/, mysql/); anything else is `other` (passed as text).
enum class ColumnKind {
    integer,       // smallint, integer, bigint, tinyint.. (bounds in Column)
    decimal,       // numeric / decimal
    floating,      // real, double precision, float, double
    boolean,       // boolean (MariaDB: tinyint(1))
    text,          // text, varchar, char, enum, set, ...
    json,          // json, jsonb (MariaDB: JSON, a checked longtext)
    timestamp_tz,  // timestamp with time zone (an instant)
    timestamp,     // timestamp without time zone, datetime, MariaDB timestamp (UTC wall time)
    date,
    time,
    binary,        // bytea, blob, binary, varbinary
    uuid,
    other,
};

const char* kind_name(ColumnKind kind);

// "schema.table" (PostgreSQL) or "database.table" (MariaDB); schema empty: the connection's
// default (search_path / the URL's database).
struct TableName {
    std::string schema;
    std::string name;

    // Splits at the first dot outside double quotes or backticks; quotes are removed.
    static TableName parse(std::string_view text);
    std::string display() const { return schema.empty() ? name : schema + "." + name; }
    bool operator<(const TableName& o) const { return schema != o.schema ? schema < o.schema : name < o.name; }
    bool operator==(const TableName& o) const { return schema == o.schema && name == o.name; }
};

struct Column {
    std::string name;
    std::string type;  // as the database spells it: "bigint", "varchar(20)", "timestamp with time zone"
    ColumnKind kind = ColumnKind::other;
    bool nullable = true;
    bool writable = true;  // false: generated (computed) columns
    // integer: the range the column accepts
    std::int64_t min = INT64_MIN;
    std::uint64_t max = INT64_MAX;
};

struct TableInfo {
    TableName name;
    std::vector<Column> columns;
    std::vector<std::string> primary_key;
    std::vector<std::vector<std::string>> unique_keys;  // primary key included
    std::string engine;         // MariaDB storage engine ("InnoDB"); empty for PostgreSQL
    bool transactional = true;  // false: writes cannot be rolled back (MariaDB MyISAM, ...)

    const Column* find(std::string_view column) const;
    // True when some unique key (or the primary key) has exactly these columns, in any order.
    bool has_unique_key(const std::vector<std::string>& columns) const;
};

// A column the sink adds (auto.create, auto.evolve), in the dialect's type.
struct NewColumn {
    std::string name;
    std::string type;
    bool not_null = false;
};

}  // namespace sluice::sql
