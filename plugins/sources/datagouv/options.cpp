#include "options.hpp"

#include <sluice/http_client.hpp>

#include <algorithm>
#include <cctype>

namespace sluice::datagouv {

namespace {

config_kit::Spec<Options> make_spec() {
    using O = Options;
    config_kit::Spec<O> k;
    k.key("dataset", &O::dataset, "data.gouv.fr dataset id or slug (as in https://www.data.gouv.fr/fr/datasets/<slug>/).").required();
    k.key("base.url", &O::base_url, "Portal root; the API is {base.url}/api/1/.").default_value("https://www.data.gouv.fr").deprecated("base_url");
    k.key("resource.format", &O::formats, "Resource formats to read: csv, json or both.").default_value("csv").deprecated("resource_format");
    k.key("resource.title", [](O& o) -> auto& { return o.filter.title_pattern; }, "Regular expression (ECMAScript, case-insensitive) a resource title must contain; unset: every resource of a readable format.").deprecated("resource_title");
    k.key("poll.interval.ms", &O::poll_interval, "How often the dataset's resource list is fetched again.").default_value(3600000).between(10, 7 * 24 * 3600 * 1000.0).deprecated("poll_interval_ms");
    k.key("request.timeout.ms", &O::http_timeout, "Limit for one HTTP request, download included.").default_value(300000).between(100, 24 * 3600 * 1000.0).deprecated("http_timeout_ms");
    k.key("key.fields", &O::key_fields, "Fields whose values form the record key (a JSON object); names match case-insensitively. Unset: records have no key.").deprecated("key_fields");
    k.key("delimiter", &O::delimiter, "CSV delimiter: auto (the most frequent of ; , TAB | in the header), or one character (\\t for TAB).").default_value("auto");
    k.key("encoding", &O::encoding, "CSV character set: auto (UTF-8 when the whole file is valid UTF-8, else Windows-1252), utf-8, latin-1 or windows-1252.").default_value("auto").one_of({"auto", "utf-8", "latin-1", "windows-1252"});
    k.key("infer.numbers", [](O& o) -> auto& { return o.csv.infer_numbers; }, "CSV columns whose every non-empty value is a number (decimal point or comma) become JSON numbers; false: all strings.").default_value(true).deprecated("infer_numbers");
    k.key("max.record.bytes", [](O& o) -> auto& { return o.csv.max_record_bytes; }, "Longest CSV record or JSON element accepted; a longer one is reported as errant instead of growing memory without bound.").default_value(16777216).between(1024, 1073741824).deprecated("max_record_bytes");

    k.check("dataset", [](const O& o) {
        return o.dataset.empty() || o.dataset.find_first_of("/?#") != std::string::npos
                   ? "dataset must be a data.gouv.fr dataset id or slug (no '/', '?' or '#'), got '" + o.dataset + "'"
                   : std::string();
    });
    k.derive("base.url", [](O& o, const Config&) {
        while (!o.base_url.empty() && o.base_url.back() == '/') o.base_url.pop_back();
    });
    k.check("base.url", [](const O& o) {
        return !o.base_url.starts_with("http://") && !o.base_url.starts_with("https://")
                   ? "base.url must start with http:// or https://, got '" + o.base_url + "'"
                   : std::string();
    });
    k.derive("resource.format", [](O& o, const Config&) {
        for (std::string format : o.formats) {
            std::transform(format.begin(), format.end(), format.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            if (!readable_format(format))
                throw FatalError("resource.format: '" + format + "' is not a format this connector reads (csv, json)");
            o.filter.formats.push_back(format);
        }
        if (o.filter.formats.empty()) throw FatalError("resource.format must name at least one of csv, json");
    });
    k.derive("resource.title", [](O& o, const Config&) {
        if (o.filter.title_pattern.empty()) return;
        try {
            o.filter.title.emplace(o.filter.title_pattern, std::regex::ECMAScript | std::regex::icase);
        } catch (const std::regex_error& e) {
            throw FatalError("resource.title is not a valid regular expression (" + std::string(e.what()) + "): " +
                             o.filter.title_pattern);
        }
    });
    k.derive("delimiter", [](O& o, const Config&) {
        if (o.delimiter == "\\t") o.csv.delimiter = '\t';
        else if (o.delimiter != "auto") {
            if (o.delimiter.size() != 1 || o.delimiter == "\"" || o.delimiter == "\r" || o.delimiter == "\n")
                throw FatalError("delimiter must be auto or one character other than a quote or line break, got '" +
                                 o.delimiter + "'");
            o.csv.delimiter = o.delimiter[0];
        }
    });
    k.derive("encoding", [](O& o, const Config&) {
        if (o.encoding == "auto") return;
        o.csv.encoding = encoding_named(o.encoding);
        if (!o.csv.encoding) throw FatalError("encoding must be auto, utf-8, latin-1 or windows-1252, got '" + o.encoding + "'");
    });
    return k;
}

}  // namespace

const config_kit::Spec<Options>& Options::spec() {
    static const config_kit::Spec<Options> built = make_spec();
    return built;
}

Options Options::from(const Config& config) { return spec().parse(config); }

std::string Options::dataset_url() const {
    return base_url + "/api/1/datasets/" + http::url_encode(dataset) + "/";
}

}  // namespace sluice::datagouv
