// The file source's configuration: declared keys and the checked, typed options.
#pragma once

#include <sluice/sdk.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sluice::file_source {

enum class Format { lines, csv };
enum class BadRowPolicy { fail, skip };

struct SourceOptions {
    std::string path;
    Format format = Format::lines;
    bool skip_empty_lines = true;
    char delimiter = ',';
    bool header = true;
    BadRowPolicy on_bad_row = BadRowPolicy::fail;
    std::optional<std::string> key_field;
    std::size_t batch_size = 1000;
    std::size_t max_record_bytes = 16 * 1024 * 1024;

    bool csv_with_header() const { return format == Format::csv && header; }

    // Reads and cross-checks the options. Throws FatalError naming the key at fault.
    static SourceOptions from(const Config& config);
};

std::vector<ConfigKey> source_config_keys();

// Reads a csv.delimiter value: one character, or the two-character escape "\t" for a tab.
// Throws FatalError for anything else.
char parse_delimiter(const std::string& text);

}  // namespace sluice::file_source
