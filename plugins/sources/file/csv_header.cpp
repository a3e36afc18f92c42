#include "csv_header.hpp"

#include "byte_window.hpp"
#include "csv_parser.hpp"

#include <sluice/sdk.hpp>

#include <algorithm>
#include <set>

namespace sluice::file_source {

namespace {
constexpr std::size_t header_block_size = 16 * 1024;
}

std::optional<CsvHeader> read_csv_header(const InputFile& file, char delimiter, std::size_t max_bytes) {
    ByteWindow window(header_block_size);
    window.reset(0);
    CsvParser parser(delimiter);
    while (true) {
        std::string_view pending = window.pending();
        const bool bom_undecided = pending.size() < utf8_bom.size() && utf8_bom.starts_with(pending);
        if (!bom_undecided) {
            const std::size_t skipped = pending.starts_with(utf8_bom) ? utf8_bom.size() : 0;
            if (auto row = parser.parse(pending.substr(skipped))) {
                auto fields = parser.fields();
                return CsvHeader{{fields.begin(), fields.end()}, skipped + row->length, row->newlines};
            }
            if (pending.size() > max_bytes)
                throw FatalError("'" + file.path() + "': the header row is longer than max.record.bytes (" +
                                 std::to_string(max_bytes) + " bytes)");
        }
        auto room = window.prepare();
        const std::size_t got = file.read_at(window.end_position(), room);
        if (got == 0) return std::nullopt;
        window.commit(got);
    }
}

std::size_t column_index(const CsvHeader& header, const std::string& name, const std::string& path) {
    auto it = std::find(header.names.begin(), header.names.end(), name);
    if (it != header.names.end()) return static_cast<std::size_t>(it - header.names.begin());
    std::string valid;
    for (const auto& column : header.names) {
        if (!valid.empty()) valid += ", ";
        valid += "'" + column + "'";
    }
    throw FatalError("key.field '" + name + "' is not a column of '" + path + "'; valid columns: " + valid);
}

std::vector<std::string> duplicate_names(const CsvHeader& header) {
    std::set<std::string> seen, repeated;
    for (const auto& name : header.names)
        if (!seen.insert(name).second) repeated.insert(name);
    return {repeated.begin(), repeated.end()};
}

}  // namespace sluice::file_source
