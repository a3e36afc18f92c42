#include "csv_profile.hpp"

#include <sluice/sdk.hpp>

#include <set>
#include <stdexcept>

namespace sluice::datagouv {
namespace {

// The first physical line (quotes honoured) without its line break, for delimiter detection.
std::string first_line(ByteStream& in, std::size_t limit) {
    std::string line;
    bool in_quotes = false;
    for (int c = in.get(); c != ByteStream::end && line.size() < limit; c = in.get()) {
        if (c == '"') in_quotes = !in_quotes;
        if (!in_quotes && (c == '\r' || c == '\n')) break;
        line.push_back(static_cast<char>(c));
    }
    return line;
}

std::vector<std::string> column_names(const std::vector<std::string>& raw, Encoding encoding) {
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        std::string name = to_utf8(raw[i], encoding);
        // Spaces around header names are layout, not part of the name.
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
        while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.erase(0, 1);
        if (name.empty()) name = "column_" + std::to_string(i + 1);
        std::string unique = name;
        for (int n = 2; seen.count(unique) != 0; ++n) unique = name + "_" + std::to_string(n);
        seen.insert(unique);
        names.push_back(unique);
    }
    return names;
}

}  // namespace

std::optional<std::string> as_json_number(std::string_view text) {
    std::size_t i = 0;
    std::string out;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
        if (text[i] == '-') out.push_back('-');
        ++i;
    }
    const std::size_t int_start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    const std::size_t int_len = i - int_start;
    if (int_len == 0 || (int_len > 1 && text[int_start] == '0')) return std::nullopt;
    out.append(text.substr(int_start, int_len));
    if (i < text.size() && (text[i] == '.' || text[i] == ',')) {
        ++i;
        const std::size_t frac_start = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
        if (i == frac_start) return std::nullopt;
        out.push_back('.');
        out.append(text.substr(frac_start, i - frac_start));
    }
    if (i != text.size()) return std::nullopt;
    return out;
}

CsvProfile profile_csv(ByteStream& in, const CsvSettings& settings) {
    CsvProfile profile;
    in.rewind();
    profile.bom = skip_utf8_bom(in);
    profile.delimiter = settings.delimiter ? *settings.delimiter : detect_delimiter(first_line(in, settings.max_record_bytes));
    in.rewind();
    if (profile.bom) skip_utf8_bom(in);

    CsvReader reader(in, profile.delimiter, settings.max_record_bytes);
    CsvRecord record;
    if (!reader.next(record)) throw std::runtime_error("the file is empty: no header line");
    if (!record.problem.empty()) throw std::runtime_error("the header line is malformed: " + record.problem);
    std::vector<std::string> raw_header = record.fields;
    bool valid_utf8 = true;
    for (const auto& f : raw_header) valid_utf8 = valid_utf8 && utf8::is_valid(f);

    const std::size_t width = raw_header.size();
    std::vector<bool> numeric(width, settings.infer_numbers);
    std::vector<bool> has_value(width, false);
    while (reader.next(record)) {
        ++profile.rows;
        for (const auto& f : record.fields) valid_utf8 = valid_utf8 && utf8::is_valid(f);
        if (!record.problem.empty() || record.fields.size() != width) continue;  // reported in the second pass
        for (std::size_t c = 0; c < width; ++c) {
            const std::string& value = record.fields[c];
            if (value.empty()) continue;
            has_value[c] = true;
            if (numeric[c] && !as_json_number(value)) numeric[c] = false;
        }
    }
    profile.encoding = settings.encoding ? *settings.encoding : (valid_utf8 ? Encoding::utf8 : Encoding::windows1252);
    profile.columns = column_names(raw_header, profile.encoding);
    profile.numeric.resize(width);
    for (std::size_t c = 0; c < width; ++c) profile.numeric[c] = numeric[c] && has_value[c];
    return profile;
}

CsvReader open_data_records(ByteStream& in, const CsvProfile& profile, std::size_t max_record_bytes) {
    in.rewind();
    if (profile.bom) skip_utf8_bom(in);
    CsvReader reader(in, profile.delimiter, max_record_bytes);
    CsvRecord header;
    reader.next(header);
    return reader;
}

}  // namespace sluice::datagouv
