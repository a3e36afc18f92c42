// The Api on a worker that is constructed but not started: what its metrics observe of a
// request, and how the connection's request parser (rest::parse_request) reads raw bytes.
#include "rest/api.hpp"

#include <doctest/doctest.h>

using namespace sluice;
using namespace sluice::rest;

TEST_CASE("api: a made-up method is observed as 'other', so metrics series stay bounded") {
    plugin::Registry registry;
    runtime::Worker worker(config::default_worker_config(), registry);
    std::vector<std::string> methods;
    ApiOptions options;
    options.observe = [&](std::string_view, std::string_view method, int, double) { methods.emplace_back(method); };
    Api api(worker, registry, options);
    api.restore();
    for (const char* m : {"GET", "DELETE", "FOOBAR", "get", "M-SEARCH"}) {
        HttpRequest r;
        r.method = m;
        r.path = r.target = "/connectors";
        api.handle(r);
    }
    CHECK(methods == std::vector<std::string>{"GET", "DELETE", "other", "other", "other"});
}

TEST_CASE("parse_request: one complete request, or why not") {
    std::string error;
    auto r = parse_request("PUT /connectors/a%2Fb/config?x=1&y=%41 HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
                           "Content-Length: 2\r\n\r\n{}",
                           1024, error);
    REQUIRE(r);
    CHECK(r->method == "PUT");
    CHECK(r->path == "/connectors/a%2Fb/config");
    CHECK(r->query == std::vector<std::pair<std::string, std::string>>{{"x", "1"}, {"y", "A"}});
    CHECK(r->header("content-type") == "application/json");
    CHECK(r->body == "{}");
    CHECK_FALSE(parse_request("", 1024, error));
    CHECK_FALSE(parse_request("GET / HTTP/1.1\r\nHost: h\r\n", 1024, error));  // cut inside the headers
    CHECK_FALSE(parse_request("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n{}", 1024, error));  // cut inside the body
    CHECK_FALSE(parse_request("POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n", 1024, error));  // over the body limit
    CHECK(!error.empty());
    CHECK_FALSE(parse_request("\x16\x03\x01garbage", 1024, error));
}
