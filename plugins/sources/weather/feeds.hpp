// One feed per location: what to request next, and how an answer becomes records with
// source offsets. Three kinds, one per API and endpoint:
//
//   ForecastFeed     open-meteo forecast: every run re-emits all hours (values are revised),
//                    offset {last_run_generated_at, hours_emitted, hours_in_run}
//   ArchiveFeed      open-meteo archive: day windows up to "today - lag", append-only,
//                    offset {last_date, last_time}
//   ObservationFeed  openweather current: one record per new `dt`, offset {last_dt}
//
// Feeds never do I/O: the source fetches the URL and hands the body to accept(), so every
// feed is testable on plain strings.
#pragma once

#include "locations.hpp"
#include "weather_settings.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::weather {

// A record ready for RecordWriter::add; its partition is the feed's.
struct PendingRecord {
    std::string key;
    std::string value;
    std::string offset;
    std::int64_t timestamp_ms = 0;
};

class Feed {
public:
    Feed(const WeatherSettings& settings, Location location, std::string partition)
        : settings_(settings), location_(std::move(location)), partition_(std::move(partition)) {}
    virtual ~Feed() = default;
    Feed(const Feed&) = delete;
    Feed& operator=(const Feed&) = delete;

    const Location& location() const { return location_; }
    const std::string& partition() const { return partition_; }

    // Carries on after the offset stored for this feed's partition. Throws FatalError when the
    // stored offset is not one this feed writes.
    virtual void restore(std::string_view stored_offset) = 0;
    // When the first request is due (ms since the epoch), given the restored state.
    virtual std::int64_t first_due_ms(std::int64_t now_ms) const { return now_ms; }
    // The URL to request now, or nullopt when there is nothing to request yet (an archive
    // that has read every finished day).
    virtual std::optional<std::string> next_url(std::int64_t now_ms) = 0;
    // The records of a successful answer to the last next_url(); the feed's position moves
    // past them. Throws BadResponse (position unchanged). `warnings` collects what the
    // task should log.
    virtual std::vector<PendingRecord> accept(std::string_view body, std::int64_t now_ms,
                                              std::vector<std::string>& warnings) = 0;
    // True while more is ready to request at once (an archive behind "today - lag").
    virtual bool behind(std::int64_t now_ms) const { (void)now_ms; return false; }

protected:
    // {"location":"Bordeaux","time":"2026-06-17T21:00:00Z"}: one key per place and hour, so a
    // compacted topic or an upserting sink keeps the latest value of each.
    std::string record_key(std::int64_t epoch_seconds) const;
    // The first fields of every value: provider, endpoint, location and its coordinates.
    std::string value_head(const char* provider, const char* endpoint) const;

    const WeatherSettings& settings_;
    Location location_;
    std::string partition_;
};

// The feeds of one task, one per location it serves.
std::vector<std::unique_ptr<Feed>> make_feeds(const WeatherSettings& settings, const std::vector<Location>& locations);

// The source partition of a location, e.g. {"provider":"open-meteo","endpoint":"forecast",
// "location":"Bordeaux","latitude":"44.84","longitude":"-0.58","timezone":"Europe/Paris",
// "hourly":"temperature_2m,precipitation"}.
std::string partition_of(const WeatherSettings& settings, const Location& location);

}  // namespace sluice::weather
