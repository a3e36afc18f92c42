#include "options.hpp"

#include <sluice/http_client.hpp>

#include <algorithm>
#include <cctype>

namespace sluice::datagouv {

std::vector<ConfigKey> config_keys() {
    std::vector<ConfigKey> keys;
    keys.push_back(ConfigKey::string("dataset", "data.gouv.fr dataset id or slug (as in https://www.data.gouv.fr/fr/datasets/<slug>/).")
                       .required());
    keys.push_back(ConfigKey::string("base.url", "Portal root; the API is {base.url}/api/1/.")
                       .default_value("https://www.data.gouv.fr"));
    keys.push_back(ConfigKey::list("resource.format", "Resource formats to read: csv, json or both.")
                       .default_value("csv"));
    keys.push_back(ConfigKey::string("resource.title",
                                     "Regular expression (ECMAScript, case-insensitive) a resource title must contain; "
                                     "unset: every resource of a readable format."));
    keys.push_back(ConfigKey::integer("poll.interval.ms", "How often the dataset's resource list is fetched again.")
                       .default_value("3600000")
                       .between(10, 7 * 24 * 3600 * 1000.0));
    keys.push_back(ConfigKey::integer("request.timeout.ms", "Limit for one HTTP request, download included.")
                       .default_value("300000")
                       .between(100, 24 * 3600 * 1000.0));
    keys.push_back(ConfigKey::list("key.fields",
                                   "Fields whose values form the record key (a JSON object); names match "
                                   "case-insensitively. Unset: records have no key."));
    keys.push_back(ConfigKey::string("delimiter", "CSV delimiter: auto (the most frequent of ; , TAB | in the header), "
                                                  "or one character (\\t for TAB).")
                       .default_value("auto"));
    keys.push_back(ConfigKey::string("encoding", "CSV character set: auto (UTF-8 when the whole file is valid UTF-8, "
                                                 "else Windows-1252), utf-8, latin-1 or windows-1252.")
                       .default_value("auto")
                       .one_of({"auto", "utf-8", "latin-1", "windows-1252"}));
    keys.push_back(ConfigKey::boolean("infer.numbers", "CSV columns whose every non-empty value is a number (decimal "
                                                       "point or comma) become JSON numbers; false: all strings.")
                       .default_value("true"));
    keys.push_back(ConfigKey::integer("max.record.bytes",
                                      "Longest CSV record or JSON element accepted; a longer one is reported as "
                                      "errant instead of growing memory without bound.")
                       .default_value("16777216")
                       .between(1024, 1073741824));
    // The names before Kafka Connect's convention, accepted for one release.
    return with_former_names(std::move(keys), {
        {"base.url", "base_url"},
        {"resource.format", "resource_format"},
        {"resource.title", "resource_title"},
        {"poll.interval.ms", "poll_interval_ms"},
        {"request.timeout.ms", "http_timeout_ms"},
        {"key.fields", "key_fields"},
        {"infer.numbers", "infer_numbers"},
        {"max.record.bytes", "max_record_bytes"},
    });
}

Options Options::from(const Config& config) {
    Options o;
    o.dataset = config.string("dataset");
    if (o.dataset.empty() || o.dataset.find_first_of("/?#") != std::string::npos)
        throw FatalError("dataset must be a data.gouv.fr dataset id or slug (no '/', '?' or '#'), got '" + o.dataset + "'");
    o.base_url = config.string("base.url");
    while (!o.base_url.empty() && o.base_url.back() == '/') o.base_url.pop_back();
    if (!o.base_url.starts_with("http://") && !o.base_url.starts_with("https://"))
        throw FatalError("base.url must start with http:// or https://, got '" + o.base_url + "'");

    for (std::string format : config.list("resource.format")) {
        std::transform(format.begin(), format.end(), format.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (!readable_format(format))
            throw FatalError("resource.format: '" + format + "' is not a format this connector reads (csv, json)");
        o.filter.formats.push_back(format);
    }
    if (o.filter.formats.empty()) throw FatalError("resource.format must name at least one of csv, json");
    if (config.has("resource.title") && !config.string("resource.title").empty()) {
        o.filter.title_pattern = config.string("resource.title");
        try {
            o.filter.title.emplace(o.filter.title_pattern, std::regex::ECMAScript | std::regex::icase);
        } catch (const std::regex_error& e) {
            throw FatalError("resource.title is not a valid regular expression (" + std::string(e.what()) + "): " +
                             o.filter.title_pattern);
        }
    }
    o.poll_interval = std::chrono::milliseconds(config.integer("poll.interval.ms"));
    o.http_timeout = std::chrono::milliseconds(config.integer("request.timeout.ms"));
    o.key_fields = config.list("key.fields");

    const std::string delimiter = config.string("delimiter");
    if (delimiter == "\\t") o.csv.delimiter = '\t';
    else if (delimiter != "auto") {
        if (delimiter.size() != 1 || delimiter == "\"" || delimiter == "\r" || delimiter == "\n")
            throw FatalError("delimiter must be auto or one character other than a quote or line break, got '" +
                             delimiter + "'");
        o.csv.delimiter = delimiter[0];
    }
    const std::string encoding = config.string("encoding");
    if (encoding != "auto") {
        o.csv.encoding = encoding_named(encoding);
        if (!o.csv.encoding) throw FatalError("encoding must be auto, utf-8, latin-1 or windows-1252, got '" + encoding + "'");
    }
    o.csv.infer_numbers = config.boolean("infer.numbers");
    o.csv.max_record_bytes = static_cast<std::size_t>(config.integer("max.record.bytes"));
    return o;
}

std::string Options::dataset_url() const {
    return base_url + "/api/1/datasets/" + http::url_encode(dataset) + "/";
}

}  // namespace sluice::datagouv
