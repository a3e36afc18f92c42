#include "settings.hpp"

namespace sluice::ods {
namespace {

config_kit::Spec<Settings> make_spec() {
    using S = Settings;
    config_kit::Spec<S> k;
    k.key("base.url", &S::base_url, "Portal root, e.g. https://datahub.bordeaux-metropole.fr").required().deprecated("base_url");
    k.key("dataset", &S::dataset, "Dataset identifier, e.g. ci_trafi_l").required();
    k.choice("api", &S::api, {{"v2.1", Api::v2_1}, {"v1", Api::v1}}, "Explore API v2.1, or the legacy search API v1 (/api/records/1.0/search/)").default_value(Api::v2_1);
    k.key("timestamp.field", &S::timestamp_field, "Datetime field the cursor follows, e.g. mdate, datetime, t_1h").required().deprecated("timestamp_field");
    k.key("key.fields", &S::key_fields, "Fields identifying a record (the Kafka key), e.g. [gid]").required().deprecated("key_fields");
    k.key("where", &S::where, "Extra filter ANDed to the cursor's (ODSQL for v2.1, query language for v1)");
    k.key("select", &S::select, "Fields to fetch (v2.1 select / v1 fields); the timestamp and key fields are added");
    k.key("poll.interval.ms", &S::poll_interval, "Time between two sweeps of the dataset once one is complete").default_value(60000).between(100, 86400000).deprecated("poll_interval_ms");
    k.key("page.size", &S::page_size, "Records per request (the API allows at most 100)").default_value(100).between(1, 100).deprecated("page_size");
    k.choice("emit", &S::emit, {{"all", Emit::all}, {"changes", Emit::changes}}, "all: every new version of a record; changes: only records whose fields changed").default_value(Emit::all);
    k.key("change.fields", &S::change_fields, "With emit: changes, the fields compared (default: all but the timestamp)").deprecated("change_fields");
    k.key("api.key", &S::api_key, "API key, sent as 'Authorization: Apikey <key>'").secret().deprecated("api_key");
    k.key("timezone", &S::timezone, "IANA zone for timestamps written without an offset, e.g. Europe/Paris").default_value("UTC");
    k.key("request.timeout.ms", &S::request_timeout, "Timeout of one HTTP request, connect included").default_value(30000).between(100, 600000).deprecated("request_timeout_ms");
    k.key("retry.backoff.max.ms", &S::retry_backoff_max, "Longest wait between two attempts after 429, 5xx or a network error").default_value(60000).between(10, 3600000).deprecated("retry_backoff_max_ms");
    k.key("retry.max.attempts", &S::max_retries, "Consecutive failed requests before the task fails; 0: retry for ever").default_value(0).at_least(0).deprecated("max_retries");

    k.derive("base.url", [](S& s, const Config&) {
        while (!s.base_url.empty() && s.base_url.back() == '/') s.base_url.pop_back();
    });
    k.check("base.url", [](const S& s) {
        return s.base_url.rfind("http://", 0) != 0 && s.base_url.rfind("https://", 0) != 0
                   ? "base.url: expected an http:// or https:// URL, got '" + s.base_url + "'"
                   : std::string();
    });
    k.check("dataset", [](const S& s) {
        return s.dataset.empty() || s.dataset.find_first_of("/?#& ") != std::string::npos
                   ? "dataset: expected a dataset identifier such as ci_trafi_l, got '" + s.dataset + "'"
                   : std::string();
    });
    k.rule("key.fields", "key.fields: give at least one field, e.g. [gid]", [](const S& s) { return s.key_fields.empty(); });
    k.rule("key.fields", "key.fields: an empty field name", [](const S& s) { return config_kit::any_empty(s.key_fields); });
    k.rule("change.fields", "change.fields: only meaningful with emit: changes",
           [](const S& s) { return !s.change_fields.empty() && s.emit != Emit::changes; });
    return k;
}

}  // namespace

const config_kit::Spec<Settings>& settings_spec() {
    static const config_kit::Spec<Settings> spec = make_spec();
    return spec;
}

Settings Settings::from(const Config& config) { return settings_spec().parse(config); }

}  // namespace sluice::ods
