// A real HTTP/1.1 server on 127.0.0.1 for tests of HTTP plugins: kernel-chosen port,
// keep-alive, one thread per connection (so concurrent clients are served concurrently),
// a log of every request, and faults on demand (slow answers, connections dropped without an
// answer, bodies cut short). Usable in-process from unit tests and from integration tests,
// where the worker process under test talks to a server thread of the test process.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace sluice::testing {

struct HttpRequest {
    std::string method;                         // "GET", "POST", ...
    std::string target;                         // as sent: path and query, still encoded
    std::string path;                           // decoded, without the query
    std::map<std::string, std::string> query;   // decoded; a repeated name keeps the last value
    std::map<std::string, std::string> headers; // names lower-case; repeats joined with ", "
    std::string body;                           // as received (still gzip if the client sent it so)
    int connection = 0;                         // 1, 2, ...: which accepted connection carried it

    std::optional<std::string> header(const std::string& lower_case_name) const {
        auto it = headers.find(lower_case_name);
        if (it == headers.end()) return std::nullopt;
        return it->second;
    }
};

struct HttpResponse {
    int status = 200;
    // Sent as given. Content-Length is added unless present; an HTML error page, a gzip body
    // (with its Content-Encoding header) or a Retry-After are just headers and a body.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // Wait this long before answering (for client timeouts). Cut short when the server stops.
    std::chrono::milliseconds delay{0};
    // Close the connection without answering (after `delay`).
    bool drop_connection = false;
    // Announce the whole body in Content-Length but close after this many body bytes.
    std::optional<std::size_t> truncate_body_at;
    // Send "Connection: close" and close after this response.
    bool close_connection = false;

    static HttpResponse text(int status, std::string body,
                             std::string content_type = "text/plain; charset=utf-8") {
        HttpResponse r;
        r.status = status;
        r.headers.emplace_back("Content-Type", std::move(content_type));
        r.body = std::move(body);
        return r;
    }
    static HttpResponse json(std::string body, int status = 200) {
        return text(status, std::move(body), "application/json");
    }
};

class HttpTestServer {
public:
    // Called from the connection's thread; several connections call it concurrently, so it
    // must be thread-safe (capture atomics or lock your own state).
    using Handler = std::function<HttpResponse(const HttpRequest&)>;

    explicit HttpTestServer(Handler handler);
    // Stops accepting, unblocks and closes every connection, joins every thread.
    ~HttpTestServer();
    HttpTestServer(const HttpTestServer&) = delete;
    HttpTestServer& operator=(const HttpTestServer&) = delete;

    int port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    // Every complete request received so far, in arrival order.
    std::vector<HttpRequest> requests() const;
    void clear_requests();
    // TCP connections accepted so far (keep-alive shows as many requests on few connections).
    int connections_accepted() const { return connections_.load(); }
    // Replaces the handler for the following requests.
    void set_handler(Handler handler);

private:
    struct Connection;
    void accept_loop();
    void serve(std::shared_ptr<Connection> connection);
    bool sleep_unless_stopped(std::chrono::milliseconds delay);

    struct Impl;
    std::unique_ptr<Impl> impl_;
    int port_ = 0;
    std::atomic<int> connections_{0};
};

// gzip helpers for tests that send compressed responses or check compressed requests.
std::string gzip(std::string_view data);
// Throws std::runtime_error when the data is not a complete gzip stream.
std::string gunzip(std::string_view data);

}  // namespace sluice::testing
