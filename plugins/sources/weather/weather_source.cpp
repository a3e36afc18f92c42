// weather: a source connector for Open-Meteo (forecast, archive) and OpenWeather (current
// weather). One feed per configured location (feeds.hpp); this file schedules the feeds,
// makes their requests through sluice_http, and turns failures into the worker's terms:
// transient trouble is retried per location with backoff, a refused key or request fails
// the task, a malformed answer goes to the connector's error policy.
#include "api_call.hpp"
#include "civil_time.hpp"
#include "feeds.hpp"
#include "locations.hpp"
#include "open_meteo.hpp"
#include "openweather.hpp"
#include "weather_settings.hpp"

#include <sluice/http_client.hpp>
#include <sluice/sdk.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace sluice::weather {
namespace {

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

http::Client::Options client_options() {
    http::Client::Options o;
    o.user_agent = "sluice-weather/1.0";
    return o;
}

// Error texts may quote what a server echoed back; the key never leaves the plugin.
std::string scrub(std::string text, const std::string& secret) {
    if (secret.empty()) return text;
    for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 4))
        text.replace(at, secret.size(), "****");
    return text;
}

class WeatherSource : public Source {
public:
    static std::vector<ConfigKey> config_keys() { return weather_config_keys(); }
    static void validate(const Config& config, ConfigProblems& problems) { weather_settings_spec().validate(config, problems); }

    // Pre-flight: the settings hold together, and one request for the first location is
    // answered with data this plugin can read (API reachable, key accepted, variables known).
    static void test(const Config& config, TaskContext&) {
        const WeatherSettings s = WeatherSettings::from(config);
        const Location& loc = s.locations.front();
        std::string url;
        if (s.provider == Provider::openweather) {
            url = openweather_url(s.openweather, loc);
        } else {
            OpenMeteoQuery q = s.open_meteo;
            q.forecast_days = 1;
            q.start_date = q.end_date = format_date(s.start_day);
            url = open_meteo_url(q, loc);
        }
        http::Client client(client_options());
        const std::string where = "pre-flight: " + s.source_name() + " location '" + loc.name + "': ";
        ApiAnswer answer = call_api(client, url, s.request_timeout, s.provider);
        const std::string secret = s.openweather.api_key;
        if (answer.verdict != Verdict::ok) throw FatalError(scrub(where + answer.error, secret));
        try {
            if (s.provider == Provider::openweather) parse_observation(answer.body);
            else parse_hourly(answer.body);
        } catch (const BadResponse& e) {
            throw FatalError(scrub(where + "unreadable answer from " + http::redact_url(url) + ": " + e.what(), secret));
        }
    }

    WeatherSource(const Config& config, TaskContext& context)
        : context_(context), settings_(WeatherSettings::from(config)), client_(client_options()),
          retry_(settings_.retry) {
        const auto mine = locations_of_task(settings_.locations, context.task_id(), context.task_count());
        auto feeds = make_feeds(settings_, mine);
        const std::int64_t now = now_ms();
        std::string names;
        for (auto& feed : feeds) {
            if (auto stored = context.stored_offset(feed->partition())) feed->restore(*stored);
            Slot slot;
            slot.due_ms = feed->first_due_ms(now);
            names += (names.empty() ? "" : ", ") + feed->location().name;
            slot.feed = std::move(feed);
            slots_.push_back(std::move(slot));
        }
        const std::string task = "weather: task " + std::to_string(context.task_id()) + " of " + std::to_string(context.task_count());
        if (slots_.empty())
            context.info(task + " has no location to read (" + std::to_string(settings_.locations.size()) +
                         " locations for " + std::to_string(context.task_count()) + " tasks): it stays idle");
        else
            context.info(task + " reads " + settings_.source_name() + " for " + names);
    }

    void poll(RecordWriter& out, std::chrono::milliseconds timeout) override {
        emit(out);
        if (!pending_.empty()) return;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!context_.stopping()) {
            Slot* next = nullptr;
            for (auto& s : slots_)
                if (next == nullptr || s.due_ms < next->due_ms) next = &s;
            const std::int64_t now = now_ms();
            if (next != nullptr && next->due_ms <= now) {
                fetch(*next, now);
                emit(out);
                return;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return;
            std::int64_t wait = std::min<std::int64_t>(left.count(), 20);
            if (next != nullptr) wait = std::min(wait, next->due_ms - now);
            std::this_thread::sleep_for(std::chrono::milliseconds(wait));
        }
    }

private:
    struct Slot {
        std::unique_ptr<Feed> feed;
        std::int64_t due_ms = 0;
        int failures = 0;  // consecutive failed requests
    };

    void fetch(Slot& slot, std::int64_t now) {
        Feed& feed = *slot.feed;
        const auto url = feed.next_url(now);
        if (!url) {  // an archive that has read every finished day: look again later
            slot.due_ms = now + settings_.poll_interval.count();
            return;
        }
        const std::string where = settings_.source_name() + " location '" + feed.location().name + "'";
        ApiAnswer answer = call_api(client_, *url, settings_.request_timeout, settings_.provider);
        if (answer.verdict == Verdict::fatal) throw FatalError(scrub(where + ": " + answer.error, secret()));
        if (answer.verdict == Verdict::retry) return failed(slot, where + ": " + answer.error, answer.retry_after, now);

        std::vector<std::string> warnings;
        std::vector<PendingRecord> records;
        try {
            records = feed.accept(answer.body, now, warnings);
        } catch (const BadResponse& e) {
            const std::string message =
                scrub(where + ": unreadable answer from " + http::redact_url(*url) + ": " + e.what(), secret());
            SourceRecord errant;
            const std::string key = json::Object().add("location", feed.location().name).str();
            errant.key = key;
            errant.value = answer.body;
            report_errant(context_, errant, message);  // throws unless the error policy tolerates it
            // Tolerated: nothing of this answer was used; ask again after a pause.
            ++slot.failures;
            slot.due_ms = now + retry_.delay(slot.failures).count();
            return;
        }
        for (const auto& w : warnings) context_.warn(w);
        if (slot.failures > 0) context_.info(where + ": answering again after " + std::to_string(slot.failures) + " failed requests");
        slot.failures = 0;
        context_.debug(where + ": " + std::to_string(records.size()) + " records from " + http::redact_url(*url));
        for (auto& r : records) pending_.emplace_back(&slot, std::move(r));
        slot.due_ms = feed.behind(now) ? now : now + settings_.poll_interval.count();
    }

    // A transient failure: this location waits (its own backoff, the others go on); after
    // retry_max_attempts in a row the worker hears of it as a retriable error.
    void failed(Slot& slot, const std::string& error, std::optional<std::chrono::milliseconds> retry_after, std::int64_t now) {
        ++slot.failures;
        const auto delay = retry_.delay(slot.failures, retry_after);
        slot.due_ms = now + delay.count();
        const std::string message = scrub(error, secret()) + " (failure " + std::to_string(slot.failures) + ", next try in " +
                                    std::to_string(delay.count()) + " ms)";
        if (retry_.exhausted(slot.failures)) throw RetriableError(message);
        context_.warn(message);
    }

    void emit(RecordWriter& out) {
        while (!pending_.empty() && !out.full()) {
            const auto& [slot, record] = pending_.front();
            SourceRecord r;
            r.key = record.key;
            r.value = record.value;
            r.source_partition = slot->feed->partition();
            r.source_offset = record.offset;
            r.timestamp_ms = record.timestamp_ms;
            out.add(r);
            pending_.pop_front();
        }
    }

    const std::string& secret() const { return settings_.openweather.api_key; }

    TaskContext& context_;
    WeatherSettings settings_;
    http::Client client_;
    http::RetryPolicy retry_;
    std::vector<Slot> slots_;  // filled once in the constructor: pointers to slots stay valid
    std::deque<std::pair<Slot*, PendingRecord>> pending_;
};

}  // namespace
}  // namespace sluice::weather

SLUICE_SOURCE(sluice::weather::WeatherSource, "weather", "1.0.0",
              "Hourly weather from Open-Meteo (forecast, archive) and current weather from OpenWeather, per location")
