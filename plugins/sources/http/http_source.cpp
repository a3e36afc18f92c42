// The `http` source: polls a JSON API (AviationStack flights, an Opendatasoft dataset, SNCF
// or IDFM departures, any REST API) and emits the records found at records.pointer, page by
// page (next link, page number, offset or cursor pagination). Mode timestamp / incrementing
// emits only what is newer than the stored cursor, with the opendatasoft source's rule at
// equal times (progress.hpp): after a restart, no record is skipped and none emitted twice
// beyond the worker's at-least-once window.
#include "progress.hpp"
#include "record_fields.hpp"
#include "settings.hpp"

#include <sluice/civil_time.hpp>
#include <sluice/http_retry.hpp>
#include <sluice/http_client.hpp>
#include <sluice/sdk.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace sluice::http_source {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A failure worth trying again later (network, 429, 5xx, a broken body).
struct Transient {
    std::string message;
    std::optional<std::chrono::milliseconds> server_asks;
};

// The URL with query parameter `name` set to `value` (replaced when present).
std::string with_param(const std::string& url, const std::string& name, const std::string& value) {
    const std::string encoded = http::url_encode(name) + "=" + http::url_encode(value);
    const auto hash = url.find('#');
    std::string base = url.substr(0, hash);
    const auto query = base.find('?');
    if (query != std::string::npos) {
        std::size_t at = query + 1;
        while (at < base.size()) {
            const auto amp = base.find('&', at);
            const std::size_t end = amp == std::string::npos ? base.size() : amp;
            const std::string_view param(base.data() + at, end - at);
            if (param.substr(0, param.find('=')) == name || param.substr(0, param.find('=')) == http::url_encode(name))
                return base.replace(at, end - at, encoded);
            at = end + 1;
        }
    }
    return base + (query == std::string::npos ? "?" : "&") + encoded;
}

// The URL without query parameter `name` (a next link that echoes the API key).
std::string without_param(const std::string& url, const std::string& name) {
    const auto query = url.find('?');
    if (name.empty() || query == std::string::npos) return url;
    std::string out = url.substr(0, query);
    std::string kept;
    std::size_t at = query + 1;
    while (at <= url.size()) {
        const auto amp = url.find('&', at);
        const std::size_t end = amp == std::string::npos ? url.size() : amp;
        const std::string param = url.substr(at, end - at);
        if (!param.empty() && param.substr(0, param.find('=')) != name) kept += (kept.empty() ? "" : "&") + param;
        at = end + 1;
    }
    return kept.empty() ? out : out + "?" + kept;
}

// A next link relative to the request's URL ("/v1/flights?offset=100", "?page=2").
std::string resolve_link(const std::string& link, const std::string& request_url) {
    if (link.rfind("http://", 0) == 0 || link.rfind("https://", 0) == 0) return link;
    const auto scheme = request_url.find("://");
    const auto path_start = request_url.find('/', scheme + 3);
    const std::string origin = request_url.substr(0, path_start);
    if (!link.empty() && link.front() == '/') return origin + link;
    if (!link.empty() && link.front() == '?') return request_url.substr(0, request_url.find('?')) + link;
    const std::string path = request_url.substr(0, request_url.find('?'));
    return path.substr(0, path.rfind('/') + 1) + link;
}

std::string excerpt(const std::string& body) {
    std::string text = body.substr(0, 300);
    std::replace(text.begin(), text.end(), '\n', ' ');
    return text;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
}

class HttpSource : public Source {
public:
    static std::vector<ConfigKey> config_keys() { return http_source::config_keys(); }
    static constexpr int max_tasks = 1;  // one cursor per API
    static void validate(const Config& config, ConfigProblems& problems) { settings_spec().validate(config, problems); }

    // Pre-flight: the first page answers 2xx with an array at records.pointer.
    static void test(const Config& config, TaskContext&) {
        const Settings s = Settings::from(config);
        http::Client client;
        HttpSource probe(s);
        std::string body;
        try {
            body = probe.get(client, probe.page_url(Progress{}));
        } catch (const Transient& t) {
            throw FatalError("the API is not usable: " + t.message);
        }
        const Json j = Json::parse(body, nullptr, false);
        if (j.is_discarded()) throw FatalError("the API answered something that is not JSON: " + excerpt(body));
        const Json* records = s.records_pointer.empty() ? &j : find_path(j, s.records_pointer);
        if (records == nullptr || !records->is_array())
            throw FatalError("records.pointer " + (s.records_pointer.empty() ? std::string("(the body)") : s.records_pointer) +
                             " is not an array in the API's answer: " + excerpt(body));
    }

    HttpSource(const Config& config, TaskContext& context) : HttpSource(Settings::from(config), &context) {
        partition_ = json::Object().add("url", http::redact_url(settings_.url)).str();
        if (auto stored = context.stored_offset(partition_)) {
            try {
                progress_ = Progress::from_offset(std::string(*stored), is_time());
            } catch (const std::exception& e) {
                throw FatalError("http source " + http::redact_url(settings_.url) + ": " + e.what());
            }
            in_sweep_ = progress_.next.has_value();
            context.info("resuming after the stored offset " + std::string(*stored).substr(0, 300));
        }
    }

    void poll(RecordWriter& out, std::chrono::milliseconds timeout) override {
        const Clock::time_point deadline = Clock::now() + timeout;
        while (Clock::now() < not_before_) {
            if (context_->stopping() || Clock::now() >= deadline) return;
            std::this_thread::sleep_for(std::min<Clock::duration>(not_before_ - Clock::now(), 10ms));
        }
        if (!in_sweep_) begin_sweep();
        const std::string url = page_url(progress_);
        try {
            const std::string body = get(client_, url);
            failures_ = 0;
            read_page(body, url, out);
        } catch (const Transient& t) {
            ++failures_;
            if (retry_.exhausted(failures_))
                throw FatalError(t.message + "; giving up after " + std::to_string(failures_) + " attempts in a row (retry.max.attempts)");
            const auto wait = retry_.delay(failures_, t.server_asks);
            context_->warn(t.message + "; attempt " + std::to_string(failures_) + " failed, next in " +
                           std::to_string(wait.count()) + " ms");
            not_before_ = Clock::now() + wait;
        }
    }

private:
    explicit HttpSource(Settings settings, TaskContext* context = nullptr)
        : settings_(std::move(settings)), context_(context), retry_(settings_.retry) {}

    bool is_time() const { return settings_.mode == Mode::timestamp; }

    void begin_sweep() {
        in_sweep_ = true;
        pages_ = 0;
        progress_.seen = progress_.base;
        progress_.next = std::string();
        emitted_in_sweep_.clear();
        swept_ = emitted_ = 0;
    }

    void end_sweep() {
        progress_.base = progress_.seen;
        progress_.next.reset();
        in_sweep_ = false;
        not_before_ = Clock::now() + settings_.poll_interval;
        context_->debug("sweep done: " + std::to_string(pages_) + " pages, " + std::to_string(swept_) + " records read, " +
                        std::to_string(emitted_) + " emitted");
    }

    // The request URL of the page `p.next` names ("" = the first page).
    std::string page_url(const Progress& p) const {
        const std::string state = p.next.value_or("");
        std::string url;
        if (settings_.paging == Paging::next && !state.empty()) {
            url = state;
        } else {
            url = settings_.url;
            auto fill = [&](const std::string& name, const std::string& value) {
                for (auto at = url.find(name); at != std::string::npos; at = url.find(name, at))
                    url.replace(at, name.size(), http::url_encode(value));
            };
            const std::optional<std::int64_t> cursor = p.base.value();
            fill("{offset.timestamp}", cursor && is_time() ? civil_iso(*cursor) : settings_.timestamp_initial);
            fill("{offset.incrementing}",
                 cursor && settings_.mode == Mode::incrementing ? std::to_string(*cursor) : settings_.incrementing_initial);
            const bool limited = settings_.paging == Paging::page || settings_.paging == Paging::offset ||
                                 settings_.paging == Paging::cursor;
            if (limited && !settings_.limit_param.empty())
                url = with_param(url, settings_.limit_param, std::to_string(settings_.limit));
            if (settings_.paging == Paging::page)
                url = with_param(url, settings_.page_param, state.empty() ? std::to_string(settings_.page_start) : state);
            if (settings_.paging == Paging::offset) url = with_param(url, settings_.offset_param, state.empty() ? "0" : state);
            if (settings_.paging == Paging::cursor && !state.empty()) url = with_param(url, settings_.cursor_param, state);
        }
        if (!settings_.auth_query_name.empty()) url = with_param(url, settings_.auth_query_name, settings_.auth_query_value);
        return url;
    }

    static std::string civil_iso(std::int64_t ms) { return civil::format_iso8601(ms, 0); }

    // The URL as logs and errors show it: the credential parameter (whatever its name) and
    // the usual secret-looking ones masked.
    std::string shown(const std::string& url) const {
        if (settings_.auth_query_name.empty() || url.find('?') == std::string::npos) return http::redact_url(url);
        std::string masked = http::redact_url(with_param(url, settings_.auth_query_name, "-"));
        const std::string param = http::url_encode(settings_.auth_query_name) + "=-";
        if (auto at = masked.find(param); at != std::string::npos) masked.replace(at + param.size() - 1, 1, "***");
        return masked;
    }

    // GET; the 2xx body, a Transient, or a FatalError naming the URL (secrets masked).
    std::string get(http::Client& client, const std::string& url) const {
        const std::string where = shown(url);
        http::Request r;
        r.url = url;
        r.timeout = settings_.request_timeout;
        r.headers.push_back({"Accept", "application/json"});
        for (const auto& [name, value] : settings_.headers) r.headers.push_back({name, value});
        if (!settings_.auth_header_value.empty()) r.headers.push_back({settings_.auth_header_name, settings_.auth_header_value});
        http::Response response;
        try {
            response = client.send(r);
        } catch (const http::TransportError& e) {
            throw Transient{e.what(), std::nullopt};
        }
        if (response.status >= 200 && response.status < 300) return std::move(response.body);
        const std::string detail = "HTTP " + std::to_string(response.status) + ": " + excerpt(response.body);
        if (http::is_retriable_status(response.status))
            throw Transient{"GET " + where + ": " + detail, http::requested_wait(response)};
        if (response.status == 401 || response.status == 403)
            throw FatalError("GET " + where + ": access refused (" + detail + "); check auth.header.value / auth.query.value");
        throw FatalError("GET " + where + ": " + detail);
    }

    void read_page(const std::string& body, const std::string& url, RecordWriter& out) {
        ++pages_;
        Json page = Json::parse(body, nullptr, false);
        if (page.is_discarded())
            throw Transient{"GET " + shown(url) + ": the answer is not JSON (" + std::to_string(body.size()) +
                                " bytes): " + excerpt(body),
                            std::nullopt};
        const Json* records = settings_.records_pointer.empty() ? &page : find_path(page, settings_.records_pointer);
        if (records == nullptr || !records->is_array()) {
            // The answer changed shape: the error policy decides (none: the task fails).
            SourceRecord r;
            const std::string raw = dump(page);
            r.value = raw;
            report_errant(*context_, r,
                          "GET " + shown(url) + ": records.pointer " +
                              (settings_.records_pointer.empty() ? std::string("(the body)") : settings_.records_pointer) +
                              " is not an array in the answer; the sweep ends here");
            end_sweep();
            return;
        }
        check_fields(*records, url);
        std::vector<std::pair<std::string, std::string>> keys_values;  // key (or empty), value
        std::vector<std::int64_t> times;
        for (const Json& record : *records) {
            ++swept_;
            std::string problem;
            auto emitted = accept(record, problem);
            if (!problem.empty()) {
                SourceRecord r;
                const std::string raw = dump(record);
                r.value = raw;
                report_errant(*context_, r, "GET " + shown(url) + ": " + problem);
                continue;
            }
            if (!emitted) continue;
            keys_values.emplace_back(std::move(emitted->first), dump(record));
            times.push_back(emitted->second);
        }
        advance_page(page, records->size(), url);
        emitted_ += keys_values.size();
        if (keys_values.empty()) return;
        // The offset rides on the last record of the page (the worker stores a batch's last).
        const std::string offset = settings_.mode == Mode::bulk ? std::string() : progress_.to_offset(is_time());
        for (std::size_t i = 0; i < keys_values.size(); ++i) {
            SourceRecord r;
            if (!keys_values[i].first.empty()) r.key = keys_values[i].first;
            r.value = keys_values[i].second;
            r.timestamp_ms = times[i];
            if (i + 1 == keys_values.size() && !offset.empty()) {
                r.source_partition = partition_;
                r.source_offset = offset;
            }
            out.add(r);
        }
    }

    // Whether to emit the record (its key and time), given the cursor; `problem` when it
    // lacks what the configuration needs.
    std::optional<std::pair<std::string, std::int64_t>> accept(const Json& record, std::string& problem) {
        std::string key;
        if (!settings_.key_fields.empty()) {
            std::string missing;
            auto k = key_of(record, settings_.key_fields, missing);
            if (!k) {
                problem = "a record without a value for the key field '" + missing + "'";
                return std::nullopt;
            }
            key = std::move(*k);
        }
        std::int64_t time = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch()).count();
        if (!settings_.timestamp_field.empty()) {
            const Json* t = find_path(record, settings_.timestamp_field);
            auto ms = t != nullptr ? time_of(*t) : std::nullopt;
            if (!ms) {
                problem = "a record whose timestamp.field '" + settings_.timestamp_field + "' is " +
                          (t == nullptr ? std::string("absent") : "not a time: " + dump(*t));
                return std::nullopt;
            }
            time = *ms;
        }
        if (settings_.mode == Mode::timestamp) {
            if (progress_.base.check(time, key) != Cursor::Verdict::fresh) return std::nullopt;
            if (!emitted_in_sweep_.insert(std::to_string(time) + '\x1f' + key).second) return std::nullopt;
            progress_.seen.advance(time, key);
        } else if (settings_.mode == Mode::incrementing) {
            const Json* id = find_path(record, settings_.incrementing_field);
            if (id == nullptr || !id->is_number_integer()) {
                problem = "a record whose incrementing.field '" + settings_.incrementing_field + "' is not an integer";
                return std::nullopt;
            }
            const auto value = id->get<std::int64_t>();
            if (progress_.base.value() && value <= *progress_.base.value()) return std::nullopt;
            if (!emitted_in_sweep_.insert(std::to_string(value)).second) return std::nullopt;
            progress_.seen.advance(value, {});
        }
        if (settings_.emit == Emit::changes) {
            Json compared = record;
            if (!settings_.timestamp_field.empty() && compared.is_object()) compared.erase(settings_.timestamp_field);
            const std::uint64_t print = std::hash<std::string>{}(dump(compared));
            auto [it, inserted] = fingerprints_.try_emplace(key, print);
            if (!inserted && it->second == print) return std::nullopt;
            it->second = print;
        }
        return std::make_pair(std::move(key), time);
    }

    // Where the next page starts, or the end of the sweep.
    void advance_page(const Json& page, std::size_t count, const std::string& url) {
        auto text_at = [&](const std::string& pointer) -> std::string {
            const Json* v = pointer.empty() ? nullptr : find_path(page, pointer);
            if (v == nullptr || v->is_null()) return {};
            return v->is_string() ? v->get<std::string>() : dump(*v);
        };
        std::optional<std::string> next;
        const std::string state = progress_.next.value_or("");
        auto total_reached = [&](std::int64_t read) {
            const std::string total = text_at(settings_.total_pointer);
            auto t = json::to_int(total);
            return t && read >= *t;
        };
        switch (settings_.paging) {
        case Paging::none: break;
        case Paging::next: {
            const std::string link = text_at(settings_.next_pointer);
            if (!link.empty()) next = without_param(resolve_link(link, url), settings_.auth_query_name);
            break;
        }
        case Paging::page: {
            const std::int64_t number = state.empty() ? settings_.page_start : json::to_int(state).value_or(settings_.page_start);
            const std::int64_t read = (number - settings_.page_start + 1) * settings_.limit;
            if (count > 0 && count >= static_cast<std::size_t>(settings_.limit) && !total_reached(read))
                next = std::to_string(number + 1);
            break;
        }
        case Paging::offset: {
            const std::int64_t from = state.empty() ? 0 : json::to_int(state).value_or(0);
            const std::int64_t read = from + static_cast<std::int64_t>(count);
            if (count > 0 && count >= static_cast<std::size_t>(settings_.limit) && !total_reached(read))
                next = std::to_string(read);
            break;
        }
        case Paging::cursor: {
            const std::string token = text_at(settings_.cursor_pointer);
            if (!token.empty() && token != state) next = token;
            break;
        }
        }
        if (next && pages_ >= settings_.max_pages) {
            context_->warn("sweep stopped after pagination.max.pages (" + std::to_string(settings_.max_pages) +
                           ") pages; the rest is read by the next sweep");
            next.reset();
        }
        if (next) progress_.next = std::move(next);
        else end_sweep();
    }

    // Fields added or removed between pages: a warning (new fields flow into the values).
    void check_fields(const Json& records, const std::string& url) {
        if (records.empty() || !records.front().is_object()) return;
        std::vector<std::string> names;
        for (auto it = records.front().begin(); it != records.front().end(); ++it) names.push_back(it.key());
        std::sort(names.begin(), names.end());
        if (!last_names_.empty() && names != last_names_) {
            std::vector<std::string> added, removed;
            std::set_difference(names.begin(), names.end(), last_names_.begin(), last_names_.end(), std::back_inserter(added));
            std::set_difference(last_names_.begin(), last_names_.end(), names.begin(), names.end(), std::back_inserter(removed));
            context_->warn("the records' fields changed at " + shown(url) + ": added [" + join(added) +
                           "], removed [" + join(removed) + "]");
        }
        last_names_ = std::move(names);
    }

    Settings settings_;
    TaskContext* context_;
    http::Client client_;
    http::RetryPolicy retry_;
    std::string partition_;
    Progress progress_;
    bool in_sweep_ = false;
    int pages_ = 0;
    int failures_ = 0;
    Clock::time_point not_before_ = Clock::now();
    std::unordered_set<std::string> emitted_in_sweep_;
    std::unordered_map<std::string, std::uint64_t> fingerprints_;
    std::vector<std::string> last_names_;
    std::size_t swept_ = 0, emitted_ = 0;
};

}  // namespace
}  // namespace sluice::http_source

SLUICE_SOURCE(sluice::http_source::HttpSource, "http", "1.0.0",
              "Polls a JSON API (pagination, incremental by timestamp or id, exactly the opendatasoft cursor rule)")
