// Who may call the REST API: rest.auth none, basic (users file, salted hashes) or bearer
// (tokens file), and the two roles: viewer (GET and HEAD: states, configs, tap, metrics)
// and admin (everything). Applied to every request before the API sees it:
//   no or malformed credentials  -> 401 with WWW-Authenticate
//   wrong credentials            -> 401, logged (address and user name, never the password),
//                                   counted against the client address
//   too many failures            -> 429 with Retry-After until the window ends
//   a viewer's write             -> 403
// every refusal in Kafka Connect's {"error_code":..., "message":...} body.
#pragma once

#include "config/rest_security.hpp"
#include "rest/credentials.hpp"
#include "rest/http_server.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace sluice::rest {

// Failed logins per client address in a fixed window; bounded memory (expired entries are
// dropped, and past `max_addresses` the oldest windows go first).
class LoginThrottle {
public:
    using Clock = std::chrono::steady_clock;
    LoginThrottle(int max_failures, std::chrono::milliseconds window, size_t max_addresses = 10000);
    // While the address is blocked: how long it still is.
    std::optional<std::chrono::milliseconds> blocked(const std::string& address, Clock::time_point now = Clock::now());
    // Counts a failure; true when this one reached the limit (the address is now blocked).
    bool failed(const std::string& address, Clock::time_point now = Clock::now());
    size_t tracked() const;

private:
    struct Window {
        Clock::time_point start;
        int failures = 0;
    };
    void prune(Clock::time_point now);
    int max_failures_;
    std::chrono::milliseconds window_;
    size_t max_addresses_;
    mutable std::mutex mutex_;
    std::map<std::string, Window> windows_;
};

struct AuthDecision {
    std::optional<HttpResponse> refusal;  // set: answer this instead of calling the API
    std::string user;                     // who it is ("" when auth is none or the route is open)
    Role role = Role::admin;
};

class Authenticator {
public:
    // Reads the credentials file; nullptr with `error` when it is missing or invalid.
    static std::unique_ptr<Authenticator> create(const config::RestSecurityConfig& config, std::string& error);

    AuthDecision check(const HttpRequest& request);
    // SIGHUP: re-read the credentials file now.
    void reload();

private:
    Authenticator(const config::RestSecurityConfig& config);
    HttpResponse unauthorized(const std::string& message) const;
    std::optional<Credential> verify_basic(const std::string& encoded, std::string& user, std::string& problem);
    bool open_route(const HttpRequest& request) const;

    config::RestSecurityConfig config_;
    CredentialFile file_;
    LoginThrottle throttle_;
    // Basic sends the password with every request and each check costs a PBKDF2 run: a
    // verified (user, password) pair is remembered, under a keyed digest of the pair (a
    // random per-process key), for a few minutes and until the users file changes.
    std::mutex cache_mutex_;
    std::string cache_key_;
    std::map<std::string, std::pair<Credential, std::chrono::steady_clock::time_point>> verified_;
};

}  // namespace sluice::rest
