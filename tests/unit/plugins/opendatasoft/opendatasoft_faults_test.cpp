// What the portal does wrong, injected by the replay server: 429 with Retry-After, 5xx,
// slow answers past the timeout, truncated JSON, HTML error pages, a schema that loses a
// field, refused queries, API keys. The source retries what is transient (bounded by
// max_retries when set) and fails with a message naming dataset, URL and field otherwise.
#include "ods_test_support.hpp"

#include <atomic>
#include <mutex>
#include <set>

using namespace ods_test;
using namespace std::chrono_literals;
using sluice::testing::CapturingWriter;
using sluice::testing::FakeHost;
using sluice::testing::HttpRequest;
using sluice::testing::HttpResponse;
using sluice::testing::SourceUnderTest;
using sluice::testing::ods_replay::ReplayServer;

namespace {

bool is_records(const HttpRequest& r) { return r.path.find("/records") != std::string::npos; }

// Runs one sweep of ci_trafi_l with `fault` answering the records requests it wants to.
struct FaultRun {
    ReplayServer server;
    FakeHost host;
    CapturingWriter out;
    sluice::testing::CallResult result;

    FaultRun(ReplayServer::Fault fault, std::map<std::string, std::string> extra = {}) {
        server.put(ci_trafi_l());
        server.set_fault(std::move(fault));
        SourceUnderTest source("opendatasoft", config(server.url(), "ci_trafi_l", "mdate", "gid", std::move(extra)), host);
        REQUIRE_MESSAGE(source.ok(), source.created.message);
        result = run_sweeps(source, out, host, 1, 30s);
    }
};

}  // namespace

TEST_CASE("429 with Retry-After: the next attempt waits as asked, then every record arrives once") {
    std::mutex m;
    std::chrono::steady_clock::time_point refused_at, retried_at;
    std::atomic<int> calls{0};
    FaultRun run([&](const HttpRequest& r) -> std::optional<HttpResponse> {
        if (!is_records(r)) return std::nullopt;
        const int n = ++calls;
        std::lock_guard lock(m);
        if (n == 2) {
            refused_at = std::chrono::steady_clock::now();
            HttpResponse busy = HttpResponse::json(R"({"error_code":"TooManyRequests","message":"Too many requests"})", 429);
            busy.headers.emplace_back("Retry-After", "1");
            return busy;
        }
        if (n == 3) retried_at = std::chrono::steady_clock::now();
        return std::nullopt;
    });
    REQUIRE_MESSAGE(run.result.status == SLUICE_OK, run.result.message);
    CHECK(run.out.records.size() == 694);
    CHECK(retried_at - refused_at >= 950ms);
    CHECK(count_logs(run.host, "HTTP 429: TooManyRequests: Too many requests") == 1);
}

TEST_CASE("X-RateLimit-Reset (seconds) is honoured when Retry-After is absent") {
    std::atomic<int> calls{0};
    std::chrono::steady_clock::time_point refused_at, retried_at;
    std::mutex m;
    FaultRun run([&](const HttpRequest& r) -> std::optional<HttpResponse> {
        if (!is_records(r)) return std::nullopt;
        const int n = ++calls;
        std::lock_guard lock(m);
        if (n == 1) {
            refused_at = std::chrono::steady_clock::now();
            HttpResponse busy = HttpResponse::json(R"({"message":"quota"})", 429);
            busy.headers.emplace_back("X-RateLimit-Reset", "2");
            return busy;
        }
        if (n == 2) retried_at = std::chrono::steady_clock::now();
        return std::nullopt;
    });
    REQUIRE_MESSAGE(run.result.status == SLUICE_OK, run.result.message);
    CHECK(run.out.records.size() == 694);
    CHECK(retried_at - refused_at >= 1900ms);
}

TEST_CASE("500, 503, a dropped connection, a slow answer past the timeout: retried with backoff, nothing lost") {
    std::atomic<int> calls{0};
    FaultRun run(
        [&](const HttpRequest& r) -> std::optional<HttpResponse> {
            if (!is_records(r)) return std::nullopt;
            switch (++calls) {
            case 2: return HttpResponse::text(500, "Internal Server Error");
            case 3: return HttpResponse::json(R"({"error_code":"ServiceUnavailable","message":"maintenance"})", 503);
            case 5: {
                HttpResponse drop;
                drop.drop_connection = true;
                return drop;
            }
            case 7: {
                HttpResponse slow;
                slow.delay = 3000ms;  // past request_timeout_ms
                slow.body = "{}";
                return slow;
            }
            default: return std::nullopt;
            }
        },
        {{"request_timeout_ms", "400"}});
    REQUIRE_MESSAGE(run.result.status == SLUICE_OK, run.result.message);
    CHECK(run.out.records.size() == 694);
    std::set<std::string> keys;
    for (const auto& rec : run.out.records) keys.insert(*rec.key);
    CHECK(keys.size() == 694);
    CHECK(count_logs(run.host, "HTTP 500") == 1);
    CHECK(count_logs(run.host, "HTTP 503: ServiceUnavailable: maintenance") == 1);
    CHECK(count_logs(run.host, "attempt 2 failed") == 1);  // 500 then 503 in a row
    // The dropped connection is a reused keep-alive one: libcurl itself retries such a request
    // once on a fresh connection, so the source may or may not see it.
    CHECK(count_logs(run.host, "failed, next in") >= 3);
    CHECK(count_logs(run.host, "failed, next in") <= 4);
    CHECK(count_logs(run.host, "timed out") + count_logs(run.host, "Timeout") + count_logs(run.host, "timeout") >= 1);
}

TEST_CASE("a truncated JSON body and an HTML error page with status 200 are retried with a clear warning") {
    std::atomic<int> calls{0};
    ReplayServer* self = nullptr;
    FaultRun run([&](const HttpRequest& r) -> std::optional<HttpResponse> {
        if (!is_records(r)) return std::nullopt;
        const int n = ++calls;
        if (n == 2) return HttpResponse::json(R"({"total_count": 694, "results": [{"geo_point_2d": {"lon": -0.53, "lat")");
        if (n == 3)
            return HttpResponse::text(200, "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>", "text/html");
        if (n == 4) {
            HttpResponse cut = HttpResponse::json(std::string(4000, ' ') + "{}");
            cut.truncate_body_at = 100;  // Content-Length promises more than arrives
            return cut;
        }
        (void)self;
        return std::nullopt;
    });
    REQUIRE_MESSAGE(run.result.status == SLUICE_OK, run.result.message);
    CHECK(run.out.records.size() == 694);
    CHECK(count_logs(run.host, "dataset 'ci_trafi_l' (") >= 2);
    CHECK(count_logs(run.host, "truncated JSON answer") == 1);
    CHECK(count_logs(run.host, "answered HTML instead of JSON (an error page?): <!DOCTYPE html>") == 1);
    CHECK(count_logs(run.host, "attempt 3 failed") == 1);
}

TEST_CASE("max_retries bounds the attempts: a portal down for good fails the task with the reason") {
    FaultRun run([](const HttpRequest& r) -> std::optional<HttpResponse> {
        if (!is_records(r)) return std::nullopt;
        return HttpResponse::text(502, "<html><body>Bad Gateway</body></html>", "text/html");
    },
                 {{"max_retries", "2"}, {"retry_backoff_max_ms", "50"}});
    CHECK(run.result.status == SLUICE_FATAL);
    CHECK(run.result.message.find("HTTP 502") != std::string::npos);
    CHECK(run.result.message.find("giving up after 3 attempts in a row (retry.max.attempts)") != std::string::npos);
    CHECK(run.out.records.empty());
}

TEST_CASE("a schema that loses the key field between polls: a clear error naming the field") {
    ReplayServer server;
    server.put(rennes_2025());
    FakeHost host;
    CapturingWriter out;
    SourceUnderTest source("opendatasoft", config(server.url(), "etat-du-trafic-en-temps-reel", "datetime", "predefinedLocationReference"), host);
    REQUIRE(source.ok());
    REQUIRE(run_sweeps(source, out, host, 1).status == SLUICE_OK);
    REQUIRE(out.records.size() == 2859);
    SUBCASE("the field is gone from the dataset: the portal refuses the query") {
        Dataset renamed = rennes_2025();
        for (auto& f : renamed.fields)
            if (f.first == "predefinedlocationreference") f.first = "location_reference";
        for (auto& r : renamed.records) {
            r["location_reference"] = r["predefinedlocationreference"];
            r.erase("predefinedlocationreference");
        }
        server.put(renamed);
        auto r = run_sweeps(source, out, host, 2);
        CHECK(r.status == SLUICE_FATAL);
        CHECK(r.message.find("the portal refused the query (HTTP 400: ODSQLError: Unknown field: predefinedlocationreference)") != std::string::npos);
        CHECK(r.message.find("/api/explore/v2.1/catalog/datasets/etat-du-trafic-en-temps-reel/records") != std::string::npos);
    }
    SUBCASE("the answers stop carrying the field (a select or a proxy drops it)") {
        server.set_fault([](const HttpRequest& r) -> std::optional<HttpResponse> {
            if (!is_records(r)) return std::nullopt;
            return HttpResponse::json(R"({"total_count":1,"results":[{"datetime":"2025-11-04T16:34:00+00:00","trafficstatus":"heavy"}]})");
        });
        auto r = run_sweeps(source, out, host, 2);
        CHECK(r.status == SLUICE_FATAL);
        CHECK(r.message.find("dataset 'etat-du-trafic-en-temps-reel': no record of the answer has the field 'predefinedLocationReference' any more (schema changed?); fields now: datetime, trafficstatus") != std::string::npos);
    }
}

TEST_CASE("a where the portal refuses, an unknown dataset: fatal with the portal's message") {
    {
        FaultRun run(nullptr, {{"where", "segment = 3"}});
        CHECK(run.result.status == SLUICE_FATAL);
        CHECK(run.result.message.find("HTTP 400: ODSQLError: Unknown field: segment") != std::string::npos);
        CHECK(run.result.message.find("check where, select and the field names") != std::string::npos);
    }
    {
        ReplayServer server;
        FakeHost host;
        CapturingWriter out;
        SourceUnderTest source("opendatasoft", config(server.url(), "nope", "mdate", "gid"), host);
        REQUIRE(source.ok());
        auto r = run_sweeps(source, out, host, 1);
        CHECK(r.status == SLUICE_FATAL);
        CHECK(r.message.find("dataset 'nope' not found on " + server.url()) != std::string::npos);
    }
}

TEST_CASE("a user where is ANDed with the cursor; the API key goes in the Authorization header") {
    ReplayServer server;
    server.put(ci_trafi_l());
    server.require_api_key("s3cret");
    std::size_t dense = 0;
    for (const auto& r : ci_trafi_l().records) dense += r.at("etat") == "DENSE";
    FakeHost host;
    CapturingWriter out;
    SourceUnderTest source("opendatasoft",
                           config(server.url(), "ci_trafi_l", "mdate", "gid", {{"where", "etat = \"DENSE\""}, {"api_key", "s3cret"}}),
                           host);
    REQUIRE(source.ok());
    REQUIRE(run_sweeps(source, out, host, 1).status == SLUICE_OK);
    CHECK(out.records.size() == dense);
    CHECK(dense == 10);
    for (const auto& req : server.requests()) CHECK(req.header("authorization") == "Apikey s3cret");
    for (const auto& [level, line] : host.logs) CHECK(line.find("s3cret") == std::string::npos);

    FakeHost other;
    auto refused = SourceUnderTest::test("opendatasoft", config(server.url(), "ci_trafi_l", "mdate", "gid", {{"api_key", "wrong"}}), other);
    CHECK(refused.message.find("access refused (HTTP 401: InvalidAPIKey: An API key is required); check api.key") != std::string::npos);
}

TEST_CASE("the dataset description: an HTML page is retried, a description without fields is fatal") {
    {
        std::atomic<int> calls{0};
        FaultRun run([&](const HttpRequest& r) -> std::optional<HttpResponse> {
            if (is_records(r) || ++calls > 1) return std::nullopt;
            return HttpResponse::text(200, "<html><body>Maintenance</body></html>", "text/html");
        });
        REQUIRE_MESSAGE(run.result.status == SLUICE_OK, run.result.message);
        CHECK(run.out.records.size() == 694);
        CHECK(count_logs(run.host, "dataset 'ci_trafi_l' description") == 0);  // the warning names the URL instead
        CHECK(count_logs(run.host, "/api/explore/v2.1/catalog/datasets/ci_trafi_l: answered HTML instead of JSON") == 1);
    }
    {
        FaultRun run([](const HttpRequest& r) -> std::optional<HttpResponse> {
            if (is_records(r)) return std::nullopt;
            return HttpResponse::json(R"({"dataset_id":"ci_trafi_l","metas":{}})");
        });
        CHECK(run.result.status == SLUICE_FATAL);
        CHECK(run.result.message.find("the dataset description has no \"fields\" array") != std::string::npos);
    }
}
