// The file source's configuration: declared keys and the checked, typed options.
#pragma once

#include <sluice/config_kit.hpp>
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
    Format format{};
    bool skip_empty_lines = false;
    std::string delimiter_text;  // csv.delimiter as written
    char delimiter = ',';
    bool header = false;
    BadRowPolicy on_bad_row{};
    std::optional<std::string> key_field;
    std::size_t batch_size = 0;
    std::size_t max_record_bytes = 0;

    bool csv_with_header() const { return format == Format::csv && header; }

    // Reads and cross-checks the options. Throws FatalError naming the key at fault.
    static SourceOptions from(const Config& config);
};

// Every key, the parse into SourceOptions and the cross-key rules (validate()).
const config_kit::Spec<SourceOptions>& source_options_spec();
inline std::vector<ConfigKey> source_config_keys() { return source_options_spec().keys(); }

// Reads a csv.delimiter value: one character, or the two-character escape "\t" for a tab.
// Throws FatalError for anything else.
char parse_delimiter(const std::string& text);

}  // namespace sluice::file_source
