// A malformed answer under an error policy that tolerates it (errors.tolerance=all): the
// source reports it once with the raw body, emits nothing of it, and asks again after a
// backoff; the next good answer is emitted in full. FakeHost has no report_errant, so this
// test builds its own host around the same ABI.
#include "weather_test_support.hpp"

using namespace weather_test;

namespace {

struct Reported {
    std::optional<std::string> key, value;
    std::string message;
};

struct TolerantHost {
    sluice_host host{};
    std::vector<Reported> reported;
    std::vector<std::string> logs;
    TolerantHost() {
        host.opaque = this;
        host.worker_id = "test-worker";
        host.connector = "test.weather";
        host.plugin = "weather";
        host.task_id = 0;
        host.task_count = 1;
        host.log = [](void* self, sluice_log_level, const char* m, size_t n) {
            static_cast<TolerantHost*>(self)->logs.emplace_back(m, n);
        };
        host.stored_offset = [](void*, const char*, size_t) -> const char* { return nullptr; };
        host.stopping = [](void*) -> int32_t { return 0; };
        host.report_errant = [](void* self, const sluice_record* r, const char* m, size_t n) -> sluice_status {
            auto opt = [](const sluice_bytes& b) -> std::optional<std::string> {
                return b.data == nullptr ? std::nullopt : std::optional<std::string>(std::string(b.data, b.size));
            };
            static_cast<TolerantHost*>(self)->reported.push_back({opt(r->key), opt(r->value), std::string(m, n)});
            return SLUICE_OK;  // tolerated
        };
    }
};

}  // namespace

TEST_CASE("a tolerated bad answer is reported with its body, nothing of it emitted, and asked for again") {
    Replay server(replay::kGmt);
    const std::string html = "<html><body>Gateway hiccup</body></html>";
    server.set_fault([&](int n, const HttpRequest&) { return n == 1 ? HttpResponse::text(200, html, "text/html") : no_fault(); });
    const auto& d = sluice::testing::descriptor(SLUICE_KIND_SOURCE, "weather");
    const auto* vt = static_cast<const sluice_source_vtable*>(d.vtable);
    sluice::testing::ConfigFixture config(d, {{"provider", "open-meteo"}, {"base_url", server.url()},
                                              {"locations", R"(["Kochi:9.9:76.25"])"}, {"hourly", "temperature_2m"},
                                              {"retry_backoff_ms", "20"}, {"poll_interval_ms", "3600000"}});
    TolerantHost host;
    void* instance = nullptr;
    auto created = sluice::testing::call([&](sluice_error* e) { return vt->create(&host.host, config.get(), &instance, e); });
    REQUIRE_MESSAGE(created.status == SLUICE_OK, created.message);

    std::vector<CapturedRecord> records;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (records.size() < 168 && std::chrono::steady_clock::now() < until) {
        CapturingWriter out;
        auto r = sluice::testing::call([&](sluice_error* e) { return vt->poll(instance, out.get(), 50, e); });
        REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
        for (auto& rec : out.records) records.push_back(std::move(rec));
    }
    vt->destroy(instance);

    CHECK(records.size() == 168);
    REQUIRE(host.reported.size() == 1);
    CHECK(host.reported[0].value == html);
    CHECK(host.reported[0].key == R"({"location":"Kochi"})");
    CHECK(host.reported[0].message.find("open-meteo forecast location 'Kochi': unreadable answer from " + server.url()) == 0);
    CHECK(server.requests().size() == 2);
}
