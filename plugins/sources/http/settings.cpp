#include "settings.hpp"

namespace sluice::http_source {

std::vector<ConfigKey> config_keys() {
    std::vector<ConfigKey> k;
    k.push_back(ConfigKey::string("url", "API URL; {offset.timestamp} and {offset.incrementing} are replaced by the stored "
                                         "cursor (URL-encoded)")
                    .required());
    k.push_back(ConfigKey::map("http.headers", "Headers sent with every request, e.g. {Accept: application/json}"));
    k.push_back(ConfigKey::string("auth.header.name", "Header carrying the credential").default_value("Authorization"));
    k.push_back(ConfigKey::string("auth.header.value", "Its value, e.g. 'Bearer <token>'; empty: none")
                    .default_value("")
                    .secret());
    k.push_back(ConfigKey::string("auth.query.name", "Query parameter carrying the credential, e.g. access_key (AviationStack) "
                                                     "or appid (OpenWeather)")
                    .default_value(""));
    k.push_back(ConfigKey::string("auth.query.value", "Its value").default_value("").secret());
    k.push_back(ConfigKey::string("records.pointer", "JSON Pointer to the array of records, e.g. /data or /results; empty: "
                                                     "the body is the array")
                    .default_value(""));
    k.push_back(ConfigKey::list("key.fields", "Fields of a record making the Kafka key (dotted, e.g. flight.iata, or JSON "
                                              "Pointers); one field: its value, several: an object"));
    k.push_back(ConfigKey::string("timestamp.field", "Field holding the record time (ISO 8601, or epoch seconds or "
                                                     "milliseconds); the cursor of mode timestamp")
                    .default_value(""));
    k.push_back(ConfigKey::string("mode", "bulk: every record of every poll; timestamp: records newer than the stored "
                                          "cursor (timestamp.field, keys at equal times); incrementing: records whose "
                                          "incrementing.field is above the stored one")
                    .default_value("bulk")
                    .one_of({"bulk", "timestamp", "incrementing"}));
    k.push_back(ConfigKey::string("incrementing.field", "mode incrementing: the integer field that only grows").default_value(""));
    k.push_back(ConfigKey::string("timestamp.initial", "{offset.timestamp} before the first record").default_value("1970-01-01T00:00:00Z"));
    k.push_back(ConfigKey::string("incrementing.initial", "{offset.incrementing} before the first record").default_value("0"));
    k.push_back(ConfigKey::string("pagination.mode", "none; next (a next-page URL in the body, next.pointer); page "
                                                     "(page.param); offset (offset.param); cursor (cursor.pointer, cursor.param)")
                    .default_value("none")
                    .one_of({"none", "next", "page", "offset", "cursor"}));
    k.push_back(ConfigKey::string("next.pointer", "pagination next: JSON Pointer to the next page's URL").default_value(""));
    k.push_back(ConfigKey::string("page.param", "pagination page: query parameter of the page number").default_value("page"));
    k.push_back(ConfigKey::integer("page.start", "pagination page: number of the first page").default_value("1").at_least(0));
    k.push_back(ConfigKey::string("offset.param", "pagination offset: query parameter of the first record's index")
                    .default_value("offset"));
    k.push_back(ConfigKey::string("limit.param", "Query parameter of the page size (page and offset); empty: not sent")
                    .default_value("limit"));
    k.push_back(ConfigKey::integer("limit", "Records per page asked for; a shorter page is the last").default_value("100").between(1, 100000));
    k.push_back(ConfigKey::string("cursor.pointer", "pagination cursor: JSON Pointer to the next cursor").default_value(""));
    k.push_back(ConfigKey::string("cursor.param", "pagination cursor: its query parameter").default_value("cursor"));
    k.push_back(ConfigKey::string("total.pointer", "page and offset: JSON Pointer to the total number of records, e.g. "
                                                   "/pagination/total; empty: a short page ends the sweep")
                    .default_value(""));
    k.push_back(ConfigKey::integer("pagination.max.pages", "Pages read in one sweep at most").default_value("1000").between(1, 1000000));
    k.push_back(ConfigKey::integer("poll.interval.ms", "Time between two sweeps once one is complete")
                    .default_value("60000")
                    .between(10, 86400000));
    k.push_back(ConfigKey::string("emit", "all: every record read; changes: only records whose fields (the timestamp aside) "
                                          "changed since their key was last seen")
                    .default_value("all")
                    .one_of({"all", "changes"}));
    k.push_back(ConfigKey::integer("request.timeout.ms", "Timeout of one request, connect included").default_value("30000").between(100, 600000));
    k.push_back(ConfigKey::integer("retry.backoff.ms", "First wait after a transient failure (429, 5xx, network); doubles")
                    .default_value("500")
                    .between(1, 600000));
    k.push_back(ConfigKey::integer("retry.backoff.max.ms", "Longest wait between two attempts").default_value("60000").between(1, 3600000));
    k.push_back(ConfigKey::integer("retry.max.attempts", "Consecutive failed requests before the task fails; 0: never")
                    .default_value("0")
                    .at_least(0));
    return k;
}

Settings Settings::from(const Config& config) {
    Settings s;
    s.url = config.string("url");
    if (s.url.rfind("http://", 0) != 0 && s.url.rfind("https://", 0) != 0)
        throw FatalError("url: expected an http:// or https:// URL");
    s.headers = config.map("http.headers");
    s.auth_header_name = config.string("auth.header.name");
    s.auth_header_value = config.string("auth.header.value");
    s.auth_query_name = config.string("auth.query.name");
    s.auth_query_value = config.string("auth.query.value");
    if (s.auth_query_name.empty() != s.auth_query_value.empty())
        throw FatalError("auth.query.name and auth.query.value: give both or neither");
    s.records_pointer = config.string("records.pointer");
    if (!s.records_pointer.empty() && s.records_pointer.front() != '/')
        throw FatalError("records.pointer: a JSON Pointer starts with '/', e.g. /data");
    s.key_fields = config.list("key.fields");
    s.timestamp_field = config.string("timestamp.field");
    const std::string mode = config.string("mode");
    s.mode = mode == "timestamp" ? Mode::timestamp : mode == "incrementing" ? Mode::incrementing : Mode::bulk;
    s.incrementing_field = config.string("incrementing.field");
    if (s.mode == Mode::timestamp && (s.timestamp_field.empty() || s.key_fields.empty()))
        throw FatalError("mode timestamp: needs timestamp.field and key.fields (records sharing a time are told apart by key)");
    if (s.mode == Mode::incrementing && s.incrementing_field.empty()) throw FatalError("mode incrementing: needs incrementing.field");
    if (s.mode != Mode::incrementing && !s.incrementing_field.empty()) throw FatalError("incrementing.field: only for mode incrementing");
    s.timestamp_initial = config.string("timestamp.initial");
    s.incrementing_initial = config.string("incrementing.initial");
    const std::string paging = config.string("pagination.mode");
    s.paging = paging == "next" ? Paging::next
               : paging == "page" ? Paging::page
               : paging == "offset" ? Paging::offset
               : paging == "cursor" ? Paging::cursor
                                    : Paging::none;
    s.next_pointer = config.string("next.pointer");
    s.page_param = config.string("page.param");
    s.page_start = config.integer("page.start");
    s.offset_param = config.string("offset.param");
    s.limit_param = config.string("limit.param");
    s.limit = config.integer("limit");
    s.cursor_pointer = config.string("cursor.pointer");
    s.cursor_param = config.string("cursor.param");
    s.total_pointer = config.string("total.pointer");
    if (s.paging == Paging::next && s.next_pointer.empty()) throw FatalError("pagination.mode next: needs next.pointer, e.g. /links/next");
    if (s.paging == Paging::cursor && s.cursor_pointer.empty()) throw FatalError("pagination.mode cursor: needs cursor.pointer");
    for (const auto* p : {&s.next_pointer, &s.cursor_pointer, &s.total_pointer})
        if (!p->empty() && p->front() != '/') throw FatalError("'" + *p + "': a JSON Pointer starts with '/'");
    s.max_pages = static_cast<int>(config.integer("pagination.max.pages"));
    s.poll_interval = std::chrono::milliseconds(config.integer("poll.interval.ms"));
    s.emit = config.string("emit") == "changes" ? Emit::changes : Emit::all;
    if (s.emit == Emit::changes && s.key_fields.empty()) throw FatalError("emit changes: needs key.fields");
    s.request_timeout = std::chrono::milliseconds(config.integer("request.timeout.ms"));
    s.backoff = std::chrono::milliseconds(config.integer("retry.backoff.ms"));
    s.backoff_max = std::chrono::milliseconds(config.integer("retry.backoff.max.ms"));
    s.max_attempts = static_cast<int>(config.integer("retry.max.attempts"));
    return s;
}

}  // namespace sluice::http_source
