// First pass over a downloaded CSV file: which delimiter and encoding it uses, its header,
// how many data records it holds and which columns are numeric. The second pass (the one
// that emits records) then gives every value of a column the same JSON type, and offsets can
// say how far into the file a record is.
#pragma once

#include "byte_stream.hpp"
#include "csv_reader.hpp"
#include "text_encoding.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sluice::datagouv {

struct CsvSettings {
    std::optional<char> delimiter;     // nullopt: detect from the header line
    std::optional<Encoding> encoding;  // nullopt: UTF-8 if every byte is valid UTF-8, else Windows-1252
    bool infer_numbers = true;
    std::size_t max_record_bytes = 16 * 1024 * 1024;
};

struct CsvProfile {
    char delimiter = ',';
    Encoding encoding = Encoding::utf8;
    bool bom = false;
    std::vector<std::string> columns;  // header names as UTF-8, unique and non-empty
    std::vector<bool> numeric;         // per column: every non-empty value is a number
    std::size_t rows = 0;              // data records after the header (malformed ones included)
};

// Reads the whole file from its start. Throws std::runtime_error when there is no header.
CsvProfile profile_csv(ByteStream& in, const CsvSettings& settings);

// Positions `in` on the first data record (after BOM and header) of a profiled file and returns
// the reader to go on with.
CsvReader open_data_records(ByteStream& in, const CsvProfile& profile, std::size_t max_record_bytes);

// A plain decimal number: optional sign, digits without a leading zero (unless "0"), optional
// fraction after '.' or ',' (a French decimal comma). "3,5" yes; "3,5%", "1e3", "007", "1 000"
// no. Returns the JSON number text ("3.5"), or nullopt.
std::optional<std::string> as_json_number(std::string_view text);

}  // namespace sluice::datagouv
