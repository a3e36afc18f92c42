// Streaming CSV reader (RFC 4180, leniently): fields quoted with " may hold the delimiter,
// line breaks and doubled quotes; records end with LF, CRLF or CR; blank lines are skipped.
// A record that is not well-formed is still returned, with `problem` saying what is wrong,
// so the caller can report it with its row number instead of skipping it silently.
#pragma once

#include "byte_stream.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace sluice::datagouv {

struct CsvRecord {
    std::vector<std::string> fields;  // unquoted bytes, in the file's encoding
    std::string raw;                  // the record's bytes as in the file (at most max_record_bytes)
    std::size_t line = 0;             // physical line (1-based) where the record starts
    std::string problem;              // empty when well-formed
};

class CsvReader {
public:
    CsvReader(ByteStream& in, char delimiter, std::size_t max_record_bytes)
        : in_(in), delimiter_(delimiter), max_record_bytes_(max_record_bytes) {}

    // The next record; false at the end of the file.
    bool next(CsvRecord& record);
    // The physical line the next record would start on.
    std::size_t line() const { return line_; }

private:
    void newline_consumed(int c);
    ByteStream& in_;
    char delimiter_;
    std::size_t max_record_bytes_;
    std::size_t line_ = 1;
};

// The delimiter a header line uses: whichever of ; , TAB | occurs most often outside quotes
// (',' when none does: a single-column file).
char detect_delimiter(const std::string& header_line);

}  // namespace sluice::datagouv
