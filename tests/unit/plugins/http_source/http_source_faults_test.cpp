// What an API does wrong, injected by the replay API: 429 with Retry-After, 5xx, dropped
// connections, HTML instead of JSON, an answer without the records array (a schema change:
// the error policy decides), records without their key, refused credentials. Transient
// trouble is retried (bounded by retry.max.attempts when set); the rest fails with a message
// naming the URL, credentials masked.
#include "http_test_support.hpp"

#include <atomic>
#include <mutex>
#include <set>

using namespace http_test;
using namespace std::chrono_literals;
using sluice::testing::HttpRequest;
using sluice::testing::HttpResponse;

namespace {

std::map<std::string, std::string> config(const ApiReplay& api, std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> c{{"url", api.url()},
                                         {"auth.query.name", "access_key"},
                                         {"auth.query.value", "the-key"},
                                         {"records.pointer", "/data"},
                                         {"key.fields", "flight.iata"},
                                         {"pagination.mode", "offset"},
                                         {"total.pointer", "/pagination/total"},
                                         {"retry.backoff.ms", "50"},
                                         {"poll.interval.ms", "50"}};
    for (auto& [k, v] : extra) c[k] = v;
    return c;
}

struct Run {
    FakeHost host;
    CapturingWriter out;
    CallResult result;
    Run(ApiReplay& api, std::map<std::string, std::string> extra = {}, int sweeps = 1) {
        SourceUnderTest source("http", config(api, std::move(extra)), host);
        REQUIRE_MESSAGE(source.ok(), source.created.message);
        result = run_sweeps(source, out, host, sweeps, 30s);
    }
};

}  // namespace

TEST_CASE("429 with Retry-After: the next attempt waits as asked, then every record arrives once") {
    ApiReplay api(Shape::aviationstack, flights(250), "the-key");
    std::mutex m;
    std::vector<std::chrono::steady_clock::time_point> at;
    std::atomic<int> calls{0};
    api.set_fault([&](const HttpRequest&) -> std::optional<HttpResponse> {
        std::lock_guard lock(m);
        at.push_back(std::chrono::steady_clock::now());
        if (++calls == 2) {
            HttpResponse busy = HttpResponse::json(R"({"error":{"code":"rate_limit_reached","message":"Too many requests"}})", 429);
            busy.headers.emplace_back("Retry-After", "1");
            return busy;
        }
        return std::nullopt;
    });
    Run run(api);
    REQUIRE_MESSAGE(run.result.status == SLUICE_OK, run.result.message);
    CHECK(run.out.records.size() == 250);
    REQUIRE(at.size() == 4);
    CHECK(at[2] - at[1] >= 950ms);
    CHECK(count_logs(run.host, "HTTP 429") == 1);
    CHECK(all_logs(run.host).find("access_key=***") != std::string::npos);
    CHECK(all_logs(run.host).find("the-key") == std::string::npos);
}

TEST_CASE("5xx, a dropped connection and an HTML page are retried with backoff; nothing lost, nothing twice") {
    ApiReplay api(Shape::aviationstack, flights(250), "the-key");
    std::atomic<int> calls{0};
    api.set_fault([&](const HttpRequest&) -> std::optional<HttpResponse> {
        const int n = ++calls;
        if (n == 1) return HttpResponse::json(R"({"message":"upstream timeout"})", 503);
        if (n == 3) {
            HttpResponse drop;
            drop.drop_connection = true;
            return drop;
        }
        if (n == 5) return HttpResponse::text(200, "<html><body>502 Bad Gateway</body></html>", "text/html");
        return std::nullopt;
    });
    Run run(api);
    REQUIRE_MESSAGE(run.result.status == SLUICE_OK, run.result.message);
    std::set<std::string> keys;
    for (const auto& r : run.out.records) CHECK_MESSAGE(keys.insert(*r.key).second, *r.key << " twice");
    CHECK(keys.size() == 250);
    CHECK(count_logs(run.host, "HTTP 503") == 1);
    CHECK(count_logs(run.host, "the answer is not JSON") == 1);
}

TEST_CASE("retry.max.attempts consecutive failures: the task fails with the last reason") {
    ApiReplay api(Shape::aviationstack, flights(10), "the-key");
    api.set_fault([](const HttpRequest&) -> std::optional<HttpResponse> { return HttpResponse::json("{}", 500); });
    Run run(api, {{"retry.max.attempts", "3"}});
    CHECK(run.result.status == SLUICE_FATAL);
    CHECK_MESSAGE(run.result.message.find("HTTP 500") != std::string::npos, run.result.message);
    CHECK_MESSAGE(run.result.message.find("giving up after 3 attempts") != std::string::npos, run.result.message);
}

TEST_CASE("refused credentials fail the task with the API's answer and the key masked") {
    ApiReplay api(Shape::aviationstack, flights(10), "the-key");
    Run run(api, {{"auth.query.value", "a-wrong-key"}});
    CHECK(run.result.status == SLUICE_FATAL);
    CHECK_MESSAGE(run.result.message.find("access refused (HTTP 401") != std::string::npos, run.result.message);
    CHECK_MESSAGE(run.result.message.find("invalid_access_key") != std::string::npos, run.result.message);
    CHECK(run.result.message.find("a-wrong-key") == std::string::npos);
}

TEST_CASE("an answer without the records array (the API changed): errant, and fatal under errors.tolerance none") {
    ApiReplay api(Shape::aviationstack, flights(10), "the-key");
    api.set_fault([](const HttpRequest&) -> std::optional<HttpResponse> {
        return HttpResponse::json(R"({"pagination":{"total":10},"results":[{"flight":{"iata":"AF1"}}]})");
    });
    SUBCASE("tolerated: reported with the answer, the sweep ends") {
        FakeHost host;
        host.enable_errant(SLUICE_OK);
        CapturingWriter out;
        SourceUnderTest source("http", config(api), host);
        REQUIRE(source.ok());
        auto r = run_sweeps(source, out, host, 1);
        CHECK(r.status == SLUICE_OK);
        CHECK(out.records.empty());
        REQUIRE(host.errants.size() == 1);
        CHECK(host.errants[0].value.value_or("").find("\"results\"") != std::string::npos);
        CHECK_MESSAGE(host.errants[0].message.find("records.pointer /data is not an array") != std::string::npos,
                      host.errants[0].message);
    }
    SUBCASE("not tolerated: the task fails") {
        FakeHost host;  // no report_errant: the SDK's FatalError
        CapturingWriter out;
        SourceUnderTest source("http", config(api), host);
        REQUIRE(source.ok());
        auto r = run_sweeps(source, out, host, 1);
        CHECK(r.status == SLUICE_FATAL);
        CHECK_MESSAGE(r.message.find("records.pointer /data") != std::string::npos, r.message);
    }
}

TEST_CASE("records without their key field go to the error policy; the others are emitted; a changed schema is logged") {
    auto records = flights(30);
    records[3].erase("flight");
    records[17]["flight"]["iata"] = nullptr;
    records[20]["codeshared"] = {{"airline_iata", "KL"}};
    ApiReplay api(Shape::aviationstack, records, "the-key");
    FakeHost host;
    host.enable_errant(SLUICE_OK);
    CapturingWriter out;
    SourceUnderTest source("http", config(api, {{"limit", "10"}}), host);
    REQUIRE(source.ok());
    REQUIRE(run_sweeps(source, out, host, 1).status == SLUICE_OK);
    CHECK(out.records.size() == 28);
    REQUIRE(host.errants.size() == 2);
    CHECK_MESSAGE(host.errants[0].message.find("without a value for the key field 'flight.iata'") != std::string::npos,
                  host.errants[0].message);
    CHECK(count_logs(host, "the records' fields changed") >= 1);
}
