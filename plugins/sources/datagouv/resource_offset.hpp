// Source partition {dataset, resource} and source offset {last_modified, checksum, row, rows}
// of a data.gouv.fr resource. `row` is the 1-based number of the last data row handled (CSV
// record after the header, or JSON array element); `rows` is how many the file has, so an
// offset with row == rows says the whole version was read.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::datagouv {

// What identifies one published version of a resource's file.
struct ResourceVersion {
    std::string last_modified;
    std::string checksum;
    bool known() const { return !last_modified.empty() || !checksum.empty(); }
    bool operator==(const ResourceVersion&) const = default;
    std::string describe() const;
};

struct ResourceOffset {
    ResourceVersion version;
    std::size_t row = 0;
    std::size_t rows = 0;
    bool complete() const { return row >= rows; }
};

std::string partition_json(std::string_view dataset, std::string_view resource);
std::string offset_json(const ResourceOffset& offset);
// nullopt when the text is not an offset this connector wrote.
std::optional<ResourceOffset> parse_offset(std::string_view text);

}  // namespace sluice::datagouv
