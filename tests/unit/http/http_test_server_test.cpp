// The test server itself: concurrency, request log, shutdown with clients still connected.
#include "http_test_server.hpp"

#include <sluice/http_client.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using namespace std::chrono_literals;
using sluice::testing::HttpRequest;
using sluice::testing::HttpResponse;
using sluice::testing::HttpTestServer;

TEST_CASE("test server: concurrent connections are served concurrently") {
    // Each request waits (bounded) until both are in flight: only a server that serves the two
    // connections at the same time answers 200 to both.
    std::atomic<int> in_flight{0};
    HttpTestServer server([&](const HttpRequest&) {
        ++in_flight;
        auto deadline = std::chrono::steady_clock::now() + 5s;
        while (in_flight.load() < 2 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(5ms);
        return HttpResponse::text(in_flight.load() >= 2 ? 200 : 503, "");
    });
    long status[2] = {0, 0};
    std::thread a([&] { status[0] = sluice::http::Client().send({.url = server.url() + "/a"}).status; });
    std::thread b([&] { status[1] = sluice::http::Client().send({.url = server.url() + "/b"}).status; });
    a.join();
    b.join();
    CHECK(status[0] == 200);
    CHECK(status[1] == 200);
    CHECK(server.connections_accepted() == 2);
}

TEST_CASE("test server: stops promptly with an idle keep-alive client and a request still delayed") {
    auto start = std::chrono::steady_clock::now();
    std::thread slow_client;
    {
        HttpTestServer server([](const HttpRequest& r) {
            HttpResponse response = HttpResponse::text(200, "");
            if (r.path == "/slow") response.delay = 60s;
            return response;
        });
        sluice::http::Client idle;
        idle.send({.url = server.url() + "/"});  // stays connected (keep-alive)
        slow_client = std::thread([url = server.url()] {
            try {
                sluice::http::Client().send({.url = url + "/slow", .timeout = 30s});
            } catch (const sluice::http::TransportError&) {
                // expected: the server went away
            }
        });
        auto deadline = std::chrono::steady_clock::now() + 5s;
        while (server.requests().size() < 2 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(5ms);
        REQUIRE(server.requests().size() == 2);
    }
    slow_client.join();
    CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("test server: request log, set_handler, clear_requests, handler exceptions become 500") {
    HttpTestServer server([](const HttpRequest&) { return HttpResponse::text(200, "first"); });
    sluice::http::Client client;
    CHECK(client.send({.url = server.url() + "/1"}).body == "first");
    server.set_handler([](const HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
    auto response = client.send({.url = server.url() + "/2"});
    CHECK(response.status == 500);
    CHECK(response.body.find("boom") != std::string::npos);
    REQUIRE(server.requests().size() == 2);
    CHECK(server.requests()[1].target == "/2");
    server.clear_requests();
    CHECK(server.requests().empty());
}

TEST_CASE("test server: a truncated body announces the full length") {
    HttpTestServer server([](const HttpRequest&) {
        HttpResponse response = HttpResponse::text(200, "0123456789");
        response.truncate_body_at = 4;
        return response;
    });
    sluice::http::Client client;
    try {
        client.send({.url = server.url() + "/"});
        FAIL("a short body must not look complete");
    } catch (const sluice::http::TransportError& e) {
        CHECK(std::string(e.what()).find("6 bytes remaining") != std::string::npos);
    }
}

TEST_CASE("gzip/gunzip round trip; gunzip refuses a cut stream") {
    std::string text(5000, 'q');
    CHECK(sluice::testing::gunzip(sluice::testing::gzip(text)) == text);
    std::string cut = sluice::testing::gzip(text);
    cut.resize(cut.size() / 2);
    CHECK_THROWS_AS(sluice::testing::gunzip(cut), std::runtime_error);
}
