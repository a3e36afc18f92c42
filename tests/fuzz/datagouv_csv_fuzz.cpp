// The datagouv source's CSV path on a downloaded file: profiling (BOM, delimiter and
// encoding detection, header, numeric columns, row count), then the data records, each
// turned into its JSON value and key. The first fuzz byte picks the settings (delimiter,
// encoding, number inference, record size limit); the rest is the file.
// Invariants: only the documented std::runtime_error (no header, damaged BOM) escapes;
// the second pass reads exactly the rows the first counted (offsets depend on it); every
// value and key is a valid JSON object in UTF-8 whatever the file's bytes; raw records
// respect the size limit.
#include "fuzz_support.hpp"

#include "csv_profile.hpp"
#include "csv_reader.hpp"
#include "row_json.hpp"
#include "text_encoding.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <set>
#include <stdexcept>
#include <string>

using namespace sluice;
using namespace sluice::datagouv;

namespace {

void check_json_object(const std::string& text, const std::string& what) {
    FUZZ_CHECK(fuzz::valid_utf8(text), what + " not UTF-8: " + fuzz::excerpt(text));
    auto j = nlohmann::json::parse(text, nullptr, false);
    FUZZ_CHECK(!j.is_discarded() && j.is_object(), what + " not a JSON object: " + fuzz::excerpt(text));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const uint8_t mode = data[0];
    CsvSettings settings;
    static const std::optional<char> delimiters[] = {std::nullopt, ';', ',', '\t'};
    static const std::optional<Encoding> encodings[] = {std::nullopt, Encoding::utf8, Encoding::latin1, Encoding::windows1252};
    static const size_t limits[] = {16 * 1024 * 1024, 256, 64, 4096};
    settings.delimiter = delimiters[mode & 3];
    settings.encoding = encodings[(mode >> 2) & 3];
    settings.infer_numbers = (mode & 0x10) == 0;
    settings.max_record_bytes = limits[(mode >> 5) & 3];

    fuzz::MemoryFile file(data + 1, size - 1);
    if (!file.file) return 0;
    ByteStream in(file.file);
    CsvProfile profile;
    try {
        profile = profile_csv(in, settings);
    } catch (const std::runtime_error&) {
        return 0;  // reported once for the whole file
    }
    FUZZ_CHECK(!profile.columns.empty() && profile.numeric.size() == profile.columns.size(), "profile without columns");
    std::set<std::string> unique;
    for (const auto& c : profile.columns) {
        FUZZ_CHECK(!c.empty() && fuzz::valid_utf8(c), "column name empty or not UTF-8: " + fuzz::excerpt(c));
        FUZZ_CHECK(unique.insert(c).second, "column name twice: " + fuzz::excerpt(c));
    }

    // The first column, and a key no file can have (column names are never empty).
    const std::vector<std::string> key_fields = {profile.columns.front(), ""};
    auto columns = key_columns(profile, key_fields);
    FUZZ_CHECK(columns.size() == 2 && columns[0] && !columns[1], "key columns not found as named");
    CsvReader reader = open_data_records(in, profile, settings.max_record_bytes);
    CsvRecord record;
    size_t rows = 0;
    while (reader.next(record)) {
        ++rows;
        FUZZ_CHECK(record.raw.size() <= settings.max_record_bytes, "raw record over the limit");
        for (const auto& f : record.fields) {
            for (auto e : {Encoding::utf8, Encoding::latin1, Encoding::windows1252})
                FUZZ_CHECK(fuzz::valid_utf8(to_utf8(f, e)), "to_utf8 gave invalid UTF-8 for " + fuzz::excerpt(f));
            if (auto number = as_json_number(f)) {
                auto j = nlohmann::json::parse(*number, nullptr, false);
                FUZZ_CHECK(!j.is_discarded() && j.is_number(), "as_json_number gave " + fuzz::excerpt(*number));
            }
        }
        if (!record.problem.empty() || record.fields.size() != profile.columns.size()) continue;
        const std::string value = csv_row_json(profile, record.fields);
        check_json_object(value, "row value");
        FUZZ_CHECK(nlohmann::json::parse(value).size() == profile.columns.size(), "row value lost a column: " + fuzz::excerpt(value));
        check_json_object(csv_key_json(profile, record.fields, key_fields, columns), "row key");
    }
    FUZZ_CHECK(rows == profile.rows, "the first pass counted " + std::to_string(profile.rows) + " rows, the second read " +
                                         std::to_string(rows));
    return 0;
}
