// JSONEachRow bodies built from record values without parsing them into a tree: a value
// that is one JSON object is appended as it is, with the row's Kafka coordinates spliced
// in after its opening brace when the table keeps them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::clickhouse {

// True when `value` is exactly one JSON object (surrounding whitespace allowed): it starts
// with '{' and its matching '}' (outside strings) is the last non-space byte. One pass, no
// allocation. It does not validate the members: ClickHouse does, and a row it refuses is
// isolated by the sink. What it prevents is a value that would become zero or several rows.
bool is_single_object(std::string_view value);

// `"_topic":"<topic>","_partition":<partition>,"_offset":` — the part of the spliced
// members that is the same for every row of a partition.
std::string coordinates_prefix(std::string_view topic, std::int32_t partition);

// Appends one row and a newline. `object` must pass is_single_object. With a non-empty
// `prefix` (coordinates_prefix), the members prefix + offset are inserted first:
//   {"a":1}  ->  {"_topic":"t","_partition":0,"_offset":42,"a":1}
void append_row(std::string& body, std::string_view object, std::string_view prefix, std::int64_t offset);

}  // namespace sluice::clickhouse
