// Reading the header row of a CSV file, always from the file's start: a task resuming
// mid-file still needs the column names.
#pragma once

#include "input_file.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::file_source {

struct CsvHeader {
    std::vector<std::string> names;
    std::uint64_t end_position = 0; // byte just after the header row's terminator
    std::size_t newlines = 0;       // LF bytes up to end_position
};

// The header row, or nullopt when the file does not hold a complete first row yet. A UTF-8
// byte order mark before it is skipped. Throws FatalError when the first row is longer
// than max_bytes.
std::optional<CsvHeader> read_csv_header(const InputFile& file, char delimiter, std::size_t max_bytes);

// Index of `name` among the header names; throws FatalError naming the valid columns.
std::size_t column_index(const CsvHeader& header, const std::string& name, const std::string& path);

// Names that appear more than once (their JSON objects would repeat a key).
std::vector<std::string> duplicate_names(const CsvHeader& header);

}  // namespace sluice::file_source
