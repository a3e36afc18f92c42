#include "source_options.hpp"

#include <cstdint>

namespace sluice::file_source {

std::vector<ConfigKey> source_config_keys() {
    std::vector<ConfigKey> keys;
    keys.push_back(ConfigKey::string("path", "File to read, as the worker process sees it; also the source partition.")
                       .required()
                       .local_path());
    keys.push_back(ConfigKey::string("format", "lines: one record per line; csv: one JSON record per CSV row.")
                       .default_value("lines")
                       .one_of({"lines", "csv"}));
    keys.push_back(ConfigKey::boolean("skip.empty.lines", "Drop empty lines (lines format) and blank rows (csv format).")
                       .default_value("true"));
    keys.push_back(ConfigKey::string("csv.delimiter", "Field delimiter: one character such as , ; or a tab (\\t).")
                       .default_value(","));
    keys.push_back(ConfigKey::boolean("csv.header",
                                      "The first row names the fields: rows become JSON objects, else JSON arrays.")
                       .default_value("true"));
    keys.push_back(ConfigKey::string("csv.on.bad.row",
                                     "A row whose field count differs from the header: fail the task, or skip it "
                                     "with a warning.")
                       .default_value("fail")
                       .one_of({"fail", "skip"}));
    keys.push_back(ConfigKey::string("key.field", "CSV column whose value becomes the record key (csv with header)."));
    keys.push_back(ConfigKey::integer("batch.size", "Maximum records returned by one poll.")
                       .default_value("1000")
                       .between(1, 100000));
    keys.push_back(ConfigKey::integer("max.record.bytes",
                                      "Longest line or CSV row accepted; a longer one fails the task instead of "
                                      "growing memory without bound.")
                       .default_value("16777216")
                       .between(1024, 1073741824));
    return keys;
}

char parse_delimiter(const std::string& text) {
    if (text == "\\t") return '\t';
    if (text.size() != 1)
        throw FatalError("csv.delimiter must be a single character (such as ',', ';' or '\\t'), got '" + text + "' (" +
                         std::to_string(text.size()) + " bytes)");
    const char c = text[0];
    if (c == '"' || c == '\n' || c == '\r')
        throw FatalError("csv.delimiter cannot be a quote, CR or LF");
    return c;
}

SourceOptions SourceOptions::from(const Config& config) {
    SourceOptions o;
    o.path = config.string("path");
    if (o.path.empty()) throw FatalError("path must not be empty");
    o.format = config.string("format") == "csv" ? Format::csv : Format::lines;
    o.skip_empty_lines = config.boolean("skip.empty.lines");
    o.delimiter = parse_delimiter(config.string("csv.delimiter"));
    o.header = config.boolean("csv.header");
    o.on_bad_row = config.string("csv.on.bad.row") == "skip" ? BadRowPolicy::skip : BadRowPolicy::fail;
    if (config.has("key.field")) {
        o.key_field = config.string("key.field");
        if (!o.csv_with_header())
            throw FatalError("key.field needs format: csv with csv.header: true (column names come from the header)");
    }
    // The worker enforces the declared ranges; these guards keep a direct caller honest.
    const std::int64_t batch_size = config.integer("batch.size");
    if (batch_size < 1) throw FatalError("batch.size must be at least 1");
    o.batch_size = static_cast<std::size_t>(batch_size);
    const std::int64_t max_record_bytes = config.integer("max.record.bytes");
    if (max_record_bytes < 1) throw FatalError("max.record.bytes must be at least 1");
    o.max_record_bytes = static_cast<std::size_t>(max_record_bytes);
    return o;
}

}  // namespace sluice::file_source
