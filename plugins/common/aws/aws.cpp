#include "sluice/aws.hpp"

#include <sluice/http_retry.hpp>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <thread>

namespace sluice::aws {
namespace {

using Clock = std::chrono::steady_clock;

std::string env_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr ? std::string(v) : std::string();
}

std::string digest_hex(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), out, &size, md, nullptr) != 1) throw std::runtime_error("OpenSSL digest failed");
    static constexpr char hex[] = "0123456789abcdef";
    std::string text;
    text.reserve(size * 2);
    for (unsigned int i = 0; i < size; ++i) {
        text.push_back(hex[out[i] >> 4]);
        text.push_back(hex[out[i] & 15]);
    }
    return text;
}

// Waits up to `wait`, in short naps so that a stopping task is not held.
void nap(std::chrono::milliseconds wait, const std::function<bool()>& stopping) {
    const auto until = Clock::now() + wait;
    while (Clock::now() < until) {
        if (stopping && stopping()) return;
        std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(20)));
    }
}

}  // namespace

config_kit::Spec<Connection> connection_spec(std::string service, std::string default_endpoint) {
    using C = Connection;
    config_kit::Spec<C> k;
    k.key("aws.access.key.id", [](C& c) -> auto& { return c.credentials.access_key; }, "Access key id; empty: the AWS_ACCESS_KEY_ID environment variable").default_value("").secret();
    k.key("aws.secret.access.key", [](C& c) -> auto& { return c.credentials.secret_key; }, "Secret access key; empty: AWS_SECRET_ACCESS_KEY").default_value("").secret();
    k.key("aws.session.token", [](C& c) -> auto& { return c.credentials.session_token; }, "Session token of temporary credentials; empty: AWS_SESSION_TOKEN (if set)").default_value("").secret();
    k.key("region", &C::region, "Region the requests are signed for (and of the default endpoint)").default_value("us-east-1");
    k.key("endpoint.url", &C::endpoint, "Endpoint, e.g. http://127.0.0.1:9000 for a local store; empty: the AWS endpoint of the region").default_value("");
    k.key("tls.verify", &C::verify_tls, "Verify the server's TLS certificate and host name").default_value(true);
    k.key("tls.ca.file", &C::ca_file, "PEM file of the CAs to trust instead of the system's").default_value("");
    k.key("request.timeout.ms", &C::request_timeout, "Timeout of one HTTP request, connect included").default_value(30000).between(100, 3600000);
    k.key("retry.max.attempts", &C::max_attempts, "Tries of one request (5xx, throttling, network errors) before the worker is asked to retry the whole call").default_value(4).between(1, 100);
    k.key("retry.backoff.ms", &C::backoff, "First wait between two tries; doubles up to retry.backoff.max.ms, with jitter").default_value(200).between(1, 600000);
    k.key("retry.backoff.max.ms", &C::backoff_max, "Longest wait between two tries").default_value(10000).between(1, 3600000);

    k.check("region", [](const C& c) {
        return c.region.empty() || c.region.find_first_of("/ :") != std::string::npos
                   ? "region: expected a region name such as eu-west-3, got '" + c.region + "'"
                   : std::string();
    });
    k.derive("endpoint.url", [service = std::move(service), default_endpoint = std::move(default_endpoint)](C& c, const Config&) {
        c.service = service;
        if (c.endpoint.empty()) {
            c.endpoint = default_endpoint;
            if (auto at = c.endpoint.find("{region}"); at != std::string::npos) c.endpoint.replace(at, 8, c.region);
        }
        while (!c.endpoint.empty() && c.endpoint.back() == '/') c.endpoint.pop_back();
    });
    k.check("endpoint.url", [](const C& c) {
        if (c.endpoint.rfind("http://", 0) != 0 && c.endpoint.rfind("https://", 0) != 0)
            return "endpoint.url: expected an http:// or https:// URL, got '" + c.endpoint + "'";
        if (c.endpoint.find('/', c.endpoint.find("://") + 3) != std::string::npos || c.endpoint.find('?') != std::string::npos)
            return "endpoint.url: expected scheme://host[:port] without a path, got '" + http::redact_url(c.endpoint) + "'";
        return std::string();
    });
    k.rule("retry.backoff.max.ms", "retry.backoff.max.ms must be at least retry.backoff.ms",
           [](const C& c) { return c.backoff_max < c.backoff; });
    return k;
}

void use_environment_credentials(Connection& c) {
    if (c.credentials.access_key.empty()) c.credentials.access_key = env_or_empty("AWS_ACCESS_KEY_ID");
    if (c.credentials.secret_key.empty()) c.credentials.secret_key = env_or_empty("AWS_SECRET_ACCESS_KEY");
    if (c.credentials.session_token.empty()) c.credentials.session_token = env_or_empty("AWS_SESSION_TOKEN");
    if (c.credentials.access_key.empty() || c.credentials.secret_key.empty())
        throw FatalError("no AWS credentials: set aws.access.key.id and aws.secret.access.key, or the environment variables "
                         "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
}

std::string sha256_hex(std::string_view data) { return digest_hex(EVP_sha256(), data); }

std::string md5_base64(std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), out, &size, EVP_md5(), nullptr) != 1) throw std::runtime_error("OpenSSL MD5 failed");
    unsigned char text[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    const int n = EVP_EncodeBlock(text, out, static_cast<int>(size));
    return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(n));
}

std::string encode_path(std::string_view path) {
    std::string out;
    out.reserve(path.size() + path.size() / 4);
    std::size_t start = 0;
    while (true) {
        const std::size_t slash = path.find('/', start);
        out += http::url_encode(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
        if (slash == std::string_view::npos) break;
        out.push_back('/');
        start = slash + 1;
    }
    return out;
}

std::string canonical_query(std::vector<std::pair<std::string, std::string>> parameters) {
    for (auto& [name, value] : parameters) {
        name = http::url_encode(name);
        value = http::url_encode(value);
    }
    std::sort(parameters.begin(), parameters.end());
    std::string out;
    for (const auto& [name, value] : parameters) {
        if (!out.empty()) out.push_back('&');
        out += name;
        out.push_back('=');
        out += value;
    }
    return out;
}

std::string ServiceError::describe() const {
    std::string text = "HTTP " + std::to_string(status);
    if (!code.empty()) text += " " + code;
    if (!message.empty()) text += ": " + message;
    return text;
}

ServiceError parse_error(long status, std::string_view body) {
    ServiceError e;
    e.status = status;
    std::size_t start = body.find_first_not_of(" \t\r\n");
    if (start != std::string_view::npos && body[start] == '{') {
        const auto j = nlohmann::json::parse(body, nullptr, false);
        if (j.is_object()) {
            if (auto t = j.find("__type"); t != j.end() && t->is_string()) {
                const std::string& type = t->get_ref<const std::string&>();
                e.code = type.substr(type.rfind('#') == std::string::npos ? 0 : type.rfind('#') + 1);
            }
            for (const char* name : {"message", "Message"})
                if (auto m = j.find(name); m != j.end() && m->is_string()) e.message = m->get<std::string>();
            return e;
        }
    } else if (start != std::string_view::npos && body[start] == '<') {
        try {
            std::istringstream in{std::string(body)};
            boost::property_tree::ptree tree;
            boost::property_tree::read_xml(in, tree);
            if (auto error = tree.get_child_optional("Error")) {
                e.code = error->get<std::string>("Code", "");
                e.message = error->get<std::string>("Message", "");
                return e;
            }
        } catch (const std::exception&) {
        }
    }
    // A proxy's page or nothing at all (HEAD answers have no body).
    std::string text(body.substr(0, 200));
    std::replace(text.begin(), text.end(), '\n', ' ');
    e.message = text;
    return e;
}

bool is_retriable(const ServiceError& error) {
    static const char* const transient[] = {
        "SlowDown", "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestThrottled",
        "InternalError", "InternalFailure", "InternalServerError", "ServiceUnavailable", "RequestTimeout",
        "RequestTimeTooSkewed", "LimitExceededException"};
    if (error.status >= 500 || error.status == 429 || error.status == 408) return true;
    return std::find(std::begin(transient), std::end(transient), error.code) != std::end(transient);
}

Client::Client(Connection connection)
    : connection_(std::move(connection)),
      http_(http::Client::Options{.connect_timeout = std::min(connection_.request_timeout, std::chrono::milliseconds(10000)),
                                  .user_agent = "sluice",
                                  .verify_tls = connection_.verify_tls,
                                  .ca_file = connection_.ca_file}) {}

std::string Client::where() const { return connection_.endpoint; }

http::Response Client::send(http::Request request, std::string_view path_and_query, const std::string& what,
                            std::initializer_list<long> accepted, const std::function<bool()>& stopping) {
    request.url = connection_.endpoint + std::string(path_and_query);
    request.timeout = connection_.request_timeout;
    request.aws_sigv4 = http::Request::AwsSigV4{connection_.credentials.access_key, connection_.credentials.secret_key,
                                                connection_.region, connection_.service};
    if (connection_.service == "s3") request.headers.push_back({"x-amz-content-sha256", sha256_hex(request.body_view ? *request.body_view : std::string_view(request.body))});
    if (!connection_.credentials.session_token.empty())
        request.headers.push_back({"x-amz-security-token", connection_.credentials.session_token});
    http::RetryPolicy retry({.backoff = connection_.backoff, .backoff_max = connection_.backoff_max,
                             .max_attempts = connection_.max_attempts});
    for (int attempt = 1;; ++attempt) {
        std::string problem;
        bool retriable = true;
        ServiceError error;
        std::optional<std::chrono::milliseconds> asked;
        try {
            http::Response response = http_.send(request);
            if ((response.status >= 200 && response.status < 300) ||
                std::find(accepted.begin(), accepted.end(), response.status) != accepted.end())
                return response;
            error = parse_error(response.status, response.body);
            retriable = is_retriable(error);
            problem = error.describe();
            asked = retry.server_asks(response);
        } catch (const http::TransportError& e) {
            problem = e.what();
        }
        const std::string message = what + " at " + where() + ": " + problem;
        if (!retriable) throw Failure(message, false, error);
        if (retry.exhausted(attempt) || (stopping && stopping()))
            throw Failure(message + " (" + std::to_string(attempt) + (attempt == 1 ? " try)" : " tries)"), true, error);
        nap(retry.delay(attempt, asked), stopping);
    }
}

}  // namespace sluice::aws
