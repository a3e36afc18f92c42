// sluice::http::Client against a real HTTP server on 127.0.0.1 (tests/support/http_test_server).
#include <sluice/http_client.hpp>

#include "http_test_server.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <ctime>
#include <thread>

using namespace std::chrono_literals;
using sluice::http::Client;
using sluice::http::Request;
using sluice::http::Response;
using sluice::http::TransportError;
using sluice::testing::HttpRequest;
using sluice::testing::HttpResponse;
using sluice::testing::HttpTestServer;

namespace {

// A port nothing listens on: a server's port right after the server is gone.
int closed_port() {
    HttpTestServer server([](const HttpRequest&) { return HttpResponse{}; });
    return server.port();
}

std::string http_date(std::time_t when) {
    std::tm tm{};
    gmtime_r(&when, &tm);
    char text[64];
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return text;
}

}  // namespace

TEST_CASE("GET: status, body and lower-cased response headers; the server sees path, query, headers") {
    HttpTestServer server([](const HttpRequest& r) {
        auto response = HttpResponse::json(R"({"path":")" + r.path + R"("})");
        response.headers.emplace_back("X-Total-Count", "42");
        return response;
    });
    Client client;
    Request request;
    request.url = server.url() + "/api/1/datasets/some%20id/?page=2&q=a+b";
    request.headers.push_back({"Accept", "application/json"});
    Response response = client.send(request);
    CHECK(response.status == 200);
    CHECK(response.body == R"({"path":"/api/1/datasets/some id/"})");
    CHECK(response.header("x-total-count") == "42");
    CHECK(response.header("X-Total-Count") == "42");
    CHECK(response.header("content-type") == "application/json");
    CHECK_FALSE(response.header("x-absent"));
    for (const auto& h : response.headers) {
        std::string lowered = h.name;
        for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        CHECK(h.name == lowered);
    }
    CHECK(response.total_seconds >= 0);

    auto requests = server.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].method == "GET");
    CHECK(requests[0].query.at("page") == "2");
    CHECK(requests[0].query.at("q") == "a b");
    CHECK(requests[0].header("accept") == "application/json");
    CHECK(requests[0].header("user-agent") == "sluice");
}

TEST_CASE("non-2xx statuses are responses, not exceptions") {
    HttpTestServer server([](const HttpRequest&) {
        return HttpResponse::text(404, "<html><body>Not Found</body></html>", "text/html");
    });
    Client client;
    Response response = client.send({.url = server.url() + "/missing"});
    CHECK(response.status == 404);
    CHECK(response.body.find("Not Found") != std::string::npos);
}

TEST_CASE("POST with a body, custom headers and basic auth") {
    HttpTestServer server([](const HttpRequest& r) { return HttpResponse::text(201, "got " + r.body); });
    Client client(Client::Options{.user_agent = "sluice-test/1"});
    Request request;
    request.method = "POST";
    request.url = server.url() + "/ingest";
    request.headers.push_back({"Content-Type", "application/x-ndjson"});
    request.body = "{\"a\":1}\n{\"a\":2}\n";
    request.basic_auth = std::pair<std::string, std::string>("elastic", "s3cret:with colon");
    Response response = client.send(request);
    CHECK(response.status == 201);
    CHECK(response.body == "got {\"a\":1}\n{\"a\":2}\n");

    auto seen = server.requests().at(0);
    CHECK(seen.method == "POST");
    CHECK(seen.body == request.body);
    CHECK(seen.header("content-type") == "application/x-ndjson");
    CHECK(seen.header("user-agent") == "sluice-test/1");
    // base64("elastic:s3cret:with colon")
    CHECK(seen.header("authorization") == "Basic ZWxhc3RpYzpzM2NyZXQ6d2l0aCBjb2xvbg==");
    CHECK_FALSE(seen.header("expect"));
}

TEST_CASE("PUT and DELETE are sent with their method") {
    HttpTestServer server([](const HttpRequest& r) { return HttpResponse::text(200, r.method + ":" + r.body); });
    Client client;
    CHECK(client.send({.method = "PUT", .url = server.url() + "/x", .body = "v"}).body == "PUT:v");
    CHECK(client.send({.method = "DELETE", .url = server.url() + "/x"}).body == "DELETE:");
    CHECK(client.send({.url = server.url() + "/x"}).body == "GET:");
}

TEST_CASE("keep-alive: consecutive requests of one client share one connection") {
    HttpTestServer server([](const HttpRequest& r) { return HttpResponse::text(200, r.path); });
    Client client;
    for (int i = 0; i < 5; ++i) {
        Response response = client.send({.url = server.url() + "/r" + std::to_string(i)});
        CHECK(response.body == "/r" + std::to_string(i));
    }
    // A POST in between changes nothing.
    client.send({.method = "POST", .url = server.url() + "/p", .body = "x"});
    client.send({.url = server.url() + "/last"});
    CHECK(server.connections_accepted() == 1);
    for (const auto& r : server.requests()) CHECK(r.connection == 1);
    CHECK(server.requests().size() == 7);
}

TEST_CASE("a server closing the connection is followed by a fresh one, transparently") {
    HttpTestServer server([](const HttpRequest&) {
        HttpResponse response = HttpResponse::text(200, "bye");
        response.close_connection = true;
        return response;
    });
    Client client;
    CHECK(client.send({.url = server.url() + "/a"}).body == "bye");
    CHECK(client.send({.url = server.url() + "/b"}).body == "bye");
    CHECK(server.connections_accepted() == 2);
}

TEST_CASE("gzip response bodies arrive decoded; the client announces what it accepts") {
    const std::string plain(20000, 'x');
    HttpTestServer server([&](const HttpRequest&) {
        HttpResponse response = HttpResponse::text(200, sluice::testing::gzip(plain + "end"));
        response.headers.emplace_back("Content-Encoding", "gzip");
        return response;
    });
    Client client;
    Response response = client.send({.url = server.url() + "/big.csv"});
    CHECK(response.body == plain + "end");
    auto accept = server.requests().at(0).header("accept-encoding");
    REQUIRE(accept);
    CHECK(accept->find("gzip") != std::string::npos);
    CHECK(accept->find("deflate") != std::string::npos);
}

TEST_CASE("gzip request bodies: Content-Encoding: gzip and a body that decompresses to the original") {
    HttpTestServer server([](const HttpRequest&) { return HttpResponse::text(200, "ok"); });
    Client client;
    std::string body;
    for (int i = 0; i < 1000; ++i) body += R"({"index":{}})" "\n" R"({"n":)" + std::to_string(i) + "}\n";
    client.send({.method = "POST", .url = server.url() + "/_bulk", .body = body, .gzip_body = true});
    auto seen = server.requests().at(0);
    CHECK(seen.header("content-encoding") == "gzip");
    CHECK(seen.body.size() < body.size() / 4);
    CHECK(sluice::testing::gunzip(seen.body) == body);
    CHECK(sluice::http::gzip_compress("") != "");
    CHECK(sluice::testing::gunzip(sluice::http::gzip_compress("")) == "");
}

TEST_CASE("a borrowed body (body_view) is sent as it is, plain or gzip, and an empty one as an empty body") {
    HttpTestServer server([](const HttpRequest&) { return HttpResponse::text(200, "ok"); });
    Client client;
    const std::string bytes = "0123456789abcdef";
    client.send({.method = "PUT", .url = server.url() + "/a", .body_view = std::string_view(bytes).substr(4, 6)});
    client.send({.method = "POST", .url = server.url() + "/b", .body_view = std::string_view(bytes), .gzip_body = true});
    client.send({.method = "PUT", .url = server.url() + "/c", .body_view = std::string_view()});
    CHECK(server.requests().at(0).body == "456789");
    CHECK(sluice::testing::gunzip(server.requests().at(1).body) == bytes);
    CHECK(server.requests().at(2).body.empty());
}

TEST_CASE("a server slower than the request timeout gives a TransportError within the bound") {
    HttpTestServer server([](const HttpRequest&) {
        HttpResponse response = HttpResponse::text(200, "too late");
        response.delay = 5s;
        return response;
    });
    Client client;
    auto start = std::chrono::steady_clock::now();
    bool timed_out = false;
    std::string message;
    try {
        client.send({.url = server.url() + "/slow", .timeout = 300ms});
    } catch (const TransportError& e) {
        timed_out = e.timed_out();
        message = e.what();
    }
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(timed_out);
    CHECK(message.find(server.url() + "/slow") != std::string::npos);
    CHECK(elapsed >= 250ms);
    CHECK(elapsed < 3s);
}

TEST_CASE("connection refused is a TransportError naming the URL without its secrets") {
    int port = closed_port();
    std::string url = "http://alice:pa55word@127.0.0.1:" + std::to_string(port) +
                      "/data/2.5/weather?q=Bordeaux&appid=0123secret&apikey=abcd&units=metric";
    Client client;
    std::string message;
    bool timed_out = true;
    try {
        client.send({.url = url});
    } catch (const TransportError& e) {
        message = e.what();
        timed_out = e.timed_out();
    }
    INFO(message);
    CHECK_FALSE(timed_out);
    CHECK(message.find("127.0.0.1:" + std::to_string(port) + "/data/2.5/weather?q=Bordeaux&appid=***&apikey=***&units=metric") !=
          std::string::npos);
    CHECK(message.find("0123secret") == std::string::npos);
    CHECK(message.find("abcd") == std::string::npos);
    CHECK(message.find("pa55word") == std::string::npos);
    CHECK(message.find("alice") == std::string::npos);
    CHECK(message.find("onnect") != std::string::npos);  // curl's "Couldn't connect" / "Connection refused"
}

TEST_CASE("a connection dropped without an answer, or a body cut short, is a TransportError") {
    HttpTestServer server([](const HttpRequest& r) {
        HttpResponse response = HttpResponse::text(200, std::string(10000, 'y'));
        if (r.path == "/drop") response.drop_connection = true;
        if (r.path == "/short") response.truncate_body_at = 1234;
        return response;
    });
    Client client;
    CHECK_THROWS_AS(client.send({.url = server.url() + "/drop"}), TransportError);
    CHECK_THROWS_AS(client.send({.url = server.url() + "/short"}), TransportError);
    // The client recovers: the next request gets a fresh connection and a full answer.
    CHECK(client.send({.url = server.url() + "/ok"}).body.size() == 10000);
}

TEST_CASE("a TLS URL against a plain-HTTP server fails with a TransportError, not a crash") {
    HttpTestServer server([](const HttpRequest&) { return HttpResponse::text(200, "plain"); });
    Client client;
    std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
    CHECK_THROWS_AS(client.send({.url = url, .timeout = 2s}), TransportError);
}

TEST_CASE("unsupported schemes are refused") {
    Client client;
    CHECK_THROWS_AS(client.send({.url = "file:///etc/passwd"}), TransportError);
}

TEST_CASE("retry_after: delta-seconds, HTTP-date, past date, garbage, absent") {
    Response response;
    CHECK_FALSE(sluice::http::retry_after(response));
    response.headers = {{"retry-after", "7"}};
    CHECK(sluice::http::retry_after(response) == 7000ms);
    response.headers = {{"retry-after", " 0 "}};
    CHECK(sluice::http::retry_after(response) == 0ms);
    response.headers = {{"retry-after", http_date(std::time(nullptr) + 30)}};
    auto wait = sluice::http::retry_after(response);
    REQUIRE(wait);
    CHECK(*wait > 28s);
    CHECK(*wait <= 30s);
    response.headers = {{"retry-after", http_date(std::time(nullptr) - 3600)}};
    CHECK(sluice::http::retry_after(response) == 0ms);
    response.headers = {{"retry-after", "soon"}};
    CHECK_FALSE(sluice::http::retry_after(response));
    response.headers = {{"retry-after", "-5"}};
    CHECK_FALSE(sluice::http::retry_after(response));
}

TEST_CASE("retry_after read from a real 429 answer") {
    HttpTestServer server([](const HttpRequest&) {
        HttpResponse response = HttpResponse::text(429, "slow down");
        response.headers.emplace_back("Retry-After", "3");
        return response;
    });
    Client client;
    Response response = client.send({.url = server.url() + "/"});
    CHECK(response.status == 429);
    CHECK(sluice::http::is_retriable_status(response.status));
    CHECK(sluice::http::retry_after(response) == 3000ms);
}

TEST_CASE("is_retriable_status: 408, 425, 429 and 5xx only") {
    for (long s : {408L, 425L, 429L, 500L, 502L, 503L, 504L, 599L}) CHECK(sluice::http::is_retriable_status(s));
    for (long s : {200L, 201L, 204L, 301L, 304L, 400L, 401L, 403L, 404L, 409L, 410L, 422L, 600L})
        CHECK_FALSE(sluice::http::is_retriable_status(s));
}

TEST_CASE("url_encode and redact_url") {
    CHECK(sluice::http::url_encode("a b/c?d=é~_-.") == "a%20b%2Fc%3Fd%3D%C3%A9~_-.");
    CHECK(sluice::http::redact_url("https://u:p@host:9200/x?a=1&token=t#frag") == "https://host:9200/x?a=1&token=***#frag");
    CHECK(sluice::http::redact_url("https://host/x") == "https://host/x");
    CHECK(sluice::http::redact_url("https://host/x?APIKEY=zz") == "https://host/x?APIKEY=***");
}

TEST_CASE("on_body streams a 2xx body in chunks; error bodies still land in Response::body") {
    const std::string big(3 * 1024 * 1024 + 17, 'z');
    HttpTestServer server([&](const HttpRequest& r) {
        if (r.path == "/missing") return HttpResponse::text(404, "no such file");
        if (r.path == "/short") {
            HttpResponse response = HttpResponse::text(200, big);
            response.truncate_body_at = 100000;
            return response;
        }
        return HttpResponse::text(200, big);
    });
    Client client;
    std::size_t received = 0;
    int chunks = 0;
    bool all_z = true;
    Request request{.url = server.url() + "/file.csv"};
    request.on_body = [&](std::string_view chunk) {
        received += chunk.size();
        ++chunks;
        all_z = all_z && chunk.find_first_not_of('z') == std::string_view::npos;
    };
    Response response = client.send(request);
    CHECK(response.status == 200);
    CHECK(response.body.empty());
    CHECK(received == big.size());
    CHECK(chunks > 1);
    CHECK(all_z);

    request.url = server.url() + "/missing";
    received = 0;
    response = client.send(request);
    CHECK(response.status == 404);
    CHECK(response.body == "no such file");
    CHECK(received == 0);

    // A body cut short still fails, after the sink saw part of it.
    request.url = server.url() + "/short";
    CHECK_THROWS_AS(client.send(request), TransportError);
    CHECK(received == 100000);

    // The sink's own exception aborts the transfer and comes out of send() unchanged.
    request.url = server.url() + "/file.csv";
    request.on_body = [](std::string_view) { throw std::runtime_error("disk full"); };
    CHECK_THROWS_WITH_AS(client.send(request), "disk full", std::runtime_error);
    // The client is still usable afterwards.
    CHECK(client.send({.url = server.url() + "/missing"}).status == 404);
}

TEST_CASE("cancelled: a request waiting on a slow server is aborted soon after the flag is raised") {
    HttpTestServer server([](const HttpRequest& r) {
        HttpResponse response = HttpResponse::text(200, "late");
        if (r.path == "/slow") response.delay = 30s;
        return response;
    });
    // Never raised: the request completes normally.
    Request quick{.url = server.url() + "/quick"};
    quick.cancelled = [] { return false; };
    CHECK(Client().send(quick).body == "late");
    std::atomic<bool> stop{false};
    Request request{.url = server.url() + "/slow", .timeout = 20s};
    request.cancelled = [&] { return stop.load(); };
    std::thread raiser([&] {
        std::this_thread::sleep_for(200ms);
        stop = true;
    });
    auto start = std::chrono::steady_clock::now();
    Client client;
    std::string message;
    try {
        client.send(request);
    } catch (const TransportError& e) {
        message = e.what();
    }
    raiser.join();
    auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(message.find("/slow") != std::string::npos);
    CHECK(elapsed >= 200ms);
    CHECK(elapsed < 5s);
}
