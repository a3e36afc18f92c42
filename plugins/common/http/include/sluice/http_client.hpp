// A small blocking HTTP client for plugins that talk to web APIs (libcurl underneath).
//
// One Client owns one reused curl easy handle, so consecutive requests to the same host reuse
// the connection (keep-alive) and the TLS session. A Client is meant to live in one task and is
// not thread-safe; give each task its own.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::http {

struct Header {
    std::string name;
    std::string value;
};

// Every member has a default initializer, so designated initializers may name only what they
// set ({.url = u}) without -Wmissing-field-initializers.
struct Request {
    std::string method = "GET";
    std::string url{};
    std::vector<Header> headers{};
    std::string body{};
    // When set, sent instead of `body` without being copied into the request: the caller
    // keeps these bytes alive and unchanged until send() returns (large uploads).
    std::optional<std::string_view> body_view{};
    // Send the body gzip-compressed with "Content-Encoding: gzip" (for bulk uploads).
    bool gzip_body = false;
    // user, password for HTTP basic authentication.
    std::optional<std::pair<std::string, std::string>> basic_auth{};
    // AWS Signature Version 4, computed by libcurl (CURLOPT_AWS_SIGV4): the request is signed
    // with these credentials for `region` and `service`. libcurl signs the method, path and
    // query as sent, the headers host, x-amz-date, content-type and every x-amz-* header, and
    // the SHA-256 of the body; callers send paths and queries already in canonical form.
    struct AwsSigV4 {
        std::string access_key;
        std::string secret_key;
        std::string region;
        std::string service;  // "s3", "dynamodb", ...
    };
    std::optional<AwsSigV4> aws_sigv4{};
    // Whole transfer, connect included. Zero means no limit.
    std::chrono::milliseconds timeout{30000};
    // When set, the body of a 2xx answer is handed here chunk by chunk (already decoded) instead
    // of collected in Response::body, so large downloads need no memory of their size. Other
    // statuses still fill Response::body. An exception thrown here aborts the transfer and
    // leaves send() as is.
    std::function<void(std::string_view chunk)> on_body{};
    // Polled while the request runs (several times a second while data flows, about once a
    // second while waiting); returning true aborts it with a TransportError. Lets a task that
    // runs requests in a helper thread stop without waiting for a slow server.
    std::function<bool()> cancelled{};
};

struct Response {
    long status = 0;
    // Already decoded when the server sent it gzip- or deflate-encoded.
    std::string body;
    // Names lower-cased, in the order received (the final response's headers after redirects).
    std::vector<Header> headers;
    double total_seconds = 0;

    // The first header with that name (any case), if present.
    std::optional<std::string> header(std::string_view name) const;
};

// The request did not produce an HTTP response: DNS, connect, timeout, TLS, broken transfer.
// The message carries curl's explanation and the URL with credentials and secret query values
// masked, so it can be logged as is.
class TransportError : public std::runtime_error {
public:
    TransportError(const std::string& message, bool timed_out)
            : std::runtime_error(message), timed_out_(timed_out) {}
    bool timed_out() const noexcept { return timed_out_; }

private:
    bool timed_out_;
};

class Client {
public:
    struct Options {
        std::chrono::milliseconds connect_timeout{10000};
        std::string user_agent = "sluice";
        bool verify_tls = true;
        // PEM bundle to verify servers against instead of the system store; empty = system.
        std::string ca_file{};
    };

    Client();
    explicit Client(Options options);
    ~Client();
    Client(Client&&) noexcept;
    Client& operator=(Client&&) noexcept;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Any HTTP status is a Response (the caller decides what 404 or 503 mean); only a failure to
    // get a response at all throws TransportError.
    Response send(const Request& request);

private:
    struct Impl;
    Impl* impl_;
};

// Percent-encodes everything except RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);

// The URL as it may appear in a log: user:password@ removed, values of query parameters that
// look like secrets (apikey, appid, token, key, password, secret, signature, ...) replaced by ***.
std::string redact_url(std::string_view url);

// How long the server asked us to wait (Retry-After as delta-seconds or HTTP-date); nullopt when
// absent or unparseable. A date in the past gives zero.
std::optional<std::chrono::milliseconds> retry_after(const Response& response);

// Statuses worth retrying the same request for: 408, 425, 429 and every 5xx.
bool is_retriable_status(long status);

// gzip (RFC 1952) compression of a whole buffer; exposed for tests and for callers that
// compress once and send several times.
std::string gzip_compress(std::string_view data);

}  // namespace sluice::http
