// A malformed answer under an error policy that tolerates it (errors.tolerance=all): the
// source reports it once with the raw body, emits nothing of it, and asks again after a
// backoff; the next good answer is emitted in full.
#include "weather_test_support.hpp"

using namespace weather_test;

TEST_CASE("a tolerated bad answer is reported with its body, nothing of it emitted, and asked for again") {
    Replay server(replay::kGmt);
    const std::string html = "<html><body>Gateway hiccup</body></html>";
    server.set_fault([&](int n, const HttpRequest&) { return n == 1 ? HttpResponse::text(200, html, "text/html") : no_fault(); });
    FakeHost host("test.weather");
    host.enable_errant(SLUICE_OK);  // tolerated
    std::vector<CapturedRecord> records;
    {
        SourceUnderTest source("weather",
                               {{"provider", "open-meteo"}, {"base_url", server.url()}, {"locations", R"(["Kochi:9.9:76.25"])"},
                                {"hourly", "temperature_2m"}, {"retry_backoff_ms", "20"}, {"poll_interval_ms", "3600000"}},
                               host);
        REQUIRE_MESSAGE(source.ok(), source.created.message);
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (records.size() < 168 && std::chrono::steady_clock::now() < until) {
            CapturingWriter out;
            auto r = source.poll(out, 50);
            REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
            for (auto& rec : out.records) records.push_back(std::move(rec));
        }
    }  // destroyed before the checks

    CHECK(records.size() == 168);
    REQUIRE(host.errants.size() == 1);
    CHECK(host.errants[0].value == html);
    CHECK(host.errants[0].key == R"({"location":"Kochi"})");
    CHECK(host.errants[0].message.find("open-meteo forecast location 'Kochi': unreadable answer from " + server.url()) == 0);
    CHECK(server.requests().size() == 2);
}
