// How far a source has read one table (or query), and the condition that reads on from
// there. It is the record's source offset:
//   incrementing            {"id":42}
//   timestamp+incrementing  {"timestamp":"2024-05-01T10:00:00.25Z","id":42}
//   timestamp               {"timestamp":"2024-05-01T10:00:00.25Z","ids":["7","9"]}
// In timestamp mode many rows may share the newest timestamp, and a page may end in the
// middle of them: the keys already emitted at that timestamp are kept, and the next query
// reads "newer, or equal and not one of these", like the opendatasoft source. So rows that
// share a timestamp are never skipped or repeated, across pages, polls and restarts.
#pragma once

#include "sluice/sql/database.hpp"
#include "sluice/sql/source_settings.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::sql {

// Where the cursor's columns are in the result, and their kinds.
struct CursorColumns {
    ColumnKind timestamp_kind = ColumnKind::timestamp;
    ColumnKind incrementing_kind = ColumnKind::integer;
    std::vector<ColumnKind> key_kinds;
};

class SourceCursor {
public:
    explicit SourceCursor(SourceMode mode) : mode_(mode) {}

    // Restores a stored offset; throws std::runtime_error saying what is wrong with it.
    static SourceCursor from_offset(std::string_view offset_json, SourceMode mode);
    std::string to_offset() const;
    bool empty() const { return !timestamp_ && !id_; }

    // The WHERE condition (without "WHERE"; empty: none) and ORDER BY list of the next page.
    std::string condition(Database& db, const SourceSettings& s, const std::vector<std::string>& key_columns,
                          const CursorColumns& kinds) const;
    std::string order_by(Database& db, const SourceSettings& s, const std::vector<std::string>& key_columns) const;

    // A row was emitted: its timestamp (ISO 8601 or a date), incrementing id, key cells.
    void advance(const std::optional<std::string>& timestamp, std::optional<std::int64_t> id,
                 const std::vector<std::string>& key);

    const std::optional<std::string>& timestamp() const { return timestamp_; }
    std::optional<std::int64_t> id() const { return id_; }
    std::size_t keys_at_timestamp() const { return keys_.size(); }

private:
    SourceMode mode_;
    std::optional<std::string> timestamp_;
    std::optional<std::int64_t> id_;
    std::vector<std::vector<std::string>> keys_;  // timestamp mode: emitted at timestamp_, in order
    std::set<std::vector<std::string>> key_set_;
};

}  // namespace sluice::sql
