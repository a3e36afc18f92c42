// Runs one SQL statement through the SQL API v2 until Snowflake gives a final answer:
//
//   POST /api/v2/statements?requestId=<uuid>      200 -> done
//                                                 202 -> poll GET statementStatusUrl until 200/422
//   401        -> a fresh JWT, then once more (a second 401 is an authentication failure)
//   429, 503, other 5xx, network errors
//              -> back off (Retry-After honoured) and resubmit with the SAME requestId and
//                 retry=true, so a statement that did run is not run again
//   408        -> the statement timed out and was cancelled: resubmit under a new requestId
//   422        -> SqlError with Snowflake's message, SQLSTATE and code
//
// When the retries are used up the statement's fate is still unknown to Snowflake's side
// only in the sense that it did not run; the caller gets RetriableError.
#pragma once

#include "jwt.hpp"
#include "sql_api.hpp"

#include <sluice/http_client.hpp>
#include <sluice/http_retry.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace sluice::snowflake {

struct RunnerOptions {
    std::string base_url;  // https://<account>.snowflakecomputing.com (no trailing slash)
    std::string user_agent = "sluice-snowflake-sink/1.0";
    std::chrono::milliseconds request_timeout{60000};
    int max_attempts = 6;  // submissions of one statement before RetriableError
    std::chrono::milliseconds backoff_initial{200};
    std::chrono::milliseconds backoff_max{10000};
    std::chrono::milliseconds poll_initial{50};
    std::chrono::milliseconds poll_max{2000};
    std::chrono::milliseconds poll_deadline{15 * 60 * 1000};  // a statement still running then: retriable
};

struct RunStats {
    int submissions = 0;  // POSTs sent
    int polls = 0;        // GETs of a statement's status
    int token_renewals = 0;
    int retries = 0;      // resubmissions with retry=true or a new requestId
};

class StatementRunner {
public:
    // Sleeps the given time; false when the task is stopping (the runner gives up with
    // RetriableError, so nothing is lost).
    using Sleeper = std::function<bool(std::chrono::milliseconds)>;

    StatementRunner(RunnerOptions options, TokenSource& tokens, http::Client& client, Sleeper sleep);

    // The final ApiResponse (200) of the statement. Throws SqlError (422), RetriableError
    // (still unavailable after the retries, or stopping) or FatalError (authentication
    // refused, a request Snowflake calls malformed).
    ApiResponse run(const StatementRequest& request);

    const RunStats& stats() const { return stats_; }
    const RunnerOptions& options() const { return options_; }

private:
    http::Response send(const std::string& method, const std::string& url, const std::string& body);
    ApiResponse poll(const std::string& status_url, const std::string& request_id);
    std::chrono::milliseconds backoff(int attempt, const http::Response* response) const;
    [[noreturn]] void fail_auth(const http::Response& response) const;

    RunnerOptions options_;
    TokenSource& tokens_;
    http::Client& client_;
    Sleeper sleep_;
    RunStats stats_;
    http::RetryPolicy retry_;
};

// "HTTP 503: <message or start of the body>" for messages.
std::string describe_http(const http::Response& response);

}  // namespace sluice::snowflake
