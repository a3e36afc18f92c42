#include "csv_reader.hpp"

namespace sluice::datagouv {

void CsvReader::newline_consumed(int c) {
    // CRLF is one line break; a lone CR or LF is one too.
    if (c == '\r' && in_.peek() == '\n') in_.get();
    ++line_;
}

bool CsvReader::next(CsvRecord& record) {
    record.fields.clear();
    record.raw.clear();
    record.problem.clear();
    int c = in_.peek();
    while (c == '\r' || c == '\n') {  // blank lines carry no record
        in_.get();
        newline_consumed(c);
        c = in_.peek();
    }
    if (c == ByteStream::end) return false;
    record.line = line_;

    std::string field;
    bool in_quotes = false;
    bool quoted = false;       // the current field started with a quote
    bool after_close = false;  // its closing quote was seen
    std::size_t quote_line = 0;
    std::size_t bytes = 0;
    bool oversize = false;
    auto keep = [&](char ch) {
        if (++bytes > max_record_bytes_) {
            if (!oversize && record.problem.empty())
                record.problem = "record longer than " + std::to_string(max_record_bytes_) + " bytes (max_record_bytes)";
            oversize = true;
            return;
        }
        record.raw.push_back(ch);
    };
    auto push_field = [&] {
        record.fields.push_back(std::move(field));
        field.clear();
        quoted = after_close = false;
    };

    while (true) {
        c = in_.get();
        if (c == ByteStream::end) {
            if (in_quotes && record.problem.empty())
                record.problem = "the file ends inside a quoted field opened on line " + std::to_string(quote_line) +
                                 " (truncated file or unbalanced quote)";
            push_field();
            return true;
        }
        const char ch = static_cast<char>(c);
        if (in_quotes) {
            if (ch == '"') {
                if (in_.peek() == '"') {
                    in_.get();
                    keep('"');
                    keep('"');
                    if (!oversize) field.push_back('"');
                    continue;
                }
                keep('"');
                in_quotes = false;
                after_close = true;
                continue;
            }
            if (ch == '\r' || ch == '\n') {
                keep(ch);
                if (ch == '\r' && in_.peek() == '\n') {
                    in_.get();
                    keep('\n');
                    if (!oversize) field.append("\r\n");
                } else if (!oversize) {
                    field.push_back(ch);
                }
                ++line_;
                continue;
            }
            keep(ch);
            if (!oversize) field.push_back(ch);
            continue;
        }
        if (ch == delimiter_) {
            keep(ch);
            push_field();
            continue;
        }
        if (ch == '\r' || ch == '\n') {
            newline_consumed(c);
            push_field();
            return true;
        }
        keep(ch);
        if (ch == '"' && field.empty() && !quoted) {
            in_quotes = quoted = true;
            quote_line = line_;
            continue;
        }
        if (after_close && record.problem.empty())
            record.problem = "unexpected character after the closing quote of field " +
                             std::to_string(record.fields.size() + 1);
        if (!oversize) field.push_back(ch);  // a quote inside an unquoted field is kept as is
    }
}

char detect_delimiter(const std::string& header_line) {
    const char candidates[] = {';', ',', '\t', '|'};
    std::size_t counts[4] = {0, 0, 0, 0};
    bool in_quotes = false;
    for (char c : header_line) {
        if (c == '"') in_quotes = !in_quotes;
        if (in_quotes) continue;
        for (int i = 0; i < 4; ++i)
            if (c == candidates[i]) ++counts[i];
    }
    int best = 1;  // ',' when nothing else wins
    for (int i = 0; i < 4; ++i)
        if (counts[i] > counts[best]) best = i;
    return candidates[best];
}

}  // namespace sluice::datagouv
