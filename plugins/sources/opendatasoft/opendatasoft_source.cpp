// The `opendatasoft` source: incremental polling of one dataset of an Opendatasoft portal
// (Explore API v2.1, or the legacy search API v1), one record per dataset record.
//
// Each sweep asks for the records whose timestamp is >= the cursor's, in (timestamp, keys)
// order (see sweep.hpp for the 10 000 offset cap), skips those the cursor says were already
// emitted (same timestamp, key in the set), and emits the rest. The cursor is the source
// offset, so a restarted task resumes exactly where the stored offset says.
#include "api_query.hpp"
#include "cursor.hpp"
#include "record_mapper.hpp"
#include "settings.hpp"
#include "sweep.hpp"
#include "time_zone.hpp"

#include <sluice/http_client.hpp>
#include <sluice/http_retry.hpp>
#include <sluice/sdk.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace sluice::ods {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A failure worth trying again later (network, 429, 5xx, a broken body).
struct Transient {
    std::string message;
    std::optional<std::chrono::milliseconds> server_asks;
};

http::Request make_request(const Settings& s, const std::string& url) {
    http::Request r;
    r.url = url;
    r.timeout = s.request_timeout;
    r.headers.push_back({"Accept", "application/json"});
    if (!s.api_key.empty()) r.headers.push_back({"Authorization", "Apikey " + s.api_key});
    return r;
}

// Sends a GET and returns the 200 body; anything else is a Transient or a FatalError.
std::string get(http::Client& client, const Settings& s, const std::string& url, const std::string& what) {
    const std::string shown = http::redact_url(url);
    http::Response response;
    try {
        response = client.send(make_request(s, url));
    } catch (const http::TransportError& e) {
        throw Transient{what + ": " + e.what(), std::nullopt};
    }
    if (response.status == 200) return std::move(response.body);
    const std::string detail = "HTTP " + std::to_string(response.status) + ": " + error_summary(response.body);
    if (http::is_retriable_status(response.status))
        throw Transient{what + ": " + detail + " (" + shown + ")", http::requested_wait(response)};
    if (response.status == 401 || response.status == 403)
        throw FatalError(what + ": access refused (" + detail + "); check api.key (" + shown + ")");
    if (response.status == 404)
        throw FatalError(what + ": dataset '" + s.dataset + "' not found on " + s.base_url + " (" + detail + ")");
    if (response.status == 400)
        throw FatalError(what + ": the portal refused the query (" + detail + "); check where, select and the field names (" +
                         shown + ")");
    throw FatalError(what + ": unexpected answer " + detail + " (" + shown + ")");
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
}

std::vector<std::string> field_names(const Json& record) {
    std::vector<std::string> names;
    if (record.is_object())
        for (auto it = record.begin(); it != record.end(); ++it) names.push_back(it.key());
    std::sort(names.begin(), names.end());
    return names;
}

ResolvedFields fetch_schema(http::Client& client, const Settings& s) {
    const std::string url = catalog_url(s);
    const std::string body = get(client, s, url, "dataset '" + s.dataset + "' description");
    auto schema = parse_catalog_fields(body, http::redact_url(url));
    try {
        return resolve_fields(s, schema);
    } catch (const std::runtime_error& e) {
        throw FatalError(std::string(e.what()) + " (" + http::redact_url(url) + ")");
    }
}

class OpendatasoftSource : public Source {
public:
    static std::vector<ConfigKey> config_keys() { return ods::config_keys(); }
    static void validate(const Config& config, ConfigProblems& problems) { settings_spec().validate(config, problems); }
    // One cursor per dataset: a second task would read the same records again.
    static constexpr int max_tasks = 1;

    // Pre-flight: the portal answers, the dataset exists, the configured fields exist.
    static void test(const Config& config, TaskContext&) {
        const Settings s = Settings::from(config);
        try {
            (void)TimeZone::load(s.timezone);
        } catch (const TimeZoneError& e) {
            throw FatalError(std::string("timezone: ") + e.what());
        }
        http::Client client;
        ResolvedFields f;
        try {
            f = fetch_schema(client, s);
        } catch (const Transient& t) {
            throw FatalError("portal " + s.base_url + " is not usable: " + t.message);
        } catch (const ResponseError& e) {
            throw FatalError(e.what());
        }
        if (!f.timestamp_type.empty() && f.timestamp_type != "datetime" && f.timestamp_type != "date")
            throw FatalError("timestamp.field '" + s.timestamp_field + "' of dataset '" + s.dataset + "' is of type " +
                             f.timestamp_type + "; the cursor needs a date or datetime field");
    }

    OpendatasoftSource(const Config& config, TaskContext& context)
        : settings_(Settings::from(config)),
          zone_(load_zone(settings_.timezone)),
          mapper_(settings_, zone_),
          context_(context),
          retry_({.backoff = std::chrono::milliseconds(500), .backoff_max = settings_.retry_backoff_max,
                  .max_attempts = settings_.max_retries}),
          partition_(json::Object().add("portal", settings_.base_url).add("dataset", settings_.dataset).str()) {
        if (auto stored = context.stored_offset(partition_)) {
            try {
                cursor_ = Cursor::from_offset(*stored);
            } catch (const std::exception& e) {
                throw FatalError("dataset '" + settings_.dataset + "': " + e.what());
            }
            context_.info("opendatasoft: " + settings_.dataset + " resumes after " + format_utc(*cursor_.ts_ms()) + " (" +
                          std::to_string(cursor_.keys_at_ts()) + " keys already emitted at that time)");
        } else {
            context_.info("opendatasoft: " + settings_.dataset + " starts from the beginning (no stored offset)");
        }
    }

    void poll(RecordWriter& out, std::chrono::milliseconds timeout) override {
        const Clock::time_point deadline = Clock::now() + timeout;
        while (Clock::now() < not_before_) {
            if (context_.stopping() || Clock::now() >= deadline) return;
            std::this_thread::sleep_for(std::min<Clock::duration>(not_before_ - Clock::now(), 10ms));
        }
        try {
            if (!fields_) {
                try {
                    fields_ = fetch_schema(client_, settings_);
                } catch (const ResponseError& e) {
                    if (e.retriable()) throw Transient{e.what(), std::nullopt};
                    throw FatalError(e.what());
                }
            }
            if (!sweep_) begin_sweep();
            const int limit = std::min<int>(settings_.page_size, static_cast<int>(std::max<std::size_t>(1, out.max_records())));
            if (limit != sweep_->limit()) sweep_.emplace(sweep_->anchor().from_ts_ms, limit);  // first page only
            const std::string url = records_url(settings_, *fields_, sweep_->anchor(), limit);
            const std::string body = get(client_, settings_, url, "dataset '" + settings_.dataset + "' records");
            Page page;
            try {
                page = parse_page(body, settings_.api, "dataset '" + settings_.dataset + "' (" + http::redact_url(url) + ")");
            } catch (const ResponseError& e) {
                if (e.retriable()) throw Transient{e.what(), std::nullopt};
                throw FatalError(e.what());
            }
            failures_ = 0;
            ++requests_;
            process(page, url, out);
            if (!sweep_->page_done(page.records.size())) end_sweep();
        } catch (const Transient& t) {
            ++failures_;
            const auto wait = retry_.delay(failures_, t.server_asks);
            // retry.max.attempts counts retries here (its former name was max_retries): the
            // first attempt is not one of them.
            if (retry_.exhausted(failures_ - 1))
                throw FatalError(t.message + "; giving up after " + std::to_string(failures_) + " attempts in a row (retry.max.attempts)");
            context_.warn("opendatasoft: " + t.message + "; attempt " + std::to_string(failures_) + " failed, next in " +
                          std::to_string(wait.count()) + " ms");
            not_before_ = Clock::now() + wait;
        }
    }

private:
    static TimeZone load_zone(const std::string& name) {
        try {
            return TimeZone::load(name);
        } catch (const TimeZoneError& e) {
            throw FatalError(std::string("timezone: ") + e.what());
        }
    }

    void begin_sweep() {
        sweep_.emplace(cursor_.ts_ms(), settings_.page_size);
        swept_ = emitted_ = 0;
        requests_ = 0;
        repeated_ = unchanged_ = older_ = errant_ = 0;
        emitted_keys_at_ts_.clear();
    }

    void end_sweep() {
        const std::string summary = "opendatasoft: " + settings_.dataset + " sweep done: " + std::to_string(swept_) +
                                    " records read in " + std::to_string(requests_) + " requests (" +
                                    std::to_string(sweep_->windows()) + " windows), " + std::to_string(emitted_) +
                                    " emitted, " + std::to_string(unchanged_) + " unchanged, " + std::to_string(errant_) +
                                    " errant; cursor " + (cursor_.empty() ? std::string("empty") : format_utc(*cursor_.ts_ms()));
        if (emitted_ > 0 || errant_ > 0) context_.info(summary);
        else context_.debug(summary);
        if (repeated_ > 0)
            context_.warn("opendatasoft: " + std::to_string(repeated_) + " records of dataset '" + settings_.dataset +
                          "' repeated a key already emitted at the same timestamp; only the first of each was emitted "
                          "(key.fields [" + join(settings_.key_fields) + "] do not identify records uniquely: add a field)");
        if (older_ > 0)
            context_.warn("opendatasoft: the portal returned " + std::to_string(older_) +
                          " records older than the cursor (ignored): does it honour the where clause?");
        sweep_.reset();
        not_before_ = Clock::now() + settings_.poll_interval;
    }

    // A schema change between answers: logged, and fatal when a needed field is gone.
    void check_schema(const Page& page, const std::string& url) {
        if (page.records.empty()) return;
        std::vector<std::string> names = field_names(page.records.front());
        if (!last_names_.empty() && names != last_names_) {
            std::vector<std::string> added, removed;
            std::set_difference(names.begin(), names.end(), last_names_.begin(), last_names_.end(), std::back_inserter(added));
            std::set_difference(last_names_.begin(), last_names_.end(), names.begin(), names.end(), std::back_inserter(removed));
            context_.warn("opendatasoft: the fields of dataset '" + settings_.dataset + "' changed: added [" + join(added) +
                          "], removed [" + join(removed) + "]");
        }
        last_names_ = std::move(names);
        std::vector<std::string> needed = {settings_.timestamp_field};
        needed.insert(needed.end(), settings_.key_fields.begin(), settings_.key_fields.end());
        for (const auto& field : needed) {
            const bool anywhere = std::any_of(page.records.begin(), page.records.end(),
                                              [&](const Json& r) { return find_field(r, field) != nullptr; });
            if (!anywhere)
                throw FatalError("dataset '" + settings_.dataset + "': no record of the answer has the field '" + field +
                                 "' any more (schema changed?); fields now: " + join(last_names_) + " (" +
                                 http::redact_url(url) + ")");
        }
    }

    void report(const Json& raw, const std::string& field, const std::string& what, const std::string& url) {
        ++errant_;
        const std::string value = raw.dump(-1, ' ', false, Json::error_handler_t::replace);
        SourceRecord r;
        r.value = value;
        report_errant(context_, r,
                      "dataset '" + settings_.dataset + "'" + (field.empty() ? "" : ", field '" + field + "'") + ": " + what +
                          " (" + http::redact_url(url) + ")");
    }

    void process(Page& page, const std::string& url, RecordWriter& out) {
        check_schema(page, url);
        std::vector<MappedRecord> emit;
        for (Json& raw : page.records) {
            ++swept_;
            Json original = raw;  // the errant copy keeps the bytes as received
            MappedRecord m;
            try {
                m = mapper_.map(raw);
            } catch (const MappingError& e) {
                report(original, e.field(), e.what(), url);
                continue;
            }
            Json keys = Json::array();
            for (const auto& k : fields_->keys) keys.push_back(*find_field(raw, k));
            sweep_->saw(m.timestamp_ms, keys);
            switch (cursor_.check(m.timestamp_ms, m.key_id)) {
            case Cursor::Verdict::older: ++older_; continue;
            case Cursor::Verdict::already_emitted:
                if (emitted_keys_at_ts_.count(m.key_id)) ++repeated_;
                continue;
            case Cursor::Verdict::fresh: break;
            }
            if (cursor_.ts_ms() != m.timestamp_ms) emitted_keys_at_ts_.clear();
            cursor_.advance(m.timestamp_ms, m.key_id);
            emitted_keys_at_ts_.insert(m.key_id);
            if (settings_.emit == Emit::changes) {
                auto [it, inserted] = fingerprints_.try_emplace(m.key_id, m.fingerprint);
                if (!inserted && it->second == m.fingerprint) {
                    ++unchanged_;
                    continue;
                }
                it->second = m.fingerprint;
            }
            emit.push_back(std::move(m));
        }
        if (emit.empty()) return;
        // The offset rides on the last record of the page only: it holds the key set, and
        // the worker stores the last offset of a batch anyway.
        const std::string offset = cursor_.to_offset();
        for (std::size_t i = 0; i < emit.size(); ++i) {
            SourceRecord r;
            r.key = emit[i].key;
            r.value = emit[i].value;
            r.timestamp_ms = emit[i].timestamp_ms;
            if (i + 1 == emit.size()) {
                r.source_partition = partition_;
                r.source_offset = offset;
            }
            out.add(r);
        }
        emitted_ += emit.size();
    }

    Settings settings_;
    TimeZone zone_;
    RecordMapper mapper_;
    TaskContext& context_;
    http::Client client_;
    http::RetryPolicy retry_;
    std::string partition_;
    Cursor cursor_;
    std::optional<ResolvedFields> fields_;
    std::optional<Sweep> sweep_;
    Clock::time_point not_before_ = Clock::now();
    int failures_ = 0;
    std::unordered_map<std::string, std::uint64_t> fingerprints_;  // emit: changes
    std::unordered_set<std::string> emitted_keys_at_ts_;           // this sweep, at the cursor's timestamp
    std::vector<std::string> last_names_;
    std::size_t swept_ = 0, emitted_ = 0, requests_ = 0, repeated_ = 0, unchanged_ = 0, older_ = 0, errant_ = 0;
};

}  // namespace
}  // namespace sluice::ods

SLUICE_SOURCE(sluice::ods::OpendatasoftSource, "opendatasoft",
              "1.0.0", "Incremental polling of an Opendatasoft portal dataset (Explore API v2.1 or search API v1)")
