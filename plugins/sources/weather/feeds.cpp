#include "feeds.hpp"

#include "civil_time.hpp"
#include "open_meteo.hpp"
#include "openweather.hpp"

#include <sluice/sdk.hpp>

#include <algorithm>

namespace sluice::weather {

namespace {

constexpr std::int64_t seconds_per_day = 86400;

std::string effective_timezone(const WeatherSettings& s, const Location& loc) {
    return loc.timezone.empty() ? s.open_meteo.timezone : loc.timezone;
}

std::map<std::string, std::string> stored_fields(const Feed& feed, std::string_view stored, const char* expected) {
    auto fields = json::parse_flat(stored);
    if (!fields)
        throw FatalError("stored offset " + std::string(stored) + " of partition " + feed.partition() +
                         " is not a JSON object; expected " + expected);
    return *fields;
}

[[noreturn]] void bad_offset(const Feed& feed, std::string_view stored, const char* expected) {
    throw FatalError("stored offset " + std::string(stored) + " of partition " + feed.partition() +
                     " is not one this plugin writes; expected " + expected +
                     " (rename the connector to start from scratch)");
}

// The instant and local-time fields shared by every Open-Meteo record.
std::string hour_fields(const HourlySeries& s, std::size_t i) {
    std::string out;
    out += ",\"time\":" + json::quote(format_local(s.instants[i], s.utc_offset_seconds));
    out += ",\"time_utc\":" + json::quote(format_utc(s.instants[i]));
    out += ",\"timezone\":" + json::quote(s.timezone);
    out += ",\"utc_offset_seconds\":" + std::to_string(s.utc_offset_seconds);
    out += ",\"grid_latitude\":" + s.grid_latitude + ",\"grid_longitude\":" + s.grid_longitude +
           ",\"elevation\":" + s.elevation;
    return out;
}

void warn_if_irregular(const HourlySeries& s, const Location& loc, std::vector<std::string>& warnings) {
    if (s.irregular_steps)
        warnings.push_back("location '" + loc.name + "': the iso8601 times are not evenly spaced (a DST change in " +
                           s.timezone + "?); one utc_offset_seconds (" + std::to_string(s.utc_offset_seconds) +
                           ") converted them all, so hours after the change may be shifted. Use timeformat: unixtime "
                           "for exact instants.");
}

// ---- open-meteo forecast ------------------------------------------------------------------

class ForecastFeed final : public Feed {
public:
    using Feed::Feed;
    static constexpr const char* kExpected = "{\"last_run_generated_at\":\"<UTC time>\",\"hours_emitted\":n,\"hours_in_run\":n}";

    void restore(std::string_view stored) override {
        auto f = stored_fields(*this, stored, kExpected);
        if (!f.count("last_run_generated_at") || !f.count("hours_emitted") || !f.count("hours_in_run")) bad_offset(*this, stored, kExpected);
        auto at = parse_utc_ms(f["last_run_generated_at"]);
        auto emitted = json::to_int(f["hours_emitted"]);
        auto total = json::to_int(f["hours_in_run"]);
        if (!at || !emitted || !total) bad_offset(*this, stored, kExpected);
        last_run_ms_ = *at;
        // A run cut short (crash, stop) is fetched again at once: its hours come again with
        // the same keys, which upserts absorb.
        last_run_complete_ = *emitted >= *total;
    }

    std::int64_t first_due_ms(std::int64_t now_ms) const override {
        if (!last_run_ms_ || !last_run_complete_) return now_ms;
        return std::max(now_ms, *last_run_ms_ + static_cast<std::int64_t>(settings_.poll_interval.count()));
    }

    std::optional<std::string> next_url(std::int64_t) override { return open_meteo_url(settings_.open_meteo, location_); }

    std::vector<PendingRecord> accept(std::string_view body, std::int64_t now_ms, std::vector<std::string>& warnings) override {
        const HourlySeries s = parse_hourly(body);
        warn_if_irregular(s, location_, warnings);
        const std::string generated_at = format_utc_ms(now_ms);
        const std::string head = value_head("open-meteo", "forecast");
        const std::size_t n = s.instants.size();
        std::vector<PendingRecord> out;
        out.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            PendingRecord r;
            r.key = record_key(s.instants[i]);
            r.value = head + hour_fields(s, i) + ",\"generated_at\":" + json::quote(generated_at) +
                      ",\"values\":" + s.values_json[i] + ",\"units\":" + s.units_json + "}";
            r.offset = json::Object()
                           .add("last_run_generated_at", generated_at)
                           .add("hours_emitted", static_cast<std::int64_t>(i + 1))
                           .add("hours_in_run", static_cast<std::int64_t>(n))
                           .str();
            r.timestamp_ms = s.instants[i] * 1000;
            out.push_back(std::move(r));
        }
        last_run_ms_ = now_ms;
        last_run_complete_ = true;
        return out;
    }

private:
    std::optional<std::int64_t> last_run_ms_;
    bool last_run_complete_ = true;
};

// ---- open-meteo archive -------------------------------------------------------------------

class ArchiveFeed final : public Feed {
public:
    ArchiveFeed(const WeatherSettings& settings, Location location, std::string partition)
        : Feed(settings, std::move(location), std::move(partition)), next_day_(settings.start_day) {}
    static constexpr const char* kExpected = "{\"last_date\":\"YYYY-MM-DD\",\"last_time\":\"<UTC time>\"}";

    void restore(std::string_view stored) override {
        auto f = stored_fields(*this, stored, kExpected);
        if (!f.count("last_date") || !f.count("last_time")) bad_offset(*this, stored, kExpected);
        auto day = parse_date(f["last_date"]);
        auto time = parse_utc(f["last_time"]);
        if (!day || !time) bad_offset(*this, stored, kExpected);
        next_day_ = std::max(*day + 1, settings_.start_day);
        last_time_ = *time;
    }

    std::optional<std::string> next_url(std::int64_t now_ms) override {
        const std::int64_t limit = last_day(now_ms);
        if (next_day_ > limit) return std::nullopt;
        window_first_ = next_day_;
        window_last_ = std::min(next_day_ + settings_.window_days - 1, limit);
        OpenMeteoQuery q = settings_.open_meteo;
        q.start_date = format_date(window_first_);
        q.end_date = format_date(window_last_);
        return open_meteo_url(q, location_);
    }

    std::vector<PendingRecord> accept(std::string_view body, std::int64_t, std::vector<std::string>& warnings) override {
        const HourlySeries s = parse_hourly(body);
        warn_if_irregular(s, location_, warnings);
        const std::size_t n = s.instants.size();
        std::vector<std::int64_t> days(n);
        for (std::size_t i = 0; i < n; ++i) days[i] = day_of_seconds(s.instants[i] + s.utc_offset_seconds);
        // Every day of the window must be there: a missing day would be a silent gap.
        for (std::int64_t d = window_first_; d <= window_last_; ++d)
            if (std::find(days.begin(), days.end(), d) == days.end())
                throw BadResponse("the answer for " + format_date(window_first_) + ".." + format_date(window_last_) +
                                  " has no hour of " + format_date(d));
        const std::string head = value_head("open-meteo", "archive");
        std::vector<PendingRecord> out;
        std::int64_t completed = next_day_ - 1;
        for (std::size_t i = 0; i < n; ++i) {
            if (days[i] < window_first_ || days[i] > window_last_) continue;  // not asked for: read in its own window
            const bool ends_day = i + 1 == n || days[i + 1] > days[i];
            if (ends_day) completed = std::max(completed, days[i]);
            if (last_time_ && s.instants[i] <= *last_time_) continue;  // emitted before a restart
            PendingRecord r;
            r.key = record_key(s.instants[i]);
            r.value = head + hour_fields(s, i) + ",\"values\":" + s.values_json[i] + ",\"units\":" + s.units_json + "}";
            r.offset = json::Object().add("last_date", format_date(completed)).add("last_time", format_utc(s.instants[i])).str();
            r.timestamp_ms = s.instants[i] * 1000;
            out.push_back(std::move(r));
            last_time_ = s.instants[i];
        }
        next_day_ = window_last_ + 1;
        return out;
    }

    bool behind(std::int64_t now_ms) const override { return next_day_ <= last_day(now_ms); }

private:
    std::int64_t last_day(std::int64_t now_ms) const {
        if (settings_.end_day) return *settings_.end_day;
        return day_of_seconds(now_ms / 1000) - settings_.lag_days;
    }

    std::int64_t next_day_;                 // first day not fully emitted
    std::optional<std::int64_t> last_time_; // UTC seconds of the last record emitted
    std::int64_t window_first_ = 0, window_last_ = -1;
};

// ---- openweather current --------------------------------------------------------------------

class ObservationFeed final : public Feed {
public:
    using Feed::Feed;
    static constexpr const char* kExpected = "{\"last_dt\":<Unix seconds>}";

    void restore(std::string_view stored) override {
        auto f = stored_fields(*this, stored, kExpected);
        auto dt = f.count("last_dt") ? json::to_int(f["last_dt"]) : std::nullopt;
        if (!dt) bad_offset(*this, stored, kExpected);
        last_dt_ = *dt;
    }

    std::optional<std::string> next_url(std::int64_t) override { return openweather_url(settings_.openweather, location_); }

    std::vector<PendingRecord> accept(std::string_view body, std::int64_t, std::vector<std::string>&) override {
        const Observation o = parse_observation(body);
        // The same observation is served until the station reports again; an older one (the
        // API switched stations) is not news either.
        if (last_dt_ && o.dt <= *last_dt_) return {};
        PendingRecord r;
        r.key = record_key(o.dt);
        const OpenWeatherQuery& q = settings_.openweather;
        r.value = value_head("openweather", "current") + ",\"time\":" + json::quote(format_local(o.dt, o.timezone_offset)) +
                  ",\"time_utc\":" + json::quote(format_utc(o.dt)) + ",\"units\":" + json::quote(q.units) +
                  ",\"lang\":" + (q.lang.empty() ? std::string("null") : json::quote(q.lang)) +
                  ",\"observation\":" + o.json + "}";
        r.offset = json::Object().add("last_dt", o.dt).str();
        r.timestamp_ms = o.dt * 1000;
        last_dt_ = o.dt;
        return {std::move(r)};
    }

private:
    std::optional<std::int64_t> last_dt_;
};

}  // namespace

std::string Feed::record_key(std::int64_t epoch_seconds) const {
    return json::Object().add("location", location_.name).add("time", format_utc(epoch_seconds)).str();
}

std::string Feed::value_head(const char* provider, const char* endpoint) const {
    return "{\"provider\":" + json::quote(provider) + ",\"endpoint\":" + json::quote(endpoint) +
           ",\"location\":" + json::quote(location_.name) + ",\"latitude\":" + location_.latitude +
           ",\"longitude\":" + location_.longitude;
}

std::string partition_of(const WeatherSettings& s, const Location& loc) {
    if (s.provider == Provider::openweather)
        return json::Object()
            .add("provider", "openweather")
            .add("location", loc.name)
            .add("latitude", loc.latitude)
            .add("longitude", loc.longitude)
            .str();
    return json::Object()
        .add("provider", "open-meteo")
        .add("endpoint", s.open_meteo.archive ? "archive" : "forecast")
        .add("location", loc.name)
        .add("latitude", loc.latitude)
        .add("longitude", loc.longitude)
        .add("timezone", effective_timezone(s, loc))
        .add("hourly", comma_list(s.open_meteo.hourly))
        .str();
}

std::vector<std::unique_ptr<Feed>> make_feeds(const WeatherSettings& s, const std::vector<Location>& locations) {
    std::vector<std::unique_ptr<Feed>> feeds;
    for (const auto& loc : locations) {
        std::string partition = partition_of(s, loc);
        if (s.provider == Provider::openweather) feeds.push_back(std::make_unique<ObservationFeed>(s, loc, std::move(partition)));
        else if (s.open_meteo.archive) feeds.push_back(std::make_unique<ArchiveFeed>(s, loc, std::move(partition)));
        else feeds.push_back(std::make_unique<ForecastFeed>(s, loc, std::move(partition)));
    }
    return feeds;
}

}  // namespace sluice::weather
