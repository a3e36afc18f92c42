#include "source_options.hpp"


namespace sluice::file_source {

const config_kit::Spec<SourceOptions>& source_options_spec() {
    using O = SourceOptions;
    static const auto built = [] {
        config_kit::Spec<O> k;
        k.key("path", &O::path, "File to read, as the worker process sees it; also the source partition.").required().local_path();
        k.choice("format", &O::format, {{"lines", Format::lines}, {"csv", Format::csv}}, "lines: one record per line; csv: one JSON record per CSV row.").default_value(Format::lines);
        k.key("skip.empty.lines", &O::skip_empty_lines, "Drop empty lines (lines format) and blank rows (csv format).").default_value(true);
        k.key("csv.delimiter", &O::delimiter_text, "Field delimiter: one character such as , ; or a tab (\\t).").default_value(",");
        k.key("csv.header", &O::header, "The first row names the fields: rows become JSON objects, else JSON arrays.").default_value(true);
        k.choice("csv.on.bad.row", &O::on_bad_row, {{"fail", BadRowPolicy::fail}, {"skip", BadRowPolicy::skip}},
                 "A row whose field count differs from the header: fail the task, or skip it with a warning.").default_value(BadRowPolicy::fail);
        k.key("key.field", &O::key_field, "CSV column whose value becomes the record key (csv with header).");
        k.key("batch.size", &O::batch_size, "Maximum records returned by one poll.").default_value(1000).between(1, 100000);
        k.key("max.record.bytes", &O::max_record_bytes, "Longest line or CSV row accepted; a longer one fails the task instead of growing memory without bound.").default_value(16777216).between(1024, 1073741824);

        k.rule("path", "path: must name the file to read, got an empty value", [](const O& o) { return o.path.empty(); });
        k.derive("csv.delimiter", [](O& o, const Config&) { o.delimiter = parse_delimiter(o.delimiter_text); });
        k.rule("key.field", "key.field needs format: csv with csv.header: true (column names come from the header)",
               [](const O& o) { return o.key_field && !o.csv_with_header(); });
        return k;
    }();
    return built;
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

SourceOptions SourceOptions::from(const Config& config) { return source_options_spec().parse(config); }

}  // namespace sluice::file_source
