// What the weather source does when the API misbehaves: transient failures are retried per
// location with backoff (Retry-After honoured), refusals fail the task with a clear message,
// malformed answers go to the error policy (here: errors.tolerance=none, the task fails).
// Nothing is ever emitted from a bad answer, and messages never show the API key.
#include "weather_test_support.hpp"

using namespace weather_test;
using namespace std::chrono_literals;

namespace {

std::map<std::string, std::string> forecast(const Replay& server, std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> c{{"provider", "open-meteo"}, {"base_url", server.url()},
                                         {"locations", R"(["Kochi:9.9:76.25"])"}, {"hourly", "temperature_2m"},
                                         {"retry_backoff_ms", "20"}, {"retry_backoff_max_ms", "100"},
                                         {"request_timeout_ms", "2000"}, {"poll_interval_ms", "3600000"}};
    for (auto& [k, v] : extra) c[k] = v;
    return c;
}

HttpResponse status(int code, std::string body = "", std::string type = "application/json") {
    return HttpResponse::text(code, std::move(body), std::move(type));
}

const char* const kKey = "s3cr3t-k3y-0123456789";

}  // namespace

TEST_CASE("429 with Retry-After: the location waits as told, then the records come") {
    Replay server(replay::kGmt);
    server.set_fault([](int n, const HttpRequest&) {
        if (n > 1) return no_fault();
        HttpResponse r = status(429, R"({"error":true,"reason":"Minutely API request limit exceeded. Please try again in one minute."})");
        r.headers.emplace_back("Retry-After", "1");
        return r;
    });
    FakeHost host;
    // Retry-After is honoured up to retry.backoff.max.ms (the one HTTP retry rule): room for 1 s.
    SourceUnderTest source("weather", forecast(server, {{"retry_backoff_max_ms", "2000"}}), host);
    auto d = drain(source, 168);
    REQUIRE_MESSAGE(d.failure.status == SLUICE_OK, d.failure.message);
    CHECK(d.records.size() == 168);
    REQUIRE(server.requests().size() == 2);
    CHECK(logged(host, SLUICE_LOG_WARN, "open-meteo forecast location 'Kochi': HTTP 429 from " + server.url() + "/v1/forecast?"));
    CHECK(logged(host, SLUICE_LOG_WARN, "(Retry-After 1000 ms) (failure 1, next try in 1000 ms)"));
}

TEST_CASE("500, 503 with an HTML page, a dropped connection: retried with backoff, nothing lost or doubled") {
    Replay server(replay::kGmt);
    server.set_fault([](int n, const HttpRequest&) {
        if (n == 1) return status(500, "Internal Server Error", "text/plain");
        if (n == 2) return status(503, "<html><body><h1>503 Service Unavailable</h1></body></html>", "text/html");
        // Two drops in a row: curl silently re-sends once when a reused connection dies.
        if (n == 3 || n == 4) {
            HttpResponse r;
            r.drop_connection = true;
            return r;
        }
        return no_fault();
    });
    FakeHost host;
    SourceUnderTest source("weather", forecast(server), host);
    auto d = drain(source, 168);
    REQUIRE_MESSAGE(d.failure.status == SLUICE_OK, d.failure.message);
    CHECK(d.records.size() == 168);
    CHECK(server.requests().size() == 5);
    CHECK(logged(host, SLUICE_LOG_WARN, "HTTP 500 from"));
    CHECK(logged(host, SLUICE_LOG_WARN, "HTTP 503 from"));
    CHECK(logged(host, SLUICE_LOG_WARN, "open-meteo forecast location 'Kochi': request failed: "));
    CHECK(logged(host, SLUICE_LOG_WARN, "(failure 3, next try in"));
    CHECK(logged(host, SLUICE_LOG_INFO, "answering again after 3 failed requests"));
    CHECK(poll_for(source, 100ms).records.empty());
}

TEST_CASE("a slow answer past request_timeout_ms is a transient failure") {
    Replay server(replay::kGmt);
    server.set_fault([](int n, const HttpRequest&) {
        if (n > 1) return no_fault();
        HttpResponse r = status(200, "{}");
        r.delay = 3s;
        return r;
    });
    FakeHost host;
    SourceUnderTest source("weather", forecast(server, {{"request_timeout_ms", "300"}}), host);
    auto d = drain(source, 168);
    REQUIRE_MESSAGE(d.failure.status == SLUICE_OK, d.failure.message);
    CHECK(d.records.size() == 168);
    CHECK(logged(host, SLUICE_LOG_WARN, "open-meteo forecast location 'Kochi': no answer within the request timeout"));
}

TEST_CASE("failures in a row beyond retry_max_attempts reach the worker as RETRY, naming location and URL") {
    Replay server(replay::kGmt);
    server.set_fault([](int, const HttpRequest&) { return status(502, "<html>Bad Gateway</html>", "text/html"); });
    FakeHost host;
    SourceUnderTest source("weather", forecast(server, {{"retry_max_attempts", "3"}}), host);
    auto d = drain(source, 1, 5s);
    CHECK(d.records.empty());
    REQUIRE(d.failure.status == SLUICE_RETRY);
    CHECK(d.failure.message.find("open-meteo forecast location 'Kochi': HTTP 502 from " + server.url() + "/v1/forecast?latitude=9.9") == 0);
    CHECK(d.failure.message.find("(failure 3, next try in") != std::string::npos);
    CHECK(server.requests().size() == 3);
    // Recovered: the records come, once.
    server.set_fault([](int, const HttpRequest&) { return no_fault(); });
    auto after = drain(source, 168);
    REQUIRE_MESSAGE(after.failure.status == SLUICE_OK, after.failure.message);
    CHECK(after.records.size() == 168);
}

TEST_CASE("a body cut short mid-transfer is a transient failure; a complete but truncated JSON is a bad answer") {
    Replay server(replay::kGmt);
    server.set_fault([](int n, const HttpRequest& req) {
        if (n != 1) return no_fault();
        HttpResponse r = replay::open_meteo(replay::load(replay::kGmt), req, false);
        r.truncate_body_at = r.body.size() / 2;  // Content-Length promises more: curl sees a broken transfer
        return r;
    });
    FakeHost host;
    SourceUnderTest source("weather", forecast(server), host);
    auto d = drain(source, 168);
    REQUIRE_MESSAGE(d.failure.status == SLUICE_OK, d.failure.message);
    CHECK(d.records.size() == 168);

    Replay cut(replay::kGmt);
    cut.set_fault([](int, const HttpRequest& req) {
        HttpResponse r = replay::open_meteo(replay::load(replay::kGmt), req, false);
        r.body.resize(r.body.size() / 2);  // a server that sends half a document as a whole one
        return r;
    });
    FakeHost host2;
    SourceUnderTest broken("weather", forecast(cut), host2);
    auto bad = drain(broken, 1, 5s);
    CHECK(bad.records.empty());
    REQUIRE(bad.failure.status == SLUICE_FATAL);
    CHECK(bad.failure.message.find("open-meteo forecast location 'Kochi': unreadable answer from " + cut.url() +
                                   "/v1/forecast?latitude=9.9") == 0);
    CHECK(bad.failure.message.find("the body is not JSON (truncated or an error page?)") != std::string::npos);
}

TEST_CASE("an HTML page with status 200 is a bad answer, not data") {
    Replay server(replay::kGmt);
    server.set_fault([](int, const HttpRequest&) {
        return status(200, "<!DOCTYPE html><html><head><title>Maintenance</title></head><body>Back soon</body></html>", "text/html");
    });
    FakeHost host;
    SourceUnderTest source("weather", forecast(server), host);
    auto d = drain(source, 1, 5s);
    CHECK(d.records.empty());
    REQUIRE(d.failure.status == SLUICE_FATAL);
    CHECK(d.failure.message.find("unreadable answer from") != std::string::npos);
    CHECK(d.failure.message.find("it starts with: <!DOCTYPE html>") != std::string::npos);
}

TEST_CASE("columns of different lengths: a bad answer naming the column, nothing of it emitted") {
    Replay server(replay::kGmt);
    ordered stored = replay::load(replay::kGmt);
    stored["hourly"]["windspeed_10m"].erase(0);
    server.set_open_meteo(stored);
    FakeHost host;
    SourceUnderTest source("weather", forecast(server, {{"hourly", "temperature_2m,windspeed_10m"}}), host);
    auto d = drain(source, 1, 5s);
    CHECK(d.records.empty());
    REQUIRE(d.failure.status == SLUICE_FATAL);
    CHECK(d.failure.message.find("open-meteo forecast location 'Kochi': unreadable answer from") == 0);
    CHECK(d.failure.message.find("hourly.windspeed_10m has 167 values but hourly.time has 168") != std::string::npos);
}

TEST_CASE("Open-Meteo's 400 {error, reason} fails the task with the reason") {
    Replay server(replay::kGmt);
    FakeHost host;
    SourceUnderTest source("weather", forecast(server, {{"hourly", "temperature_2m,not_a_variable"}}), host);
    auto d = drain(source, 1, 5s);
    REQUIRE(d.failure.status == SLUICE_FATAL);
    CHECK(d.failure.message ==
          "open-meteo forecast location 'Kochi': Open-Meteo refused the request (HTTP 400: Cannot initialize WeatherVariable "
          "from invalid String value not_a_variable for key hourly) for " +
              server.url() +
              "/v1/forecast?latitude=9.9&longitude=76.25&hourly=temperature_2m%2Cnot_a_variable&timezone=auto"
              "&timeformat=unixtime&forecast_days=7");
    CHECK(server.requests().size() == 1);  // not retried
}

TEST_CASE("OpenWeather 401: the task fails saying the key was refused, without showing it") {
    Replay server(replay::kGmt, replay::kLondon);
    server.set_fault([](int, const HttpRequest&) {
        return HttpResponse::json(R"({"cod":401, "message": "Invalid API key. Please see https://openweathermap.org/faq#error401 for more info."})", 401);
    });
    FakeHost host;
    SourceUnderTest source("weather", {{"provider", "openweather"}, {"base_url", server.url()}, {"api_key", kKey},
                                       {"locations", R"(["London:51.5085:-0.1257"])"}},
                           host);
    auto d = drain(source, 1, 5s);
    REQUIRE(d.failure.status == SLUICE_FATAL);
    CHECK(d.failure.message.find("openweather location 'London': OpenWeather refused the API key (HTTP 401: Invalid API key.") == 0);
    CHECK(d.failure.message.find("appid=***") != std::string::npos);
    CHECK(d.failure.message.find(kKey) == std::string::npos);
    REQUIRE(server.requests().size() == 1);
    CHECK(server.requests()[0].query.at("appid") == kKey);
}

TEST_CASE("a key echoed back by a server never reaches a message") {
    Replay server(replay::kGmt, replay::kLondon);
    server.set_fault([](int, const HttpRequest&) {
        return HttpResponse::json(std::string(R"({"cod":403,"message":"key )") + kKey + R"( is blocked"})", 403);
    });
    FakeHost host;
    SourceUnderTest source("weather", {{"provider", "openweather"}, {"base_url", server.url()}, {"api_key", kKey},
                                       {"locations", R"(["London:51.5085:-0.1257"])"}},
                           host);
    auto d = drain(source, 1, 5s);
    REQUIRE(d.failure.status == SLUICE_FATAL);
    CHECK(d.failure.message.find("HTTP 403: key **** is blocked") != std::string::npos);
    CHECK(d.failure.message.find(kKey) == std::string::npos);
}

TEST_CASE("pre-flight test: one request, the API reachable and the key accepted") {
    Replay server(replay::kGmt, replay::kLondon);
    FakeHost host;
    auto ok = SourceUnderTest::test("weather", forecast(server), host);
    CHECK_MESSAGE(ok.status == SLUICE_OK, ok.message);
    REQUIRE(server.requests().size() == 1);
    CHECK(server.requests()[0].query.at("forecast_days") == "1");

    auto archive = SourceUnderTest::test(
        "weather", forecast(server, {{"endpoint", "archive"}, {"start_date", "2025-12-23"}}), host);
    CHECK_MESSAGE(archive.status == SLUICE_OK, archive.message);
    CHECK(server.requests().back().query.at("start_date") == "2025-12-23");
    CHECK(server.requests().back().query.at("end_date") == "2025-12-23");

    auto ow = SourceUnderTest::test("weather", {{"provider", "openweather"}, {"base_url", server.url()}, {"api_key", kKey},
                                                {"locations", R"(["London:51.5085:-0.1257"])"}},
                                    host);
    CHECK_MESSAGE(ow.status == SLUICE_OK, ow.message);

    server.set_fault([](int, const HttpRequest&) {
        return HttpResponse::json(R"({"cod":401, "message": "Invalid API key."})", 401);
    });
    auto refused = SourceUnderTest::test("weather", {{"provider", "openweather"}, {"base_url", server.url()},
                                                     {"api_key", kKey}, {"locations", R"(["London:51.5085:-0.1257"])"}},
                                         host);
    CHECK(refused.status == SLUICE_FATAL);
    CHECK(refused.message.find("pre-flight: openweather location 'London': OpenWeather refused the API key") == 0);
    CHECK(refused.message.find(kKey) == std::string::npos);

    auto bad_variable = SourceUnderTest::test("weather", forecast(server, {{"hourly", "bogus"}}), host);
    CHECK(bad_variable.status == SLUICE_FATAL);

    // Nothing listens on the port of a stopped server.
    std::string dead_url;
    {
        Replay gone(replay::kGmt);
        dead_url = gone.url();
    }
    auto unreachable = SourceUnderTest::test("weather", {{"provider", "open-meteo"}, {"base_url", dead_url},
                                                         {"locations", R"(["A:1:2"])"}},
                                             host);
    CHECK(unreachable.status == SLUICE_FATAL);
    CHECK(unreachable.message.find("pre-flight: open-meteo forecast location 'A': request failed: ") == 0);
}
