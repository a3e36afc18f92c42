// The weather source in a real `sluice run`: the worker process loads the real plugin and
// reads the Open-Meteo archive from a replay of the stored answer (a server thread of this
// test process on 127.0.0.1), produces to a mock cluster in its own process; kcat reads the
// topic and the offsets topic from outside. A second run with the same offsets asks for
// nothing and produces nothing.
#include "harness.hpp"
#include "weather_replay.hpp"

#include <doctest/doctest.h>

#include <map>
#include <mutex>
#include <set>

using namespace sluice::it;
using sluice::testing::HttpRequest;
using sluice::testing::HttpResponse;
using sluice::testing::HttpTestServer;
using sluice::testing::wait_until;
using sluice::testing::write_file;
namespace replay = sluice::testing::weather_replay;

namespace {

// Archive requests other than the pre-flight check's (which asks for start_date alone).
std::size_t data_requests(const HttpTestServer& server) {
    std::size_t n = 0;
    for (const auto& r : server.requests()) {
        std::set<std::string> windows = {"2025-12-22/2025-12-24", "2025-12-25/2025-12-27", "2025-12-28/2025-12-28"};
        if (windows.count(r.query.at("start_date") + "/" + r.query.at("end_date"))) ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("weather: archive of two locations through sluice run, exact records in Kafka and offsets in sluice-offsets") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "wx.hourly:3"});
    const auto stored = replay::load(replay::kGmt);  // 2025-12-22 .. 2025-12-28, GMT, 168 hours
    HttpTestServer server([&](const HttpRequest& r) {
        if (r.path == "/v1/archive") return replay::open_meteo(stored, r, true);
        return HttpResponse::text(404, "not found");
    });
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    const std::string pipeline = dir.file("wx.yaml");
    write_file(pipeline, "name: wx\n"
                         "source:\n"
                         "  name: archive\n"
                         "  plugin: weather\n"
                         "  topic: wx.hourly\n"
                         "  tasks: 2\n"
                         "  config:\n"
                         "    provider: open-meteo\n"
                         "    endpoint: archive\n"
                         "    base_url: " + server.url() + "\n"
                         "    locations:\n"
                         "      - {name: Bordeaux, lat: 44.84, lon: -0.58, timezone: GMT}\n"
                         "      - Rennes:48.11:-1.68:GMT\n"
                         "    hourly: [temperature_2m, relative_humidity_2m, windspeed_10m]\n"
                         "    start_date: 2025-12-22\n"
                         "    end_date: 2025-12-28\n"
                         "    window_days: 3\n");
    const std::vector<std::string> args = {"run", "--worker", worker, "--plugin-dir", plugin_dir(), pipeline};
    {
        Sluice run(dir, args, "run1");
        REQUIRE_MESSAGE(run.wait_for_log("weather: task 1 of 2 reads open-meteo archive for Rennes", 20s), run.log());
        std::vector<KafkaRecord> records;
        const bool complete = wait_until(
            [&] {
                records = kcat_read(dir, kafka.bootstrap(), "wx.hourly");
                return records.size() >= 2 * 168 || !run.process().running();
            },
            30s, 300ms);
        REQUIRE_MESSAGE(complete, "got " << records.size() << " records; log:\n" << run.log());
        const auto status = run.stop(20s);
        REQUIRE_MESSAGE(status == exited(0), (status ? status->describe() : "still running") << "; log:\n" << run.log());
        records = kcat_read(dir, kafka.bootstrap(), "wx.hourly");
        REQUIRE(records.size() == 2 * 168);

        // Every (location, hour) once, values as stored.
        const auto& hourly = stored["hourly"];
        std::map<std::string, std::size_t> index;  // "YYYY-MM-DDTHH:MM" -> position in the stored answer
        for (std::size_t i = 0; i < hourly["time"].size(); ++i) index[hourly["time"][i].get<std::string>()] = i;
        std::set<std::string> keys;
        for (const auto& r : records) {
            REQUIRE(r.key);
            REQUIRE(keys.insert(*r.key).second);
            const auto key = nlohmann::json::parse(*r.key);
            const auto v = nlohmann::json::parse(r.value);
            REQUIRE(v["location"] == key["location"]);
            REQUIRE(v["time_utc"] == key["time"]);
            const std::string wall = key["time"].get<std::string>().substr(0, 16);
            REQUIRE(index.count(wall) == 1);
            for (const char* var : {"temperature_2m", "relative_humidity_2m", "windspeed_10m"})
                REQUIRE(v["values"][var] == hourly[var][index[wall]]);
        }
    }
    // Three windows per location, nothing asked twice; plus the pre-flight check's one day.
    CHECK(data_requests(server) == 6);
    CHECK(server.requests().size() == 7);

    // The offsets topic holds, per location, the last day and hour emitted.
    std::map<std::string, nlohmann::json> offsets;  // location -> last offset written
    for (const auto& r : kcat_read(dir, kafka.bootstrap(), "sluice-offsets")) {
        REQUIRE(r.key);
        const auto key = nlohmann::json::parse(*r.key);
        REQUIRE(key.size() == 2);
        CHECK(key[0] == "wx.archive");
        CHECK(key[1]["provider"] == "open-meteo");
        CHECK(key[1]["endpoint"] == "archive");
        CHECK(key[1]["hourly"] == "temperature_2m,relative_humidity_2m,windspeed_10m");
        offsets[key[1]["location"].get<std::string>()] = nlohmann::json::parse(r.value);
    }
    REQUIRE(offsets.size() == 2);
    for (const char* loc : {"Bordeaux", "Rennes"}) {
        CAPTURE(loc);
        CHECK(offsets[loc] == nlohmann::json{{"last_date", "2025-12-28"}, {"last_time", "2025-12-28T23:00:00Z"}});
    }

    // Restarted on the same offsets: everything up to end_date is done, nothing is asked or produced.
    {
        Sluice run(dir, args, "run2");
        REQUIRE_MESSAGE(run.wait_for_log("weather: task 1 of 2 reads open-meteo archive for Rennes", 20s), run.log());
        std::this_thread::sleep_for(1500ms);
        const auto status = run.stop(20s);
        REQUIRE_MESSAGE(status == exited(0), (status ? status->describe() : "still running") << "; log:\n" << run.log());
    }
    CHECK(data_requests(server) == 6);
    CHECK(server.requests().size() == 8);  // only the second pre-flight check
    CHECK(kcat_read(dir, kafka.bootstrap(), "wx.hourly").size() == 2 * 168);
}

TEST_CASE("weather: sluice validate accepts configs/pipelines/weather-bordeaux.yaml") {
    TempDir dir;
    const auto result = run_sluice(dir, {"validate", "--plugin-dir", plugin_dir(),
                                         source_dir() + "/configs/pipelines/weather-bordeaux.yaml"});
    CHECK_MESSAGE(result.status == exited(0), result.status.describe() << "\n" << result.err << result.out);
}

TEST_CASE("weather: sluice check refuses an OpenWeather key the API rejects, naming it without showing it") {
    TempDir dir;
    const std::string key = "0penweather-k3y-under-test";
    HttpTestServer server([&](const HttpRequest& r) {
        const auto stored = replay::read_file(replay::fixture_path(replay::kLondon));
        if (r.query.count("appid") && r.query.at("appid") == key)
            return HttpResponse::json(R"({"cod":401, "message": "Invalid API key. Please see https://openweathermap.org/faq#error401 for more info."})", 401);
        return replay::openweather(stored, r);
    });
    const std::string pipeline = dir.file("ow.yaml");
    write_file(pipeline, "name: ow\n"
                         "source:\n"
                         "  name: current\n"
                         "  plugin: weather\n"
                         "  topic: ow.current\n"
                         "  config:\n"
                         "    provider: openweather\n"
                         "    base_url: " + server.url() + "\n"
                         "    api_key: " + key + "\n"
                         "    locations: [\"London:51.5085:-0.1257\"]\n");
    const auto result = run_sluice(dir, {"check", "--plugin-dir", plugin_dir(), pipeline});
    CHECK_MESSAGE(result.status == exited(3), result.status.describe() << "\n" << result.err);
    CHECK_MESSAGE(result.err.find("pre-flight: openweather location 'London': OpenWeather refused the API key (HTTP 401") !=
                      std::string::npos,
                  result.err);
    CHECK(result.err.find(key) == std::string::npos);
    CHECK(result.out.find(key) == std::string::npos);
    REQUIRE(server.requests().size() == 1);
    CHECK(server.requests()[0].query.at("appid") == key);
}
