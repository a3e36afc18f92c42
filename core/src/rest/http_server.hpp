// The HTTP/1.1 server under the REST API: Boost.Beast on one Asio io_context run by a small
// fixed pool of threads. Keep-alive, a read timeout per request (and idle connections),
// a body limit (413 before the body is read), and nothing else: what a request means is
// the handler's business. A handler runs on a pool thread and may block it (a DELETE waits
// for the connector's tasks to end); the other threads keep serving.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace sluice::rest {

struct HttpRequest {
    std::string method;  // "GET", ...
    std::string target;  // as sent: path and query
    std::string path;    // undecoded, without the query
    std::vector<std::pair<std::string, std::string>> query;  // decoded, in order (keys may repeat)
    std::map<std::string, std::string> headers;               // lower-case names
    std::string body;
    std::string remote_address;  // the client's IP address ("" when unknown)

    std::string header(const std::string& lower_name) const;
};

// A response body produced while the connection stays open (server-sent events): pulled
// on the connection's strand, so pull() must not block.
struct ResponseStream {
    virtual ~ResponseStream() = default;
    // Appends what is ready to `out` (nothing is fine: asked again shortly); false ends the
    // response (the connection is closed).
    virtual bool pull(std::string& out) = 0;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    // Set: the body is this stream instead, sent until it ends or the client goes; the
    // response has no length and the connection closes after it.
    std::shared_ptr<ResponseStream> stream = nullptr;
};

class HttpServer {
public:
    using Handler = std::function<HttpResponse(const HttpRequest&)>;

    struct Options {
        std::string host = "127.0.0.1";
        uint16_t port = 8083;  // 0: the kernel picks one (tests)
        int threads = 8;  // a DELETE or stop holds one while its tasks end (~100 ms)
        size_t body_limit = 1024 * 1024;
        std::chrono::milliseconds read_timeout{30000};  // one request, and an idle keep-alive connection
        // Set: every connection is TLS, with the context this returns when it is accepted.
        std::function<std::shared_ptr<boost::asio::ssl::context>()> tls;
    };

    // Binds and listens; throws std::runtime_error naming the address on failure.
    HttpServer(Options options, Handler handler);
    ~HttpServer();  // stop()
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    void start();  // the pool threads begin accepting
    void stop();   // closes the listener and every connection, joins the threads
    uint16_t port() const;  // the bound port
    bool loopback() const;  // bound to a loopback address

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// "host:port" -> (host, port); nullopt-like: false when malformed. IPv6 as [::1]:8083.
bool parse_listener(const std::string& listener, std::string& host, uint16_t& port, std::string& error);

// One request read from `bytes` as a connection reads it (the same parser, body limit and
// conversion), for tests and fuzzing; nullopt with `error` when the bytes do not start with
// one complete, well-formed request.
std::optional<HttpRequest> parse_request(std::string_view bytes, size_t body_limit, std::string& error);

// %XX and (in queries) '+' decoded; false on a malformed escape.
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space);

}  // namespace sluice::rest
