// The weather source through its ABI against the replayed stored answers: records, keys,
// timestamps, units and offsets, task split, resume from stored offsets.
#include "weather_test_support.hpp"

#include <set>

using namespace weather_test;

namespace {

std::map<std::string, std::string> cairo_forecast(const Replay& server) {
    return {{"provider", "open-meteo"},
            {"base_url", server.url()},
            {"locations", R"(["Cairo:27.03:30.0:Africa/Cairo"])"},
            {"hourly", "temperature_2m,relative_humidity_2m,rain,uv_index,is_day,sunshine_duration"},
            {"timeformat", "iso8601"},
            {"poll_interval_ms", "3600000"}};
}

}  // namespace

TEST_CASE("forecast: one record per hour of the Africa/Cairo answer, values, units and times as stored") {
    Replay server(replay::kCairo);
    FakeHost host;
    SourceUnderTest source("weather", cairo_forecast(server), host);
    REQUIRE_MESSAGE(source.ok(), source.created.message);
    auto d = drain(source, 168);
    REQUIRE_MESSAGE(d.failure.status == SLUICE_OK, d.failure.message);
    REQUIRE(d.records.size() == 168);

    const ordered& stored = server.open_meteo();
    const auto& hourly = stored["hourly"];
    std::size_t values = 0;
    for (std::size_t i = 0; i < 168; ++i) {
        const CapturedRecord& r = d.records[i];
        const ordered v = value_of(r);
        const std::string wall = hourly["time"][i].get<std::string>();
        const std::int64_t instant = replay::wall_seconds(wall) - 10800;
        REQUIRE(r.timestamp_ms == instant * 1000);
        REQUIRE(v["time"] == wall + ":00+03:00");
        REQUIRE(v["timezone"] == "Africa/Cairo");
        REQUIRE(v["utc_offset_seconds"] == 10800);
        REQUIRE(v["location"] == "Cairo");
        REQUIRE(v["provider"] == "open-meteo");
        REQUIRE(v["endpoint"] == "forecast");
        REQUIRE(v["latitude"] == 27.03);
        REQUIRE(v["grid_latitude"] == stored["latitude"]);
        REQUIRE(v["units"] == ordered::parse(R"({"temperature_2m":"°C","relative_humidity_2m":"%","rain":"mm","uv_index":"","is_day":"","sunshine_duration":"s"})"));
        for (auto it = hourly.begin(); it != hourly.end(); ++it) {
            if (it.key() == "time") continue;
            REQUIRE(v["values"][it.key()] == it.value()[i]);
            ++values;
        }
        REQUIRE(v["values"].size() == 6);
        const ordered key = ordered::parse(r.key.value());
        REQUIRE(key["location"] == "Cairo");
        REQUIRE(key["time"] == v["time_utc"]);
        const ordered off = offset_of(r);
        REQUIRE(off["hours_emitted"] == i + 1);
        REQUIRE(off["hours_in_run"] == 168);
        REQUIRE(off["last_run_generated_at"] == v["generated_at"]);
    }
    CHECK(values == 168 * 6);
    CHECK(value_of(d.records[0])["time_utc"] == "2026-06-17T21:00:00Z");
    CHECK(value_of(d.records[167])["time_utc"] == "2026-06-24T20:00:00Z");
    CHECK(ordered::parse(d.records[0].source_partition) ==
          ordered::parse(R"({"provider":"open-meteo","endpoint":"forecast","location":"Cairo","latitude":"27.03",
                             "longitude":"30.0","timezone":"Africa/Cairo",
                             "hourly":"temperature_2m,relative_humidity_2m,rain,uv_index,is_day,sunshine_duration"})"));

    auto reqs = server.requests();
    REQUIRE(reqs.size() == 1);
    CHECK(reqs[0].path == "/v1/forecast");
    CHECK(reqs[0].query.at("latitude") == "27.03");
    CHECK(reqs[0].query.at("longitude") == "30.0");
    CHECK(reqs[0].query.at("timezone") == "Africa/Cairo");
    CHECK(reqs[0].query.at("timeformat") == "iso8601");
    CHECK(reqs[0].query.at("forecast_days") == "7");
    // The next run is an hour away: nothing more is asked for.
    CHECK(poll_for(source, std::chrono::milliseconds(200)).records.empty());
    CHECK(server.requests().size() == 1);
}

TEST_CASE("forecast: GMT answer by unixtime (the default), legacy variable name and its unit") {
    Replay server(replay::kGmt);
    FakeHost host;
    SourceUnderTest source("weather", {{"provider", "open-meteo"}, {"base_url", server.url()},
                                       {"locations", R"([{"name":"Kochi","lat":9.9,"lon":76.25,"timezone":"GMT"}])"},
                                       {"hourly", "temperature_2m,windspeed_10m"}},
                           host);
    REQUIRE_MESSAGE(source.ok(), source.created.message);
    auto d = drain(source, 168);
    REQUIRE_MESSAGE(d.failure.status == SLUICE_OK, d.failure.message);
    REQUIRE(d.records.size() == 168);
    const auto& hourly = server.open_meteo()["hourly"];
    for (std::size_t i = 0; i < 168; ++i) {
        const ordered v = value_of(d.records[i]);
        const std::string wall = hourly["time"][i].get<std::string>();
        REQUIRE(v["time_utc"] == wall + ":00Z");
        REQUIRE(v["time"] == wall + ":00+00:00");
        REQUIRE(d.records[i].timestamp_ms == replay::wall_seconds(wall) * 1000);
        REQUIRE(v["values"] == ordered{{"temperature_2m", hourly["temperature_2m"][i]}, {"windspeed_10m", hourly["windspeed_10m"][i]}});
        REQUIRE(v["units"] == ordered{{"temperature_2m", "°C"}, {"windspeed_10m", "km/h"}});
    }
    REQUIRE(server.requests().size() == 1);
    CHECK(server.requests()[0].query.at("timeformat") == "unixtime");
}

TEST_CASE("forecast: several locations, each its own partition; tasks split them round-robin") {
    Replay server(replay::kGmt);
    const std::string locations =
        R"(["Bordeaux:44.84:-0.58:Europe/Paris","Mérignac:44.83:-0.69:Europe/Paris","Rennes:48.11:-1.68","Paris:48.85:2.35"])";
    std::map<std::string, std::set<std::string>> seen;  // task -> locations
    std::map<std::string, std::size_t> per_location;
    for (int task = 0; task < 2; ++task) {
        FakeHost host("weather.test", task, 2);
        SourceUnderTest source("weather", {{"provider", "open-meteo"}, {"base_url", server.url()}, {"locations", locations},
                                           {"hourly", "temperature_2m"}, {"timezone", "GMT"}},
                               host);
        REQUIRE_MESSAGE(source.ok(), source.created.message);
        auto d = drain(source, 2 * 168);
        REQUIRE_MESSAGE(d.failure.status == SLUICE_OK, d.failure.message);
        REQUIRE(d.records.size() == 2 * 168);
        for (auto& r : d.records) {
            const ordered p = ordered::parse(r.source_partition);
            seen[std::to_string(task)].insert(p["location"].get<std::string>());
            ++per_location[p["location"].get<std::string>()];
            REQUIRE(p["location"] == value_of(r)["location"]);
        }
    }
    CHECK(seen["0"] == std::set<std::string>{"Bordeaux", "Rennes"});
    CHECK(seen["1"] == std::set<std::string>{"Mérignac", "Paris"});
    for (auto& [name, n] : per_location) CHECK_MESSAGE(n == 168, name);
    std::map<std::string, std::string> zones;
    for (auto& r : server.requests()) zones[r.query.at("latitude")] = r.query.at("timezone");
    CHECK(zones["44.84"] == "Europe/Paris");  // the location's own zone
    CHECK(zones["48.11"] == "GMT");           // the connector's
    CHECK(server.requests().size() == 4);
}

TEST_CASE("forecast: a finished run is not fetched again before poll_interval_ms; a cut one is fetched at once") {
    Replay server(replay::kGmt);
    auto config = [&](const std::string& interval) {
        return std::map<std::string, std::string>{{"provider", "open-meteo"}, {"base_url", server.url()},
                                                  {"locations", R"(["Kochi:9.9:76.25"])"}, {"hourly", "temperature_2m"},
                                                  {"poll_interval_ms", interval}};
    };
    std::string partition, complete_offset, cut_offset;
    {
        FakeHost host;
        SourceUnderTest source("weather", config("3600000"), host);
        auto d = drain(source, 168);
        REQUIRE(d.records.size() == 168);
        partition = d.records[0].source_partition;
        complete_offset = d.records[167].source_offset;
        cut_offset = d.records[99].source_offset;
    }
    {
        FakeHost host;
        host.offsets[partition] = complete_offset;
        SourceUnderTest source("weather", config("3600000"), host);
        REQUIRE(source.ok());
        CHECK(poll_for(source, std::chrono::milliseconds(200)).records.empty());
        CHECK(server.requests().size() == 1);
    }
    {
        FakeHost host;
        host.offsets[partition] = cut_offset;
        SourceUnderTest source("weather", config("3600000"), host);
        auto d = drain(source, 168);
        CHECK(d.records.size() == 168);  // the whole run again, same keys: upserts absorb it
        CHECK(server.requests().size() == 2);
    }
    {
        // Each run re-emits every hour with the same keys and a newer generated_at.
        FakeHost host;
        SourceUnderTest source("weather", config("1"), host);
        auto d = drain(source, 2 * 168);
        REQUIRE(d.records.size() == 2 * 168);
        CHECK(d.records[0].key == d.records[168].key);
        CHECK(value_of(d.records[0])["generated_at"] != value_of(d.records[168])["generated_at"]);
    }
}

TEST_CASE("archive: day windows up to end_date, offsets {last_date, last_time}, resume with no gap and no duplicate") {
    Replay server(replay::kGmt);  // history 2025-12-22 .. 2025-12-28 (GMT)
    const std::map<std::string, std::string> config{
        {"provider", "open-meteo"}, {"endpoint", "archive"}, {"base_url", server.url()},
        {"locations", R"(["Kochi:9.9:76.25:GMT"])"}, {"hourly", "temperature_2m,relative_humidity_2m,windspeed_10m"},
        {"start_date", "2025-12-22"}, {"end_date", "2025-12-28"}, {"window_days", "3"}, {"poll_interval_ms", "3600000"}};
    std::vector<CapturedRecord> full;
    {
        FakeHost host;
        SourceUnderTest source("weather", config, host);
        REQUIRE_MESSAGE(source.ok(), source.created.message);
        auto d = drain(source, 168);
        REQUIRE_MESSAGE(d.failure.status == SLUICE_OK, d.failure.message);
        full = d.records;
        REQUIRE(full.size() == 168);
        CHECK(poll_for(source, std::chrono::milliseconds(150)).records.empty());  // caught up with end_date
    }
    auto reqs = server.requests();
    REQUIRE(reqs.size() == 3);
    CHECK(reqs[0].path == "/v1/archive");
    CHECK(reqs[0].query.at("start_date") == "2025-12-22");
    CHECK(reqs[0].query.at("end_date") == "2025-12-24");
    CHECK(reqs[1].query.at("start_date") == "2025-12-25");
    CHECK(reqs[1].query.at("end_date") == "2025-12-27");
    CHECK(reqs[2].query.at("start_date") == "2025-12-28");
    CHECK(reqs[2].query.at("end_date") == "2025-12-28");

    const auto& hourly = server.open_meteo()["hourly"];
    for (std::size_t i = 0; i < 168; ++i) {
        const ordered v = value_of(full[i]);
        REQUIRE(v["endpoint"] == "archive");
        REQUIRE(v["time_utc"] == hourly["time"][i].get<std::string>() + ":00Z");
        REQUIRE(v["values"]["windspeed_10m"] == hourly["windspeed_10m"][i]);
        const ordered off = offset_of(full[i]);
        REQUIRE(off["last_time"] == v["time_utc"]);
        // Hour 23 completes its day; earlier hours leave the previous day as the last complete one.
        const std::string day = hourly["time"][i].get<std::string>().substr(0, 10);
        if (i % 24 == 23) REQUIRE(off["last_date"] == day);
        else REQUIRE(off["last_date"] != day);
    }
    CHECK(offset_of(full[0])["last_date"] == "2025-12-21");

    // Resume after each of a few positions (mid-day, end of day, mid-window, last): the rest
    // comes exactly once.
    for (std::size_t cut : {0u, 10u, 23u, 40u, 71u, 72u, 150u, 167u}) {
        CAPTURE(cut);
        FakeHost host;
        host.offsets[full[cut].source_partition] = full[cut].source_offset;
        SourceUnderTest source("weather", config, host);
        REQUIRE(source.ok());
        auto d = drain(source, 167 - cut, std::chrono::seconds(5));
        REQUIRE_MESSAGE(d.failure.status == SLUICE_OK, d.failure.message);
        auto more = poll_for(source, std::chrono::milliseconds(100));
        REQUIRE(more.records.empty());
        REQUIRE(d.records.size() == 167 - cut);
        for (std::size_t k = 0; k < d.records.size(); ++k) {
            REQUIRE(d.records[k].key == full[cut + 1 + k].key);
            REQUIRE(d.records[k].source_offset == full[cut + 1 + k].source_offset);
        }
    }
}

TEST_CASE("openweather: one record per observation, skipped while dt does not change") {
    Replay server(replay::kGmt, replay::kBarcelona);
    const std::string key = "0123456789abcdef0123456789abcdef";
    const std::map<std::string, std::string> config{
        {"provider", "openweather"}, {"base_url", server.url()}, {"api_key", key}, {"units", "metric"}, {"lang", "es"},
        {"locations", R"(["Barcelona:41.3888:2.159"])"}, {"poll_interval_ms", "1"}};
    FakeHost host;
    std::string partition, offset;
    {
        SourceUnderTest source("weather", config, host);
        REQUIRE_MESSAGE(source.ok(), source.created.message);
        auto d = drain(source, 1);
        REQUIRE_MESSAGE(d.failure.status == SLUICE_OK, d.failure.message);
        REQUIRE(d.records.size() == 1);
        // The same file served again and again: still one record.
        auto again = poll_for(source, std::chrono::milliseconds(200));
        REQUIRE_MESSAGE(again.failure.status == SLUICE_OK, again.failure.message);
        CHECK(again.records.empty());
        CHECK(server.requests().size() >= 3);

        const CapturedRecord& r = d.records[0];
        const ordered v = value_of(r);
        const ordered stored = ordered::parse(replay::read_file(replay::fixture_path(replay::kBarcelona)));
        CHECK(v["observation"] == stored);
        CHECK(v["provider"] == "openweather");
        CHECK(v["units"] == "metric");
        CHECK(v["lang"] == "es");
        CHECK(v["time_utc"] == "2024-10-04T07:34:31Z");
        CHECK(v["time"] == "2024-10-04T09:34:31+02:00");
        CHECK(r.timestamp_ms == 1728027271000);
        CHECK(ordered::parse(r.key.value()) == ordered{{"location", "Barcelona"}, {"time", "2024-10-04T07:34:31Z"}});
        CHECK(offset_of(r) == ordered{{"last_dt", 1728027271}});
        partition = r.source_partition;
        offset = r.source_offset;
        CHECK(ordered::parse(partition) ==
              ordered{{"provider", "openweather"}, {"location", "Barcelona"}, {"latitude", "41.3888"}, {"longitude", "2.159"}});

        const auto req = server.requests()[0];
        CHECK(req.path == "/data/2.5/weather");
        CHECK(req.query.at("appid") == key);
        CHECK(req.query.at("units") == "metric");
        CHECK(req.query.at("lang") == "es");
        CHECK(req.query.at("lat") == "41.3888");

        // A new observation: a second record.
        ordered newer = stored;
        newer["dt"] = 1728027871;
        newer["main"]["temp"] = 17.02;
        server.set_openweather(newer.dump());
        auto second = drain(source, 1);
        REQUIRE(second.records.size() == 1);
        CHECK(value_of(second.records[0])["observation"]["main"]["temp"] == 17.02);
        CHECK(offset_of(second.records[0]) == ordered{{"last_dt", 1728027871}});
        // An older one (the API switched stations) is not news.
        server.set_openweather(stored.dump());
        CHECK(poll_for(source, std::chrono::milliseconds(100)).records.empty());
    }
    for (const auto& [level, line] : host.logs) CHECK_MESSAGE(line.find(key) == std::string::npos, line);

    // Restarted with the stored offset: the same observation is not emitted again.
    FakeHost restarted;
    restarted.offsets[partition] = offset;
    SourceUnderTest source("weather", config, restarted);
    REQUIRE(source.ok());
    CHECK(poll_for(source, std::chrono::milliseconds(100)).records.empty());
}

TEST_CASE("openweather: London in standard units (Kelvin), no lang") {
    Replay server(replay::kGmt, replay::kLondon);
    FakeHost host;
    SourceUnderTest source("weather", {{"provider", "openweather"}, {"base_url", server.url()}, {"api_key", "abc"},
                                       {"locations", R"(["London:51.5085:-0.1257"])"}},
                           host);
    auto d = drain(source, 1);
    REQUIRE(d.records.size() == 1);
    const ordered v = value_of(d.records[0]);
    CHECK(v["units"] == "standard");
    CHECK(v["lang"].is_null());
    CHECK(v["observation"]["main"]["temp"] == 288.45);
    CHECK(v["time"] == "2023-05-26T10:50:01+01:00");
    CHECK(server.requests()[0].query.count("lang") == 0);
}

TEST_CASE("configuration mistakes fail the task at create, naming the key") {
    FakeHost host;
    auto created = [&](std::map<std::string, std::string> c) {
        SourceUnderTest s("weather", std::move(c), host);
        return s.created;
    };
    auto r = created({{"provider", "openweather"}, {"locations", R"(["A:1:2"])"}});
    CHECK(r.status == SLUICE_FATAL);
    CHECK(r.message.find("api.key: provider openweather needs an API key") != std::string::npos);
    r = created({{"provider", "open-meteo"}, {"endpoint", "archive"}, {"locations", R"(["A:1:2"])"}});
    CHECK(r.message.find("start.date: endpoint archive needs the first day") != std::string::npos);
    r = created({{"provider", "open-meteo"}, {"endpoint", "archive"}, {"start_date", "2024-02-30"}, {"locations", R"(["A:1:2"])"}});
    CHECK(r.message.find("start.date: expected a date YYYY-MM-DD, got '2024-02-30'") != std::string::npos);
    r = created({{"provider", "open-meteo"}, {"endpoint", "archive"}, {"start_date", "2024-02-03"}, {"end_date", "2024-02-01"},
                 {"locations", R"(["A:1:2"])"}});
    CHECK(r.message.find("end.date (2024-02-01) is before start.date (2024-02-03)") != std::string::npos);
    r = created({{"provider", "open-meteo"}, {"locations", R"(["A:1"])"}});
    CHECK(r.message.find("locations[0]: expected") != std::string::npos);
    r = created({{"provider", "open-meteo"}, {"base_url", "ftp://x"}, {"locations", R"(["A:1:2"])"}});
    CHECK(r.message.find("base.url: expected an http:// or https:// URL") != std::string::npos);
    r = created({{"provider", "open-meteo"}, {"hourly", "temperature_2m,rain&x=1"}, {"locations", R"(["A:1:2"])"}});
    CHECK(r.message.find("hourly: 'rain&x=1' is not an Open-Meteo variable name") != std::string::npos);
}

TEST_CASE("a stored offset this plugin does not write fails the task at create") {
    Replay server(replay::kGmt);
    const std::map<std::string, std::string> config{{"provider", "open-meteo"}, {"endpoint", "archive"},
                                                    {"base_url", server.url()}, {"start_date", "2025-12-22"},
                                                    {"locations", R"(["Kochi:9.9:76.25:GMT"])"}, {"hourly", "temperature_2m"}};
    FakeHost probe;
    SourceUnderTest first("weather", config, probe);
    auto d = drain(first, 1);
    REQUIRE(!d.records.empty());
    FakeHost host;
    host.offsets[d.records[0].source_partition] = R"({"position":12})";
    SourceUnderTest source("weather", config, host);
    CHECK(source.created.status == SLUICE_FATAL);
    CHECK(source.created.message.find("stored offset {\"position\":12} of partition") != std::string::npos);
    CHECK(source.created.message.find("expected {\"last_date\"") != std::string::npos);
}

TEST_CASE("more tasks than locations: the extra task idles and says so") {
    Replay server(replay::kGmt);
    FakeHost host("weather.test", 2, 3);
    SourceUnderTest source("weather", {{"provider", "open-meteo"}, {"base_url", server.url()},
                                       {"locations", R"(["A:1:2","B:3:4"])"}, {"hourly", "temperature_2m"}},
                           host);
    REQUIRE(source.ok());
    CHECK(poll_for(source, std::chrono::milliseconds(100)).records.empty());
    CHECK(server.requests().empty());
    CHECK(logged(host, SLUICE_LOG_INFO, "has no location to read (2 locations for 3 tasks)"));
}
