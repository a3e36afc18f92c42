#include "settings.hpp"

namespace sluice::ods {

std::vector<ConfigKey> config_keys() {
    std::vector<ConfigKey> k;
    k.push_back(ConfigKey::string("base.url", "Portal root, e.g. https://datahub.bordeaux-metropole.fr").required());
    k.push_back(ConfigKey::string("dataset", "Dataset identifier, e.g. ci_trafi_l").required());
    k.push_back(ConfigKey::string("api", "Explore API v2.1, or the legacy search API v1 (/api/records/1.0/search/)")
                    .default_value("v2.1")
                    .one_of({"v2.1", "v1"}));
    k.push_back(ConfigKey::string("timestamp.field", "Datetime field the cursor follows, e.g. mdate, datetime, t_1h").required());
    k.push_back(ConfigKey::list("key.fields", "Fields identifying a record (the Kafka key), e.g. [gid]").required());
    k.push_back(ConfigKey::string("where", "Extra filter ANDed to the cursor's (ODSQL for v2.1, query language for v1)"));
    k.push_back(ConfigKey::string("select", "Fields to fetch (v2.1 select / v1 fields); the timestamp and key fields are added"));
    k.push_back(ConfigKey::integer("poll.interval.ms", "Time between two sweeps of the dataset once one is complete")
                    .default_value("60000")
                    .between(100, 86400000));
    k.push_back(ConfigKey::integer("page.size", "Records per request (the API allows at most 100)")
                    .default_value("100")
                    .between(1, 100));
    k.push_back(ConfigKey::string("emit", "all: every new version of a record; changes: only records whose fields changed")
                    .default_value("all")
                    .one_of({"all", "changes"}));
    k.push_back(ConfigKey::list("change.fields", "With emit: changes, the fields compared (default: all but the timestamp)"));
    k.push_back(ConfigKey::string("api.key", "API key, sent as 'Authorization: Apikey <key>'").secret());
    k.push_back(ConfigKey::string("timezone", "IANA zone for timestamps written without an offset, e.g. Europe/Paris")
                    .default_value("UTC"));
    k.push_back(ConfigKey::integer("request.timeout.ms", "Timeout of one HTTP request, connect included")
                    .default_value("30000")
                    .between(100, 600000));
    k.push_back(ConfigKey::integer("retry.backoff.max.ms", "Longest wait between two attempts after 429, 5xx or a network error")
                    .default_value("60000")
                    .between(10, 3600000));
    k.push_back(ConfigKey::integer("retry.max.attempts", "Consecutive failed requests before the task fails; 0: retry for ever")
                    .default_value("0")
                    .at_least(0));
    // The names before Kafka Connect's convention, accepted for one release.
    return with_former_names(std::move(k), {
        {"base.url", "base_url"},
        {"timestamp.field", "timestamp_field"},
        {"key.fields", "key_fields"},
        {"poll.interval.ms", "poll_interval_ms"},
        {"page.size", "page_size"},
        {"change.fields", "change_fields"},
        {"api.key", "api_key"},
        {"request.timeout.ms", "request_timeout_ms"},
        {"retry.backoff.max.ms", "retry_backoff_max_ms"},
        {"retry.max.attempts", "max_retries"},
    });
}

Settings Settings::from(const Config& config) {
    Settings s;
    s.base_url = config.string("base.url");
    while (!s.base_url.empty() && s.base_url.back() == '/') s.base_url.pop_back();
    if (s.base_url.rfind("http://", 0) != 0 && s.base_url.rfind("https://", 0) != 0)
        throw FatalError("base.url: expected an http:// or https:// URL, got '" + s.base_url + "'");
    s.dataset = config.string("dataset");
    if (s.dataset.empty() || s.dataset.find_first_of("/?#& ") != std::string::npos)
        throw FatalError("dataset: expected a dataset identifier such as ci_trafi_l, got '" + s.dataset + "'");
    s.api = config.string("api") == "v1" ? Api::v1 : Api::v2_1;
    s.timestamp_field = config.string("timestamp.field");
    s.key_fields = config.list("key.fields");
    if (s.key_fields.empty()) throw FatalError("key.fields: give at least one field, e.g. [gid]");
    for (const auto& f : s.key_fields)
        if (f.empty()) throw FatalError("key.fields: an empty field name");
    s.where = config.string_or("where", "");
    s.select = config.string_or("select", "");
    s.poll_interval = std::chrono::milliseconds(config.integer("poll.interval.ms"));
    s.page_size = static_cast<int>(config.integer("page.size"));
    s.emit = config.string("emit") == "changes" ? Emit::changes : Emit::all;
    s.change_fields = config.list("change.fields");
    if (!s.change_fields.empty() && s.emit != Emit::changes)
        throw FatalError("change.fields: only meaningful with emit: changes");
    s.api_key = config.string_or("api.key", "");
    s.timezone = config.string("timezone");
    s.request_timeout = std::chrono::milliseconds(config.integer("request.timeout.ms"));
    s.retry_backoff_max = std::chrono::milliseconds(config.integer("retry.backoff.max.ms"));
    s.max_retries = static_cast<int>(config.integer("retry.max.attempts"));
    return s;
}

}  // namespace sluice::ods
