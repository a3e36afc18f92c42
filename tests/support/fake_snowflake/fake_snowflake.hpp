// A local stand-in for Snowflake's SQL API v2, for tests (no Snowflake account exists
// here). It is a real HTTP server on 127.0.0.1 (HttpTestServer) that checks what Snowflake
// checks and refuses what Snowflake refuses:
//
//  - key-pair JWTs: "Authorization: Bearer <jwt>" with "X-Snowflake-Authorization-Token-Type:
//    KEYPAIR_JWT"; an RS256 signature that verifies against the user's registered public
//    key; iss = ACCOUNT.USER.SHA256:<base64 SHA-256 of the key's DER SubjectPublicKeyInfo>,
//    sub = ACCOUNT.USER (exact, upper-case); not expired; exp at most one hour after iat.
//    Verification is written here with OpenSSL, independently of the plugin's signing code.
//  - request bodies: JSON, a "statement", well-formed "bindings" ("1".."n", each a type and a
//    value), a User-Agent, a UUID requestId; as many bindings as "?" placeholders.
//  - statements: it runs only the exact statements the snowflake sink sends (MERGE of rows,
//    the resume query, the pre-flight probe, CREATE TABLE IF NOT EXISTS) against in-memory
//    tables, with Snowflake's semantics (MERGE matches against the table as it was before
//    the statement; PARSE_JSON refuses bad JSON; a VARCHAR refuses a longer string), and
//    answers any other statement with 422 and a Snowflake-shaped compilation error.
//  - requestId: a resubmission with the same requestId and retry=true is answered from the
//    first execution without running again; without retry=true it runs again.
//
// Faults on demand: 202-then-poll, 401, 408 (cancelled), 422, 429 (with Retry-After), 503,
// and a statement that runs but whose response is lost (connection dropped).
//
// Error codes and messages follow Snowflake's documented shapes (code, sqlState, message,
// statementHandle); the exact texts of 400/401 bodies are illustrative.
#pragma once

#include "http_test_server.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sluice::testing {

struct FakeRow {
    std::string topic;
    std::int64_t partition = 0;
    std::int64_t offset = 0;
    std::optional<std::int64_t> timestamp_ms;
    std::optional<std::string> key;
    std::optional<std::string> content;  // the VARIANT as compact JSON
};

class FakeSnowflake {
public:
    struct Options {
        std::string account = "TESTACCT";  // as it must appear in the JWT (upper-case)
        std::string user = "LOADER";
        std::string public_key_pem;        // the user's RSA_PUBLIC_KEY
        std::chrono::seconds clock_skew{60};  // tolerated iat in the future
    };

    enum class Target { submit, poll };

    struct Fault {
        Target target = Target::submit;
        int status = 503;                  // 401, 408, 422, 429, 503, ... or 202 (async)
        int polls = 0;                     // status 202: polls answered 202 before the result (the submission's 202 aside)
        bool drop_response = false;        // run the statement, then close without answering
        std::optional<int> retry_after_s;  // 429/503: Retry-After header
        std::string code = "002003", sql_state = "42S02", message;  // status 422
    };

    // Shorthands for the common faults.
    static Fault http(int status, Target target = Target::submit) {
        Fault f;
        f.target = target;
        f.status = status;
        return f;
    }
    static Fault throttled(int retry_after_s) {
        Fault f = http(429);
        f.retry_after_s = retry_after_s;
        return f;
    }
    static Fault async(int polls) {
        Fault f = http(202);
        f.polls = polls;
        return f;
    }
    static Fault lost_response() {
        Fault f = http(200);
        f.drop_response = true;
        return f;
    }
    static Fault sql_error(std::string code, std::string sql_state, std::string message) {
        Fault f = http(422);
        f.code = std::move(code);
        f.sql_state = std::move(sql_state);
        f.message = std::move(message);
        return f;
    }

    struct Stats {
        int submissions = 0;     // POST /api/v2/statements that passed authentication
        int polls = 0;           // GET /api/v2/statements/<handle> that passed authentication
        int executions = 0;      // statements actually run
        int answered_from_first_run = 0;  // retry=true with a known requestId
        int faults_served = 0;
        std::vector<std::string> auth_failures;  // why each 401 was given
        std::vector<std::string> bad_requests;   // why each 400 was given
    };

    explicit FakeSnowflake(Options options);
    ~FakeSnowflake();
    FakeSnowflake(const FakeSnowflake&) = delete;
    FakeSnowflake& operator=(const FakeSnowflake&) = delete;

    std::string url() const;
    HttpTestServer& server();

    // DB.SCHEMA.TABLE (any case). RECORD_KEY is a VARCHAR(key_max_length).
    void create_table(const std::string& name, std::size_t key_max_length = 16777216);
    bool has_table(const std::string& name) const;
    std::vector<FakeRow> rows(const std::string& name) const;
    void set_public_key(std::string pem);

    // Faults apply to the next requests of their target, in order, after authentication
    // (an injected 401 replaces it).
    void inject(Fault fault, int times = 1);
    void clear_faults();
    // Every submission answers 202, then `polls` polls answer 202 before the result (0: answer at once).
    void set_async_polls(int polls);

    Stats stats() const;
    std::vector<std::string> executed_statements() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::testing
