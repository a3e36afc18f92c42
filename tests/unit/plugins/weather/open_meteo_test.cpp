// parse_hourly and the URL builders against the stored answers.
#include "open_meteo.hpp"
#include "openweather.hpp"
#include "weather_replay.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

using namespace sluice::weather;
namespace replay = sluice::testing::weather_replay;
using ordered = nlohmann::ordered_json;

namespace {

std::string bad_response(const std::string& body) {
    try {
        parse_hourly(body);
    } catch (const BadResponse& e) {
        return e.what();
    }
    return "";
}

// Every hour's values equal the stored columns, variable by variable, in the stored order.
void check_values_match(const HourlySeries& s, const ordered& stored) {
    const auto& hourly = stored["hourly"];
    REQUIRE(s.values_json.size() == hourly["time"].size());
    std::size_t compared = 0;
    for (std::size_t i = 0; i < s.values_json.size(); ++i) {
        const ordered row = ordered::parse(s.values_json[i]);
        REQUIRE(row.size() == hourly.size() - 1);
        for (auto it = hourly.begin(); it != hourly.end(); ++it) {
            if (it.key() == "time") continue;
            REQUIRE_MESSAGE(row.at(it.key()) == it.value()[i], it.key() << "[" << i << "]");
            ++compared;
        }
    }
    CHECK(compared == (hourly.size() - 1) * hourly["time"].size());
}

}  // namespace

TEST_CASE("open-meteo: the Africa/Cairo answer, iso8601, 168 hours x 6 variables") {
    const std::string body = replay::read_file(replay::fixture_path(replay::kCairo));
    const ordered stored = ordered::parse(body);
    const HourlySeries s = parse_hourly(body);
    CHECK(s.timezone == "Africa/Cairo");
    CHECK(s.utc_offset_seconds == 10800);
    CHECK(s.time_format == TimeFormat::iso8601);
    CHECK(s.grid_latitude == "27.029877");
    CHECK(s.grid_longitude == "30.0");
    CHECK(s.elevation == "198.0");
    CHECK_FALSE(s.irregular_steps);
    REQUIRE(s.instants.size() == 168);
    CHECK(s.variables == std::vector<std::string>{"temperature_2m", "relative_humidity_2m", "rain", "uv_index", "is_day",
                                                  "sunshine_duration"});
    CHECK(ordered::parse(s.units_json) ==
          ordered::parse(R"({"temperature_2m":"°C","relative_humidity_2m":"%","rain":"mm","uv_index":"","is_day":"","sunshine_duration":"s"})"));
    for (std::size_t i = 0; i < 168; ++i)
        REQUIRE(s.instants[i] == replay::wall_seconds(stored["hourly"]["time"][i].get<std::string>()) - 10800);
    CHECK(s.instants.front() == 1781730000);  // 2026-06-17T21:00:00Z
    check_values_match(s, stored);
}

TEST_CASE("open-meteo: the GMT answer with the legacy windspeed_10m name") {
    const std::string body = replay::read_file(replay::fixture_path(replay::kGmt));
    const ordered stored = ordered::parse(body);
    const HourlySeries s = parse_hourly(body);
    CHECK(s.timezone == "GMT");
    CHECK(s.utc_offset_seconds == 0);
    REQUIRE(s.instants.size() == 168);
    CHECK(s.instants.front() == replay::wall_seconds("2025-12-22T00:00"));
    CHECK(s.instants.back() == replay::wall_seconds("2025-12-28T23:00"));
    CHECK(s.variables == std::vector<std::string>{"temperature_2m", "relative_humidity_2m", "windspeed_10m"});
    CHECK(ordered::parse(s.units_json)["windspeed_10m"] == "km/h");
    check_values_match(s, stored);
}

TEST_CASE("open-meteo: unixtime answers are read as instants") {
    const ordered stored = replay::load(replay::kCairo);
    sluice::testing::HttpRequest req;
    req.query = {{"latitude", "27.03"}, {"longitude", "30"}, {"hourly", "temperature_2m,rain"}, {"timeformat", "unixtime"}};
    const auto answer = replay::open_meteo(stored, req, false);
    REQUIRE(answer.status == 200);
    const HourlySeries s = parse_hourly(answer.body);
    CHECK(s.time_format == TimeFormat::unixtime);
    REQUIRE(s.instants.size() == 168);
    CHECK(s.instants.front() == 1781730000);
    CHECK(s.variables == std::vector<std::string>{"temperature_2m", "rain"});
}

TEST_CASE("open-meteo: nulls stay null, numbers keep their value") {
    ordered stored = replay::load(replay::kGmt);
    stored["hourly"]["temperature_2m"][3] = nullptr;
    const HourlySeries s = parse_hourly(stored.dump());
    const ordered row = ordered::parse(s.values_json[3]);
    CHECK(row["temperature_2m"].is_null());
    CHECK(row["relative_humidity_2m"] == stored["hourly"]["relative_humidity_2m"][3]);
}

TEST_CASE("open-meteo: malformed answers are refused with what is wrong") {
    const std::string body = replay::read_file(replay::fixture_path(replay::kCairo));
    CHECK(bad_response(body.substr(0, body.size() / 2)).find("the body is not JSON") == 0);
    CHECK(bad_response("<html><body><h1>502 Bad Gateway</h1></body></html>").find("the body is not JSON") == 0);
    CHECK(bad_response("[]") == "expected a JSON object, got array");
    CHECK(bad_response(R"({"error":true,"reason":"Latitude must be in range of -90 to 90°."})") ==
          "the API answered an error: \"Latitude must be in range of -90 to 90°.\"");

    ordered shorter = ordered::parse(body);
    shorter["hourly"]["rain"].erase(shorter["hourly"]["rain"].size() - 1);
    CHECK(bad_response(shorter.dump()) == "hourly.rain has 167 values but hourly.time has 168");

    ordered no_offset = ordered::parse(body);
    no_offset.erase("utc_offset_seconds");
    CHECK(bad_response(no_offset.dump()) == "utc_offset_seconds is missing or not an integer");

    ordered bad_time = ordered::parse(body);
    bad_time["hourly"]["time"][5] = "2026-06-18 05:00";
    CHECK(bad_response(bad_time.dump()) ==
          "hourly.time[5] is \"2026-06-18 05:00\", expected a time like 2026-06-18T00:00");

    ordered text_value = ordered::parse(body);
    text_value["hourly"]["rain"][7] = "0.1";
    CHECK(bad_response(text_value.dump()) == "hourly.rain[7] is \"0.1\", expected a number or null");

    ordered no_hourly = ordered::parse(body);
    no_hourly.erase("hourly");
    CHECK(bad_response(no_hourly.dump()) == "the answer has no `hourly` object");
}

TEST_CASE("open-meteo: iso8601 times across a DST change are flagged") {
    ordered stored = replay::load(replay::kGmt);
    // Europe/Paris, spring forward: local 02:00 does not exist, the series jumps 01:00 -> 03:00.
    auto& times = stored["hourly"]["time"];
    for (std::size_t i = 2; i < times.size(); ++i) {
        const std::int64_t shifted = replay::wall_seconds(times[i].get<std::string>()) + 3600;
        const std::time_t t = static_cast<std::time_t>(shifted);
        std::tm tm{};
        gmtime_r(&t, &tm);
        char buf[20];
        std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M", &tm);
        times[i] = buf;
    }
    CHECK(parse_hourly(stored.dump()).irregular_steps);
}

TEST_CASE("open-meteo and openweather: request URLs") {
    Location loc{"Mérignac", "44.83", "-0.69", ""};
    OpenMeteoQuery q;
    q.base_url = "http://127.0.0.1:1";
    q.hourly = {"temperature_2m", "precipitation"};
    q.timezone = "Europe/Paris";
    CHECK(open_meteo_url(q, loc) ==
          "http://127.0.0.1:1/v1/forecast?latitude=44.83&longitude=-0.69&hourly=temperature_2m%2Cprecipitation"
          "&timezone=Europe%2FParis&timeformat=unixtime&forecast_days=7");
    q.archive = true;
    q.start_date = "2024-12-11";
    q.end_date = "2024-12-18";
    loc.timezone = "GMT";
    CHECK(open_meteo_url(q, loc) ==
          "http://127.0.0.1:1/v1/archive?latitude=44.83&longitude=-0.69&hourly=temperature_2m%2Cprecipitation"
          "&timezone=GMT&timeformat=unixtime&start_date=2024-12-11&end_date=2024-12-18");
    OpenWeatherQuery w{"https://api.openweathermap.org", "k3y", "metric", "fr"};
    CHECK(openweather_url(w, loc) == "https://api.openweathermap.org/data/2.5/weather?lat=44.83&lon=-0.69&units=metric&lang=fr&appid=k3y");
}

TEST_CASE("openweather: observations and error answers") {
    const std::string body = replay::read_file(replay::fixture_path(replay::kBarcelona));
    const Observation o = parse_observation(body);
    CHECK(o.dt == 1728027271);
    CHECK(o.timezone_offset == 7200);
    CHECK(ordered::parse(o.json) == ordered::parse(body));
    CHECK(openweather_error_message(R"({"cod":401, "message": "Invalid API key."})") == "Invalid API key.");
    CHECK(openweather_error_message(R"({"cod":"404","message":"city not found"})") == "city not found");
    CHECK_FALSE(openweather_error_message("<html>"));
    try {
        parse_observation(R"({"cod":200,"name":"X"})");
        FAIL("accepted an observation without dt");
    } catch (const BadResponse& e) {
        CHECK(std::string(e.what()) == "`dt` (observation time) is missing or not an integer");
    }
}
