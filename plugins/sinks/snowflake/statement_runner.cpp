#include "statement_runner.hpp"

#include <sluice/sdk.hpp>

#include <algorithm>
#include <optional>
#include <random>

namespace sluice::snowflake {
namespace {

constexpr std::size_t kBodyExcerpt = 300;

// The 408 of a poll: the statement was cancelled, so it must be submitted again.
struct Cancelled {};

}  // namespace

std::string describe_http(const http::Response& response) {
    std::string out = "HTTP " + std::to_string(response.status);
    if (auto parsed = parse_response(response.body); parsed && !parsed->message.empty())
        return out + ": " + describe(*parsed);
    if (!response.body.empty())
        out += ": " + response.body.substr(0, kBodyExcerpt) + (response.body.size() > kBodyExcerpt ? "..." : "");
    return out;
}

StatementRunner::StatementRunner(RunnerOptions options, TokenSource& tokens, http::Client& client, Sleeper sleep)
    : options_(std::move(options)),
      tokens_(tokens),
      client_(client),
      sleep_(std::move(sleep)),
      retry_({.backoff = options_.backoff_initial, .backoff_max = options_.backoff_max, .max_attempts = options_.max_attempts}) {}

http::Response StatementRunner::send(const std::string& method, const std::string& url, const std::string& body) {
    http::Request request;
    request.method = method;
    request.url = url;
    request.body = body;
    request.timeout = options_.request_timeout;
    request.headers = {{"Authorization", "Bearer " + tokens_.token()},
                       {"X-Snowflake-Authorization-Token-Type", "KEYPAIR_JWT"},
                       {"Accept", "application/json"},
                       {"User-Agent", options_.user_agent}};
    if (!body.empty()) request.headers.push_back({"Content-Type", "application/json"});
    return client_.send(request);
}

std::chrono::milliseconds StatementRunner::backoff(int attempt, const http::Response* response) const {
    // `attempt` counts from 0: it is the failure number less one.
    return response != nullptr ? retry_.delay(attempt + 1, *response) : retry_.delay(attempt + 1);
}

void StatementRunner::fail_auth(const http::Response& response) const {
    const auto& claims = tokens_.claims();
    throw FatalError("Snowflake refused the key-pair JWT twice (" + describe_http(response) + "); issuer " +
                     claims.iss + ". Check account and user, and that the user's RSA_PUBLIC_KEY (DESCRIBE USER: "
                     "RSA_PUBLIC_KEY_FP) is the public half of the configured private key");
}

ApiResponse StatementRunner::poll(const std::string& status_url, const std::string& request_id) {
    std::string url = status_url.rfind("http", 0) == 0 ? status_url : options_.base_url + status_url;
    auto interval = options_.poll_initial;
    const auto deadline = std::chrono::steady_clock::now() + options_.poll_deadline;
    bool renewed = false;
    int trouble = 0;
    while (true) {
        if (!sleep_(interval)) throw RetriableError("stopping while statement of request " + request_id + " runs");
        interval = std::min(interval * 2, options_.poll_max);
        if (std::chrono::steady_clock::now() > deadline)
            throw RetriableError("statement of request " + request_id + " still running after " +
                                 std::to_string(options_.poll_deadline.count() / 1000) + " s of polling " + url);
        ++stats_.polls;
        http::Response response;
        try {
            response = send("GET", url, "");
        } catch (const http::TransportError& e) {
            // The statement runs on regardless; ask again later.
            if (++trouble > options_.max_attempts) throw RetriableError(std::string("polling failed: ") + e.what());
            interval = std::max(interval, backoff(trouble, nullptr));
            continue;
        }
        switch (response.status) {
        case 200: {
            auto parsed = parse_response(response.body);
            if (!parsed) throw RetriableError("unreadable result from " + url + ": " + describe_http(response));
            return *parsed;
        }
        case 202: trouble = 0; continue;
        case 401:
            if (renewed) fail_auth(response);
            renewed = true;
            tokens_.invalidate();
            ++stats_.token_renewals;
            interval = std::chrono::milliseconds(0);
            continue;
        case 408: throw Cancelled{};
        case 422: {
            ApiResponse failure = parse_response(response.body).value_or(ApiResponse{});
            throw SqlError(failure, "Snowflake rejected the statement: " + describe(failure));
        }
        default:
            if (http::is_retriable_status(response.status)) {
                if (++trouble > options_.max_attempts)
                    throw RetriableError("polling " + url + " failed: " + describe_http(response));
                interval = std::max(interval, backoff(trouble, &response));
                continue;
            }
            throw RetriableError("unexpected answer while polling " + url + ": " + describe_http(response));
        }
    }
}

ApiResponse StatementRunner::run(const StatementRequest& request) {
    const std::string body = request_body(request);
    std::string request_id = new_request_id();
    bool retry = false;  // retry=true: Snowflake answers from the first run instead of running again
    bool renewed = false;
    std::string last_problem;
    int submissions = 0;
    for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
        std::string url = options_.base_url + "/api/v2/statements?requestId=" + request_id;
        if (retry) url += "&retry=true";
        ++stats_.submissions;
        ++submissions;
        if (attempt > 0) ++stats_.retries;
        http::Response response;
        try {
            response = send("POST", url, body);
        } catch (const http::TransportError& e) {
            last_problem = e.what();
            retry = true;  // it may have arrived and run: resubmit as a retry
            if (!sleep_(backoff(attempt, nullptr))) break;
            continue;
        }
        try {
            switch (response.status) {
            case 200: {
                auto parsed = parse_response(response.body);
                if (!parsed) throw RetriableError("unreadable result: " + describe_http(response));
                return *parsed;
            }
            case 202: {
                auto parsed = parse_response(response.body);
                if (!parsed || parsed->status_url.empty())
                    throw RetriableError("202 without statementStatusUrl: " + describe_http(response));
                return poll(parsed->status_url, request_id);
            }
            case 401:
                if (renewed) fail_auth(response);
                renewed = true;
                tokens_.invalidate();
                ++stats_.token_renewals;
                --attempt;  // a renewal is not a failed attempt
                retry = true;
                continue;
            case 408:
                throw Cancelled{};
            case 422: {
                ApiResponse failure = parse_response(response.body).value_or(ApiResponse{});
                throw SqlError(failure, "Snowflake rejected the statement: " + describe(failure));
            }
            default:
                if (http::is_retriable_status(response.status)) {
                    last_problem = describe_http(response);
                    retry = true;
                    if (!sleep_(backoff(attempt, &response))) break;
                    continue;
                }
                throw FatalError("Snowflake answered the statement with " + describe_http(response));
            }
        } catch (const Cancelled&) {
            // Timed out and cancelled, so it did not take effect: a new request.
            last_problem = "statement timed out and was cancelled (HTTP 408)";
            request_id = new_request_id();
            retry = false;
            if (!sleep_(backoff(attempt, nullptr))) break;
            continue;
        }
        break;  // stopping
    }
    throw RetriableError("Snowflake unavailable after " + std::to_string(submissions) +
                         " submissions: " + last_problem);
}

}  // namespace sluice::snowflake
