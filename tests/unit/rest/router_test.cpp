// The REST router and the HTTP helpers: patterns, methods (405 with Allow), percent-decoding
// per segment (an encoded '/' stays in its parameter), listener parsing.
#include "rest/router.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace sluice::rest;

namespace {

HttpRequest request(const std::string& method, const std::string& path) {
    HttpRequest r;
    r.method = method;
    r.path = path;
    r.target = path;
    return r;
}

Router sample() {
    Router router;
    router.add("GET", "/connectors", [](const Call&) { return HttpResponse{200, "application/json", "list", {}}; });
    router.add("POST", "/connectors", [](const Call&) { return HttpResponse{201, "application/json", "created", {}}; });
    router.add("GET", "/connectors/{name}/status", [](const Call& c) { return HttpResponse{200, "application/json", c.param("name"), {}}; });
    router.add("PUT", "/connectors/{name}/pause", [](const Call&) -> HttpResponse { throw ApiError(409, "busy"); });
    return router;
}

}  // namespace

TEST_CASE("router: matches patterns and methods, with the route pattern for metrics") {
    Router router = sample();
    std::string route;
    auto r = router.dispatch(request("GET", "/connectors"), route);
    CHECK(r.status == 200);
    CHECK(route == "/connectors");
    r = router.dispatch(request("GET", "/connectors/abc/status"), route);
    CHECK(r.body == "abc");
    CHECK(route == "/connectors/{name}/status");
    r = router.dispatch(request("GET", "/connectors/abc/status/"), route);  // a trailing slash is the same path
    CHECK(r.body == "abc");
}

TEST_CASE("router: 405 with Allow on a known path, 404 elsewhere, errors in Connect's shape") {
    Router router = sample();
    std::string route;
    auto r = router.dispatch(request("DELETE", "/connectors"), route);
    CHECK(r.status == 405);
    REQUIRE(r.headers.size() == 1);
    CHECK(r.headers[0] == std::pair<std::string, std::string>{"Allow", "GET, POST"});
    auto body = nlohmann::json::parse(r.body);
    CHECK(body["error_code"] == 405);
    CHECK(body["message"].get<std::string>().find("DELETE") != std::string::npos);
    r = router.dispatch(request("GET", "/nothing"), route);
    CHECK(r.status == 404);
    CHECK(route == "unmatched");
    r = router.dispatch(request("PUT", "/connectors/x/pause"), route);
    CHECK(r.status == 409);
    CHECK(nlohmann::json::parse(r.body) == nlohmann::json{{"error_code", 409}, {"message", "busy"}});
}

TEST_CASE("router: segments are decoded one by one; malformed escapes are 400") {
    Router router = sample();
    std::string route;
    CHECK(router.dispatch(request("GET", "/connectors/a%2Fb/status"), route).body == "a/b");
    CHECK(router.dispatch(request("GET", "/connectors/a%20b/status"), route).body == "a b");
    CHECK(router.dispatch(request("GET", "/connectors/a%zzb/status"), route).status == 400);
    CHECK(router.dispatch(request("GET", "/connectors/a%2/status"), route).status == 400);
}

TEST_CASE("percent_decode and parse_listener") {
    std::string out;
    CHECK(percent_decode("a+b%41", out, true));
    CHECK(out == "a bA");
    CHECK(percent_decode("a+b", out, false));
    CHECK(out == "a+b");
    CHECK_FALSE(percent_decode("%4", out, false));
    CHECK_FALSE(percent_decode("%", out, false));

    std::string host, error;
    uint16_t port = 0;
    CHECK(parse_listener("127.0.0.1:8083", host, port, error));
    CHECK(host == "127.0.0.1");
    CHECK(port == 8083);
    CHECK(parse_listener("[::1]:0", host, port, error));
    CHECK(host == "::1");
    CHECK(port == 0);
    CHECK(parse_listener(":9000", host, port, error));
    CHECK(host == "0.0.0.0");
    CHECK_FALSE(parse_listener("localhost", host, port, error));
    CHECK(error.find("host:port") != std::string::npos);
    CHECK_FALSE(parse_listener("h:65536", host, port, error));
    CHECK_FALSE(parse_listener("h:80a", host, port, error));
}
