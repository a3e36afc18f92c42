#include "settings.hpp"

namespace sluice::http_source {
namespace {

bool is_pointer(const std::string& p) { return p.empty() || p.front() == '/'; }

config_kit::Spec<Settings> make_spec() {
    using S = Settings;
    config_kit::Spec<S> k;
    k.key("url", &S::url, "API URL; {offset.timestamp} and {offset.incrementing} are replaced by the stored cursor (URL-encoded)").required();
    k.key("http.headers", &S::headers, "Headers sent with every request, e.g. {Accept: application/json}");
    k.key("auth.header.name", &S::auth_header_name, "Header carrying the credential").default_value("Authorization");
    k.key("auth.header.value", &S::auth_header_value, "Its value, e.g. 'Bearer <token>'; empty: none").default_value("").secret();
    k.key("auth.query.name", &S::auth_query_name, "Query parameter carrying the credential, e.g. access_key (AviationStack) or appid (OpenWeather)").default_value("");
    k.key("auth.query.value", &S::auth_query_value, "Its value").default_value("").secret();
    k.key("records.pointer", &S::records_pointer, "JSON Pointer to the array of records, e.g. /data or /results; empty: the body is the array").default_value("");
    k.key("key.fields", &S::key_fields, "Fields of a record making the Kafka key (dotted, e.g. flight.iata, or JSON Pointers); one field: its value, several: an object");
    k.key("timestamp.field", &S::timestamp_field, "Field holding the record time (ISO 8601, or epoch seconds or milliseconds); the cursor of mode timestamp").default_value("");
    k.choice("mode", &S::mode, {{"bulk", Mode::bulk}, {"timestamp", Mode::timestamp}, {"incrementing", Mode::incrementing}},
             "bulk: every record of every poll; timestamp: records newer than the stored cursor (timestamp.field, keys at equal times); incrementing: records whose incrementing.field is above the stored one").default_value(Mode::bulk);
    k.key("incrementing.field", &S::incrementing_field, "mode incrementing: the integer field that only grows").default_value("");
    k.key("timestamp.initial", &S::timestamp_initial, "{offset.timestamp} before the first record").default_value("1970-01-01T00:00:00Z");
    k.key("incrementing.initial", &S::incrementing_initial, "{offset.incrementing} before the first record").default_value("0");
    k.choice("pagination.mode", &S::paging, {{"none", Paging::none}, {"next", Paging::next}, {"page", Paging::page}, {"offset", Paging::offset}, {"cursor", Paging::cursor}},
             "none; next (a next-page URL in the body, next.pointer); page (page.param); offset (offset.param); cursor (cursor.pointer, cursor.param)").default_value(Paging::none);
    k.key("next.pointer", &S::next_pointer, "pagination next: JSON Pointer to the next page's URL").default_value("");
    k.key("page.param", &S::page_param, "pagination page: query parameter of the page number").default_value("page");
    k.key("page.start", &S::page_start, "pagination page: number of the first page").default_value(1).at_least(0);
    k.key("offset.param", &S::offset_param, "pagination offset: query parameter of the first record's index").default_value("offset");
    k.key("limit.param", &S::limit_param, "Query parameter of the page size (page and offset); empty: not sent").default_value("limit");
    k.key("limit", &S::limit, "Records per page asked for; a shorter page is the last").default_value(100).between(1, 100000);
    k.key("cursor.pointer", &S::cursor_pointer, "pagination cursor: JSON Pointer to the next cursor").default_value("");
    k.key("cursor.param", &S::cursor_param, "pagination cursor: its query parameter").default_value("cursor");
    k.key("total.pointer", &S::total_pointer, "page and offset: JSON Pointer to the total number of records, e.g. /pagination/total; empty: a short page ends the sweep").default_value("");
    k.key("pagination.max.pages", &S::max_pages, "Pages read in one sweep at most").default_value(1000).between(1, 1000000);
    k.key("poll.interval.ms", &S::poll_interval, "Time between two sweeps once one is complete").default_value(60000).between(10, 86400000);
    k.choice("emit", &S::emit, {{"all", Emit::all}, {"changes", Emit::changes}},
             "all: every record read; changes: only records whose fields (the timestamp aside) changed since their key was last seen").default_value(Emit::all);
    k.key("request.timeout.ms", &S::request_timeout, "Timeout of one request, connect included").default_value(30000).between(100, 600000);
    k.key("retry.backoff.ms", [](S& s) -> auto& { return s.retry.backoff; }, "First wait after a transient failure (429, 5xx, network); doubles").default_value(500).between(1, 600000);
    k.key("retry.backoff.max.ms", [](S& s) -> auto& { return s.retry.backoff_max; }, "Longest wait between two attempts").default_value(60000).between(1, 3600000);
    k.key("retry.max.attempts", [](S& s) -> auto& { return s.retry.max_attempts; }, "Consecutive failed requests before the task fails; 0: never").default_value(0).at_least(0);

    // Rules across keys and on a value's shape: `sluice validate` reports each at its key.
    k.rule("url", "url: expected an http:// or https:// URL",
           [](const S& s) { return s.url.rfind("http://", 0) != 0 && s.url.rfind("https://", 0) != 0; });
    k.rule("auth.query.value", "auth.query.name and auth.query.value: give both or neither",
           [](const S& s) { return s.auth_query_name.empty() != s.auth_query_value.empty(); });
    k.rule("records.pointer", "records.pointer: a JSON Pointer starts with '/', e.g. /data",
           [](const S& s) { return !is_pointer(s.records_pointer); });
    k.rule("mode", "mode timestamp: needs timestamp.field and key.fields (records sharing a time are told apart by key)",
           [](const S& s) { return s.mode == Mode::timestamp && (s.timestamp_field.empty() || s.key_fields.empty()); });
    k.rule("mode", "mode incrementing: needs incrementing.field",
           [](const S& s) { return s.mode == Mode::incrementing && s.incrementing_field.empty(); });
    k.rule("incrementing.field", "incrementing.field: only for mode incrementing",
           [](const S& s) { return s.mode != Mode::incrementing && !s.incrementing_field.empty(); });
    k.rule("pagination.mode", "pagination.mode next: needs next.pointer, e.g. /links/next",
           [](const S& s) { return s.paging == Paging::next && s.next_pointer.empty(); });
    k.rule("pagination.mode", "pagination.mode cursor: needs cursor.pointer",
           [](const S& s) { return s.paging == Paging::cursor && s.cursor_pointer.empty(); });
    for (auto [key, field] : {std::pair{"next.pointer", &S::next_pointer}, std::pair{"cursor.pointer", &S::cursor_pointer},
                              std::pair{"total.pointer", &S::total_pointer}})
        k.check(key, [field](const S& s) {
            return is_pointer(s.*field) ? std::string() : "'" + s.*field + "': a JSON Pointer starts with '/'";
        });
    k.rule("emit", "emit changes: needs key.fields", [](const S& s) { return s.emit == Emit::changes && s.key_fields.empty(); });
    return k;
}

}  // namespace

const config_kit::Spec<Settings>& settings_spec() {
    static const config_kit::Spec<Settings> spec = make_spec();
    return spec;
}

Settings Settings::from(const Config& config) { return settings_spec().parse(config); }

}  // namespace sluice::http_source
