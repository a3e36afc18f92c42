// What the AWS plugins (s3, dynamodb) share on top of sluice_http: the connection settings
// and their configuration keys, credentials (configuration or the usual environment
// variables), signed requests (libcurl's CURLOPT_AWS_SIGV4 does the signing), paths and
// queries in the canonical form SigV4 signs, the services' error answers, and retries with
// backoff for what AWS says is worth retrying.
#pragma once

#include <sluice/config_kit.hpp>
#include <sluice/http_client.hpp>
#include <sluice/sdk.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::aws {

struct Credentials {
    std::string access_key;
    std::string secret_key;
    std::string session_token;  // temporary credentials (STS); empty otherwise
};

// How to reach one service and how hard to try.
struct Connection {
    std::string endpoint;  // scheme://host[:port], no trailing slash
    std::string region;
    std::string service;  // "s3", "dynamodb"
    Credentials credentials;
    bool verify_tls = true;
    std::string ca_file;
    std::chrono::milliseconds request_timeout{30000};
    int max_attempts = 4;  // per request: the first try and the retries
    std::chrono::milliseconds backoff{200};
    std::chrono::milliseconds backoff_max{10000};
};

// The keys every AWS plugin declares (a plugin's spec include()s them): aws.access.key.id,
// aws.secret.access.key, aws.session.token, region, endpoint.url, tls.verify, tls.ca.file,
// request.timeout.ms, retry.max.attempts, retry.backoff.ms, retry.backoff.max.ms, with their
// rules. `service` and `default_endpoint` complete the endpoint when endpoint.url is empty;
// `default_endpoint` may hold {region} (https://dynamodb.{region}.amazonaws.com).
config_kit::Spec<Connection> connection_spec(std::string service, std::string default_endpoint);
// Credentials left empty in the configuration from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
// and AWS_SESSION_TOKEN; FatalError when there are none. Not part of validate(): the
// environment of whoever validates a file is not the worker's.
void use_environment_credentials(Connection& connection);

// Hex SHA-256 (OpenSSL) and base64 MD5 (Content-MD5, which S3 checks).
std::string sha256_hex(std::string_view data);
std::string md5_base64(std::string_view data);

// A path in SigV4's canonical form: every segment percent-encoded (RFC 3986 unreserved
// characters kept), '/' kept. libcurl 7.88 signs the path as sent, so it must be sent so.
std::string encode_path(std::string_view path);
// A query in canonical form: parameters sorted by name, names and values encoded, and '='
// even for an empty value ("uploads="), which S3 reads as the bare "?uploads".
std::string canonical_query(std::vector<std::pair<std::string, std::string>> parameters);

// An error answer of the service: S3's XML <Error><Code>/<Message>, or DynamoDB's JSON
// {"__type":"...#Code","message":"..."}.
struct ServiceError {
    long status = 0;
    std::string code;
    std::string message;
    std::string describe() const;  // "HTTP 403 SignatureDoesNotMatch: The request signature ..."
};
ServiceError parse_error(long status, std::string_view body);
// Worth sending again: 5xx, 429, throttling and the transient codes of S3 and DynamoDB.
bool is_retriable(const ServiceError& error);

// A request that failed for good (after the retries, when retriable).
class Failure : public std::runtime_error {
public:
    Failure(const std::string& message, bool retriable, ServiceError error = {})
        : std::runtime_error(message), retriable_(retriable), error_(std::move(error)) {}
    bool retriable() const { return retriable_; }
    const ServiceError& error() const { return error_; }

private:
    bool retriable_;
    ServiceError error_;
};

class Client {
public:
    explicit Client(Connection connection);

    // Sends a request signed for the connection's service. `path_and_query` starts with '/'
    // and is already canonical (encode_path, canonical_query). S3 requests get the
    // x-amz-content-sha256 header S3 requires. Transport errors and retriable answers are
    // retried (backoff with jitter, Retry-After honoured) up to max_attempts; `stopping`
    // cuts the waits short. Returns the 2xx answer, or one of `accepted` statuses; throws
    // Failure otherwise, its message starting with `what`.
    http::Response send(http::Request request, std::string_view path_and_query, const std::string& what,
                        std::initializer_list<long> accepted = {}, const std::function<bool()>& stopping = {});

    const Connection& connection() const { return connection_; }
    // The endpoint as it may be shown (no credentials).
    std::string where() const;

private:
    Connection connection_;
    http::Client http_;
};

}  // namespace sluice::aws
