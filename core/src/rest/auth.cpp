#include "rest/auth.hpp"

#include "common/log.hpp"
#include "common/text.hpp"
#include "rest/password_hash.hpp"
#include "rest/router.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace sluice::rest {

namespace {
constexpr auto kVerifiedFor = std::chrono::minutes(5);
constexpr size_t kMaxVerified = 1000;
// Compared against when the users file is empty.
const std::string& dummy_hash() {
    static const std::string hash = hash_password("not a password", kDefaultPasswordIterations);
    return hash;
}
}  // namespace

LoginThrottle::LoginThrottle(int max_failures, std::chrono::milliseconds window, size_t max_addresses)
    : max_failures_(max_failures), window_(window), max_addresses_(max_addresses) {}

void LoginThrottle::prune(Clock::time_point now) {
    for (auto it = windows_.begin(); it != windows_.end();)
        it = now - it->second.start >= window_ ? windows_.erase(it) : std::next(it);
    while (windows_.size() >= max_addresses_) {
        auto oldest = windows_.begin();
        for (auto it = windows_.begin(); it != windows_.end(); ++it)
            if (it->second.start < oldest->second.start) oldest = it;
        windows_.erase(oldest);
    }
}

std::optional<std::chrono::milliseconds> LoginThrottle::blocked(const std::string& address, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = windows_.find(address);
    if (it == windows_.end() || it->second.failures < max_failures_) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(it->second.start + window_ - now);
    if (left.count() <= 0) {
        windows_.erase(it);
        return std::nullopt;
    }
    return left;
}

bool LoginThrottle::failed(const std::string& address, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    auto it = windows_.find(address);
    if (it != windows_.end() && now - it->second.start >= window_) {
        windows_.erase(it);
        it = windows_.end();
    }
    if (it == windows_.end()) {
        if (windows_.size() >= max_addresses_) prune(now);
        it = windows_.emplace(address, Window{now, 0}).first;
    }
    return ++it->second.failures == max_failures_;
}

size_t LoginThrottle::tracked() const {
    std::lock_guard lock(mutex_);
    return windows_.size();
}

Authenticator::Authenticator(const config::RestSecurityConfig& config)
    : config_(config), throttle_(config.failures_max, std::chrono::milliseconds(config.failures_window_ms)) {
    cache_key_.resize(32);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(cache_key_.data()), static_cast<int>(cache_key_.size())) != 1)
        throw std::runtime_error("no random bytes for the REST credential cache");
}

std::unique_ptr<Authenticator> Authenticator::create(const config::RestSecurityConfig& config, std::string& error) {
    std::unique_ptr<Authenticator> a(new Authenticator(config));
    if (config.auth == "basic" && !a->file_.load(CredentialKind::users, config.users_file, error)) return nullptr;
    if (config.auth == "bearer" && !a->file_.load(CredentialKind::tokens, config.tokens_file, error)) return nullptr;
    return a;
}

void Authenticator::reload() {
    if (config_.auth == "none") return;
    std::string error;
    if (file_.reload(error)) log::info("REST credentials reloaded");
    else log::error("REST credentials not reloaded, the previous ones stay in force: ", error);
}

bool Authenticator::open_route(const HttpRequest& request) const {
    if (request.method != "GET" && request.method != "HEAD") return false;
    return (config_.health_open && request.path == "/health") || (config_.metrics_open && request.path == "/metrics");
}

HttpResponse Authenticator::unauthorized(const std::string& message) const {
    HttpResponse r = error_response(401, message);
    r.headers.emplace_back("WWW-Authenticate", config_.auth == "basic" ? R"(Basic realm="sluice", charset="UTF-8")"
                                                                       : R"(Bearer realm="sluice")");
    return r;
}

std::optional<Credential> Authenticator::verify_basic(const std::string& encoded, std::string& user, std::string& problem) {
    auto decoded = base64_decode(encoded);
    auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) {
        problem = "malformed Basic credentials";
        return std::nullopt;
    }
    user = decoded->substr(0, colon);
    const std::string_view password = std::string_view(*decoded).substr(colon + 1);
    bool reloaded = false;
    auto users = file_.entries(&reloaded);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_size = 0;
    HMAC(EVP_sha256(), cache_key_.data(), static_cast<int>(cache_key_.size()), reinterpret_cast<const unsigned char*>(decoded->data()),
         decoded->size(), mac, &mac_size);
    const std::string cache_id(reinterpret_cast<const char*>(mac), mac_size);
    const auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(cache_mutex_);
        if (reloaded) verified_.clear();
        auto it = verified_.find(cache_id);
        if (it != verified_.end() && it->second.second > now) return it->second.first;
    }
    const Credential* found = nullptr;
    for (const auto& u : users)
        if (u.name == user) found = &u;
    // An unknown name costs the same PBKDF2 run as a known one (another user's hash).
    const std::string& against = found ? found->secret : users.empty() ? dummy_hash() : users.front().secret;
    const bool ok = verify_password(password, against) && found;
    if (!ok) {
        problem = found ? "wrong password" : "unknown user";
        return std::nullopt;
    }
    std::lock_guard lock(cache_mutex_);
    if (verified_.size() >= kMaxVerified) verified_.clear();
    verified_[cache_id] = {*found, now + kVerifiedFor};
    return *found;
}

AuthDecision Authenticator::check(const HttpRequest& request) {
    AuthDecision d;
    if (config_.auth == "none" || open_route(request)) return d;
    const std::string& address = request.remote_address;
    if (auto left = throttle_.blocked(address)) {
        HttpResponse r = error_response(429, "too many failed logins from this address; retry later");
        r.headers.emplace_back("Retry-After", std::to_string((left->count() + 999) / 1000));
        d.refusal = std::move(r);
        return d;
    }
    const std::string header = request.header("authorization");
    const std::string scheme = config_.auth == "basic" ? "Basic " : "Bearer ";
    if (header.size() <= scheme.size() || !std::equal(scheme.begin(), scheme.end(), header.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
        d.refusal = unauthorized(header.empty() ? "authentication required"
                                                : "expected an Authorization: " + scheme + "header");
        return d;
    }
    const std::string presented(text::trim(std::string_view(header).substr(scheme.size())));
    std::optional<Credential> who;
    std::string user, problem;
    if (config_.auth == "basic") {
        who = verify_basic(presented, user, problem);
    } else {
        auto tokens = file_.entries();
        if (const Credential* t = match_token(tokens, presented)) who = *t;
        else problem = "unknown token";
    }
    if (!who) {
        log::warn("REST authentication failed from ", address.empty() ? "?" : address,
                  user.empty() ? std::string() : " for user " + text::shown(user, 64), ": ", problem);
        if (throttle_.failed(address))
            log::warn("REST: ", config_.failures_max, " failed logins from ", address, " within ", config_.failures_window_ms,
                      " ms: its requests are refused (429) until the window ends");
        d.refusal = unauthorized("invalid credentials");
        return d;
    }
    d.user = who->name;
    d.role = who->role;
    if (who->role == Role::viewer && request.method != "GET" && request.method != "HEAD") {
        d.refusal = error_response(403, "user " + who->name + " has the viewer role: " + request.method +
                                            " needs the admin role");
    }
    return d;
}

}  // namespace sluice::rest
