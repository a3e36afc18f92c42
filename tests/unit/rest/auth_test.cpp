// The REST listener's protection, piece by piece: password hashes, the credentials files,
// the failed-login throttle, the authenticator's answers per role and route, and the
// worker file's rules for rest.auth and rest.tls.
#include "config/worker_config.hpp"
#include "rest/auth.hpp"
#include "rest/credentials.hpp"
#include "rest/password_hash.hpp"
#include "rest/tls.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace sluice;
using namespace sluice::rest;
using testing::TempDir;

namespace {

constexpr int kFast = 1000;  // iterations: the format and the checks, not the cost

HttpRequest auth_request(const std::string& method, const std::string& path, const std::string& authorization = "",
                    const std::string& address = "10.0.0.1") {
    HttpRequest r;
    r.method = method;
    r.path = path;
    r.target = path;
    r.remote_address = address;
    if (!authorization.empty()) r.headers["authorization"] = authorization;
    return r;
}

std::string basic(const std::string& user, const std::string& password) { return "Basic " + base64_encode(user + ":" + password); }

config::RestSecurityConfig basic_config(const TempDir& dir) {
    testing::write_file(dir.file("users"), "# the REST users\n\nada:admin:" + hash_password("ada-secret", kFast) +
                                                "\nvic:viewer:" + hash_password("vic:with:colons", kFast) + "\n");
    config::RestSecurityConfig c;
    c.auth = "basic";
    c.users_file = dir.file("users");
    c.failures_max = 3;
    return c;
}

int status_of(const AuthDecision& d) { return d.refusal ? d.refusal->status : 200; }

std::string header_of(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return "";
}

std::optional<config::WorkerConfig> load_worker(const TempDir& dir, const std::string& yaml, config::Diagnostics& diags) {
    testing::write_file(dir.file("worker.yaml"), yaml);
    return config::load_worker_config(dir.file("worker.yaml"), diags);
}

}  // namespace

TEST_CASE("password hashes: salted, verified in constant time, malformed ones named") {
    const std::string h = hash_password("correct horse", kFast);
    CHECK(h.rfind("$pbkdf2-sha256$1000$", 0) == 0);
    CHECK(h != hash_password("correct horse", kFast));  // a fresh salt each time
    CHECK(verify_password("correct horse", h));
    CHECK_FALSE(verify_password("correct horsE", h));
    CHECK_FALSE(verify_password("", h));
    std::string error;
    CHECK_FALSE(verify_password("x", "plain-text-password", &error));
    CHECK(error.find("$pbkdf2-sha256$") != std::string::npos);
    CHECK(password_hash_problem("$pbkdf2-sha256$10$AAAAAAAAAAAAAAAAAAAAAA==$AAAA").has_value());  // too few iterations
    CHECK(password_hash_problem("$pbkdf2-sha256$1000$!!!$AAAA").has_value());
    CHECK_FALSE(password_hash_problem(h).has_value());
}

TEST_CASE("base64 through OpenSSL, padding included") {
    for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) CHECK(base64_decode(base64_encode(s)) == s);
    CHECK(base64_encode("ada:pw") == "YWRhOnB3");
    CHECK_FALSE(base64_decode("abc").has_value());
    CHECK_FALSE(base64_decode("ab!=").has_value());
}

TEST_CASE("credentials files: roles, duplicates, short tokens; errors name the line, never the secret") {
    std::string error;
    auto users = parse_credentials(CredentialKind::users, "# c\nada:admin:" + hash_password("x", kFast) + "\n", "users", error);
    REQUIRE(users);
    CHECK(users->size() == 1);
    CHECK(users->front().role == Role::admin);
    CHECK_FALSE(parse_credentials(CredentialKind::users, "ada:root:" + hash_password("x", kFast), "users", error));
    CHECK(error.find("users:1: expected the role viewer or admin") == 0);
    CHECK_FALSE(parse_credentials(CredentialKind::users, "\nada:admin:hunter2", "users", error));
    CHECK(error.find("users:2:") == 0);
    CHECK(error.find("hunter2") == std::string::npos);
    CHECK_FALSE(parse_credentials(CredentialKind::users, "ada:admin", "users", error));
    const std::string h = hash_password("x", kFast);
    CHECK_FALSE(parse_credentials(CredentialKind::users, "ada:admin:" + h + "\nada:viewer:" + h, "users", error));
    CHECK(error.find("twice") != std::string::npos);

    CHECK_FALSE(parse_credentials(CredentialKind::tokens, "ci:admin:short-token", "tokens", error));
    CHECK(error.find("shorter than 16") != std::string::npos);
    CHECK(error.find("short-token") == std::string::npos);
    auto tokens = parse_credentials(CredentialKind::tokens, "ci:admin:0123456789abcdef:with-colon\nro:viewer:fedcba9876543210", "tokens", error);
    REQUIRE(tokens);
    REQUIRE(match_token(*tokens, "0123456789abcdef:with-colon"));
    CHECK(match_token(*tokens, "0123456789abcdef:with-colon")->name == "ci");
    CHECK(match_token(*tokens, "fedcba9876543210")->role == Role::viewer);
    CHECK(match_token(*tokens, "fedcba987654321") == nullptr);
    CHECK(match_token(*tokens, "") == nullptr);
}

TEST_CASE("login throttle: per address, per window, bounded") {
    using namespace std::chrono;
    LoginThrottle t(3, 10s, 4);
    const auto t0 = LoginThrottle::Clock::now();
    CHECK_FALSE(t.failed("a", t0));
    CHECK_FALSE(t.failed("a", t0 + 1s));
    CHECK_FALSE(t.blocked("a", t0 + 1s));
    CHECK(t.failed("a", t0 + 2s));  // the third: blocked now
    REQUIRE(t.blocked("a", t0 + 3s));
    CHECK(*t.blocked("a", t0 + 3s) == 7s);
    CHECK_FALSE(t.blocked("b", t0 + 3s));
    CHECK_FALSE(t.blocked("a", t0 + 10s));  // the window ended
    for (int i = 0; i < 100; ++i) t.failed("addr-" + std::to_string(i), t0 + 11s);
    CHECK(t.tracked() <= 4);
}

TEST_CASE("basic auth: 401 with WWW-Authenticate, viewer reads, admin writes, open routes, throttle") {
    TempDir dir;
    auto config = basic_config(dir);
    std::string error;
    auto auth = Authenticator::create(config, error);
    REQUIRE_MESSAGE(auth, error);

    auto none = auth->check(auth_request("GET", "/connectors"));
    REQUIRE(none.refusal);
    CHECK(none.refusal->status == 401);
    CHECK(header_of(*none.refusal, "WWW-Authenticate").rfind("Basic realm=\"sluice\"", 0) == 0);
    auto body = nlohmann::json::parse(none.refusal->body);
    CHECK(body["error_code"] == 401);
    CHECK(body["message"].is_string());

    CHECK(status_of(auth->check(auth_request("GET", "/health"))) == 200);       // open by default
    CHECK(status_of(auth->check(auth_request("GET", "/metrics"))) == 401);      // closed by default
    CHECK(status_of(auth->check(auth_request("DELETE", "/health"))) == 401);    // only reads are open
    CHECK(status_of(auth->check(auth_request("GET", "/connectors", "Bearer abc"))) == 401);

    auto viewer = auth->check(auth_request("GET", "/connectors", basic("vic", "vic:with:colons")));
    CHECK(status_of(viewer) == 200);
    CHECK(viewer.user == "vic");
    CHECK(viewer.role == Role::viewer);
    CHECK(status_of(auth->check(auth_request("GET", "/metrics", basic("vic", "vic:with:colons")))) == 200);
    auto write = auth->check(auth_request("PUT", "/connectors/x/pause", basic("vic", "vic:with:colons")));
    CHECK(status_of(write) == 403);
    CHECK(nlohmann::json::parse(write.refusal->body)["error_code"] == 403);
    CHECK(status_of(auth->check(auth_request("PUT", "/connectors/x/pause", basic("ada", "ada-secret")))) == 200);
    CHECK(status_of(auth->check(auth_request("POST", "/connectors", basic("ada", "ada-secret")))) == 200);  // cached pair

    // Failures from one address: 401 until the limit, then 429 even with the right password;
    // another address is not affected.
    CHECK(status_of(auth->check(auth_request("GET", "/", basic("ada", "wrong"), "10.0.0.9"))) == 401);
    CHECK(status_of(auth->check(auth_request("GET", "/", basic("nobody", "x"), "10.0.0.9"))) == 401);
    CHECK(status_of(auth->check(auth_request("GET", "/", "Basic !!!notbase64", "10.0.0.9"))) == 401);
    auto blocked = auth->check(auth_request("GET", "/", basic("ada", "ada-secret"), "10.0.0.9"));
    REQUIRE(blocked.refusal);
    CHECK(blocked.refusal->status == 429);
    CHECK(std::stoi(header_of(*blocked.refusal, "Retry-After")) > 0);
    CHECK(status_of(auth->check(auth_request("GET", "/", basic("ada", "ada-secret"), "10.0.0.10"))) == 200);
}

TEST_CASE("basic auth: a changed users file is read again; an invalid one keeps the previous users") {
    TempDir dir;
    auto config = basic_config(dir);
    std::string error;
    auto auth = Authenticator::create(config, error);
    REQUIRE(auth);
    CHECK(status_of(auth->check(auth_request("GET", "/", basic("ada", "ada-secret")))) == 200);
    testing::write_file(config.users_file, "ada:viewer:" + hash_password("new-secret", kFast) + "\n");
    auth->reload();
    CHECK(status_of(auth->check(auth_request("GET", "/", basic("ada", "ada-secret")))) == 401);  // the cache was dropped
    auto viewer = auth->check(auth_request("POST", "/connectors", basic("ada", "new-secret")));
    CHECK(status_of(viewer) == 403);
    testing::write_file(config.users_file, "ada:viewer:garbage\n");
    auth->reload();
    CHECK(status_of(auth->check(auth_request("GET", "/", basic("ada", "new-secret")))) == 200);

    config.users_file = dir.file("missing");
    CHECK_FALSE(Authenticator::create(config, error));
    CHECK(error.find("missing") != std::string::npos);
}

TEST_CASE("bearer auth: tokens from the file, roles, health and metrics by setting") {
    TempDir dir;
    testing::write_file(dir.file("tokens"), "ci:admin:ci-token-0123456789\nboard:viewer:board-token-0123456789\n");
    config::RestSecurityConfig config;
    config.auth = "bearer";
    config.tokens_file = dir.file("tokens");
    config.health_open = false;
    config.metrics_open = true;
    std::string error;
    auto auth = Authenticator::create(config, error);
    REQUIRE_MESSAGE(auth, error);
    auto none = auth->check(auth_request("GET", "/health"));
    REQUIRE(none.refusal);
    CHECK(header_of(*none.refusal, "WWW-Authenticate") == "Bearer realm=\"sluice\"");
    CHECK(status_of(auth->check(auth_request("GET", "/metrics"))) == 200);
    CHECK(status_of(auth->check(auth_request("GET", "/connectors", "Bearer board-token-0123456789"))) == 200);
    CHECK(status_of(auth->check(auth_request("GET", "/connectors", "bearer board-token-0123456789"))) == 200);  // scheme case-insensitive
    CHECK(status_of(auth->check(auth_request("DELETE", "/connectors/x", "Bearer board-token-0123456789"))) == 403);
    CHECK(status_of(auth->check(auth_request("DELETE", "/connectors/x", "Bearer ci-token-0123456789"))) == 200);
    CHECK(status_of(auth->check(auth_request("DELETE", "/connectors/x", "Bearer ci-token-012345678"))) == 401);
    CHECK(status_of(auth->check(auth_request("GET", "/", basic("ci", "ci-token-0123456789")))) == 401);
}

TEST_CASE("rest.auth none lets everything through") {
    config::RestSecurityConfig config;
    std::string error;
    auto auth = Authenticator::create(config, error);
    REQUIRE(auth);
    CHECK(status_of(auth->check(auth_request("DELETE", "/connectors/x"))) == 200);
}

TEST_CASE("worker file: no auth off loopback refused unless said out loud; auth and tls keys go together") {
    TempDir dir;
    config::Diagnostics diags;
    CHECK_FALSE(load_worker(dir, "rest.listener: 0.0.0.0:8083\n", diags));
    CHECK(diags.format().find("rest.auth is none") != std::string::npos);
    CHECK(diags.format().find("rest.auth.allow.insecure") != std::string::npos);

    for (const char* ok : {"rest.listener: 127.0.0.1:0\n", "rest.listener: localhost:8083\n", "rest.listener: \"[::1]:8083\"\n",
                           "rest.listener: 0.0.0.0:0\nrest.auth.allow.insecure: true\n", "rest.listener: \"\"\n"}) {
        config::Diagnostics d;
        CHECK_MESSAGE(load_worker(dir, ok, d), ok, d.format());
    }
    diags = {};
    auto w = load_worker(dir, "rest:\n  listener: 0.0.0.0:0\n  auth: basic\nrest.auth.users.file: users\nrest.tls.cert.file: c.pem\nrest.tls.key.file: k.pem\n", diags);
    REQUIRE_MESSAGE(w, diags.format());
    CHECK(w->rest_security.auth == "basic");
    CHECK(w->rest_security.users_file == dir.file("users"));  // relative to the worker file
    CHECK(w->rest_security.tls_cert_file == dir.file("c.pem"));
    CHECK(w->rest_security.tls());

    diags = {};
    CHECK_FALSE(load_worker(dir, "rest.auth: bearer\n", diags));
    CHECK(diags.format().find("rest.auth.tokens.file") != std::string::npos);
    diags = {};
    CHECK_FALSE(load_worker(dir, "rest.auth: ldap\n", diags));
    diags = {};
    CHECK_FALSE(load_worker(dir, "rest.tls.cert.file: c.pem\n", diags));
    CHECK(diags.format().find("go together") != std::string::npos);
    diags = {};
    CHECK_FALSE(load_worker(dir, "rest.tls.client.ca.file: ca.pem\n", diags));

    CHECK(config::is_loopback_host("127.0.0.1"));
    CHECK(config::is_loopback_host("127.1.2.3"));
    CHECK_FALSE(config::is_loopback_host("127.0.0.1.example.com"));
    CHECK_FALSE(config::is_loopback_host("0.0.0.0"));
    CHECK_FALSE(config::is_loopback_host(""));
}

TEST_CASE("tls: a missing or mismatched file is named") {
    TempDir dir;
    std::string error;
    CHECK_FALSE(TlsContext::create({dir.file("cert.pem"), dir.file("key.pem"), ""}, error));
    CHECK(error.find("cert.pem") != std::string::npos);
}
