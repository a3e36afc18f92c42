// The SQL the sink sends: identifiers and literals quoted the ClickHouse way, the table
// it may create, the watermark query, and the parsing of their TabSeparated answers.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::clickhouse {

// `name` with backquotes (` and \ escaped): any table or database name is safe.
std::string quote_identifier(std::string_view name);
// 'text' with ' and \ escaped.
std::string quote_string(std::string_view text);
// `db`.`table`
std::string qualified(std::string_view database, std::string_view table);

// Checks one declared column ("name Type", e.g. "sensor String", "ts DateTime"); returns
// what is wrong or "" when it looks right. Types are ClickHouse's to judge; this only
// refuses what would change the statement's shape (;, unbalanced parentheses, no type,
// a name clashing with the coordinates columns).
std::string column_problem(std::string_view column);

// CREATE TABLE IF NOT EXISTS with the declared columns plus _topic String, _partition
// Int32, _offset Int64, MergeTree ordered by (_topic, _partition, _offset) and without
// PARTITION BY, so that every insert is one part: atomic.
std::string create_table_sql(std::string_view database, std::string_view table, const std::vector<std::string>& columns);

// The INSERT statement of one request (the rows follow in the body).
std::string insert_sql(std::string_view database, std::string_view table);

// The highest offset stored per partition of these topics:
// SELECT _topic, _partition, max(_offset) ... WHERE _topic IN (...) GROUP BY _topic, _partition
std::string watermark_sql(std::string_view database, std::string_view table, const std::vector<std::string>& topics);
// The same for one partition; count() tells an empty partition from offset 0 (18.x's
// max() of no rows is 0, not NULL).
std::string partition_watermark_sql(std::string_view database, std::string_view table, std::string_view topic,
                                    std::int32_t partition);

using Watermarks = std::map<std::pair<std::string, std::int32_t>, std::int64_t>;

// Parses watermark_sql's TabSeparated answer; throws std::runtime_error naming the line
// when it is not three fields (topic, partition, offset).
Watermarks parse_watermarks(std::string_view tsv);
// Parses partition_watermark_sql's answer: the offset, or -1 when the partition has no row.
std::int64_t parse_partition_watermark(std::string_view tsv);

// The PARTITION BY expression of a table from its `engine_full` (system.tables), for servers
// whose system.tables has no partition_key column: "" when there is none. The old MergeTree
// syntax, `MergeTree(date, ...)`, partitions by month: "toYYYYMM(date)".
std::string partition_key_from_engine_full(std::string_view engine_full);
// True when this partition key puts every row into the same table partition ("" or
// tuple()): then an insert of at most max_insert_block_size rows is one part, whatever it
// holds, and rows of several Kafka partitions may share it.
bool partition_key_is_constant(std::string_view partition_key);

// Unescapes one TabSeparated field (\t, \n, \\, \' ...).
std::string tsv_unescape(std::string_view field);

}  // namespace sluice::clickhouse
