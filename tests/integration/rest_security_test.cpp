// The REST listener's protection seen from outside, with curl and openssl as the clients:
// every route class without credentials, with a wrong password, as a viewer and as an
// admin (basic), bearer tokens over TLS with a certificate made by `openssl req` here and a
// client certificate required, the certificate reloaded on SIGHUP, failed logins
// throttled, and a worker refusing to start on 0.0.0.0 with rest.auth none.
#include "rest_client.hpp"

#include <doctest/doctest.h>

#include <csignal>

using namespace sluice::it;
using sluice::testing::wait_until;
using sluice::testing::write_file;

namespace {

// A worker whose REST port is protected: started like RestWorker, but ready when
// /health (open by default) answers.
class SecuredWorker {
public:
    SecuredWorker(const TempDir& dir, const std::string& worker_file, const std::string& scheme = "http",
                  std::vector<std::string> probe = {})
        : dir_(dir) {
        const std::string port_file = dir.file("port-" + std::to_string(counter_++));
        sluice_.emplace(dir, std::vector<std::string>{"run", "--worker", worker_file, "--rest-port-file", port_file,
                                                      "--plugin-dir=" + plugin_dir()},
                        "secured-worker");
        std::string port;
        REQUIRE_MESSAGE(wait_until(
                            [&] {
                                auto lines = sluice::testing::read_complete_lines(port_file);
                                if (lines.empty()) return false;
                                port = lines.front();
                                return true;
                            },
                            30s, 20ms),
                        "no REST port written; log:\n" << sluice_->log());
        base_ = scheme + "://127.0.0.1:" + port;
        REQUIRE_MESSAGE(wait_until([&] { return call("GET", "/health", probe).status == 200; }, 30s, 50ms),
                        "GET /health never answered 200; log:\n" << sluice_->log());
    }
    Reply call(const std::string& method, const std::string& path, const std::vector<std::string>& extra = {},
               const std::string& body = "") {
        return curl_request(dir_, method, base_ + path, body, "application/json", extra);
    }
    Sluice& sluice() { return *sluice_; }
    const std::string& base() const { return base_; }

private:
    static inline int counter_ = 0;
    const TempDir& dir_;
    std::optional<Sluice> sluice_;
    std::string base_;
};

std::vector<std::string> user(const std::string& name, const std::string& password) { return {"-u", name + ":" + password}; }

// `sluice passwd` writes the users file, the password given on standard input.
void add_user(const TempDir& dir, const std::string& file, const std::string& name, const std::string& role,
              const std::string& password) {
    write_file(dir.file("password.in"), password + "\n");
    sluice::testing::SpawnOptions options;
    options.stdin_path = dir.file("password.in");
    auto r = run_sluice(dir, {"passwd", "--role", role, "--iterations", "2000", "--file", file, name}, 30s, options);
    REQUIRE_MESSAGE(r.status == exited(0), r.err);
}

// A self-signed EC certificate for 127.0.0.1 (and a matching key) made by openssl.
void make_certificate(const TempDir& dir, const std::string& name, const std::string& cn) {
    auto r = sluice::testing::run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                   "-keyout", dir.file(name + "-key.pem"), "-out", dir.file(name + ".pem"), "-days", "2", "-subj",
                                   "/CN=" + cn, "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"},
                                  dir.path().string(), 30s);
    REQUIRE_MESSAGE(r.status == exited(0), r.err);
}

bool has_error_body(const Reply& r, long status) {
    return r.status == status && r.is_json() && r.json.value("error_code", 0) == status && r.json.contains("message");
}

struct Route {
    std::string method, path, body;
    bool write;
};

}  // namespace

TEST_CASE("rest basic auth: every route class without credentials, wrong password, viewer and admin") {
    TempDir dir;
    const std::string users = dir.file("users");
    add_user(dir, users, "ada", "admin", "ada's secret");
    add_user(dir, users, "vic", "viewer", "vic-pass");
    add_user(dir, users, "vic", "viewer", "vic-new-pass");  // replaces the line
    CHECK(sluice::testing::read_file(users).find("ada:admin:$pbkdf2-sha256$2000$") == 0);
    CHECK(sluice::testing::read_lines(users).size() == 2);
    CHECK(sluice::testing::read_file(users).find("vic-new-pass") == std::string::npos);

    const auto worker_file = write_rest_worker_file(dir, "", "rest.auth: basic\nrest.auth.users.file: users\nrest.auth.failures.max: 6\n");
    SecuredWorker w(dir, worker_file);
    CHECK(w.sluice().log().find("(rest.auth basic)") != std::string::npos);

    const std::string gen = connector_body("gen", {{"connector.class", "datagen"}, {"topic", "sec.t"}, {"rate", "50"}, {"tasks.max", "1"}});
    const std::vector<Route> routes = {
        {"GET", "/", "", false},
        {"GET", "/connectors", "", false},
        {"GET", "/connectors?expand=status", "", false},
        {"GET", "/connector-plugins", "", false},
        {"GET", "/connector-plugins/datagen/config", "", false},
        {"GET", "/pipelines", "", false},
        {"GET", "/metrics", "", false},
        {"PUT", "/connector-plugins/datagen/config/validate", R"({"connector.class":"datagen","topic":"t"})", true},
        {"POST", "/connectors", gen, true},
        {"PUT", "/connectors/gen/pause", "", true},
        {"POST", "/connectors/gen/restart", "", true},
        {"DELETE", "/connectors/gen", "", true},
        {"POST", "/connector-plugins/rescan", "", true},
    };
    // No credentials: 401 with a challenge and Kafka Connect's error body, on every route.
    for (const auto& r : routes) {
        auto reply = w.call(r.method, r.path, {}, r.body);
        CHECK_MESSAGE(has_error_body(reply, 401), r.method, " ", r.path, " -> ", reply.describe());
        CHECK(reply.headers["www-authenticate"].find("Basic realm=\"sluice\"") == 0);
    }
    CHECK(w.call("GET", "/health").status == 200);  // open by default

    // A wrong password: 401, logged with the user but never the password.
    for (const char* path : {"/connectors", "/metrics"})
        CHECK(has_error_body(w.call("GET", path, user("ada", "guess-1")), 401));
    CHECK(has_error_body(w.call("POST", "/connectors", user("nobody", "guess-2"), gen), 401));
    CHECK(w.sluice().wait_for_log("for user nobody: unknown user", 5s));
    CHECK(w.sluice().log().find("for user ada: wrong password") != std::string::npos);
    CHECK(w.sluice().log().find("guess-") == std::string::npos);

    // The admin creates a connector; the viewer reads everything and writes nothing.
    auto created = w.call("POST", "/connectors", user("ada", "ada's secret"), gen);
    REQUIRE_MESSAGE(created.status == 201, created.describe());
    for (const auto& r : routes) {
        auto reply = w.call(r.method, r.path, user("vic", "vic-new-pass"), r.body);
        if (r.write) {
            CHECK_MESSAGE(has_error_body(reply, 403), r.method, " ", r.path, " -> ", reply.describe());
            CHECK(reply.json.value("message", "").find("admin role") != std::string::npos);
        } else {
            CHECK_MESSAGE(reply.status == 200, r.method, " ", r.path, " -> ", reply.describe());
        }
    }
    CHECK(w.call("GET", "/connectors/gen/status", user("vic", "vic-new-pass")).status == 200);
    CHECK(has_error_body(w.call("GET", "/connectors", user("vic", "vic-pass")), 401));  // the replaced password
    for (const auto& r : routes) {
        if (!r.write || r.path == "/connectors") continue;  // created above
        auto reply = w.call(r.method, r.path, user("ada", "ada's secret"), r.body);
        CHECK_MESSAGE(reply.status / 100 == 2, r.method, " ", r.path, " -> ", reply.describe());
    }
    CHECK(w.call("GET", "/connectors/gen", user("ada", "ada's secret")).status == 404);  // deleted by the admin

    // Failed logins from one address are throttled: after the 6th (4 above), even the right
    // password gets 429 (with Retry-After) until the window ends.
    CHECK(has_error_body(w.call("GET", "/connectors", user("ada", "guess-4")), 401));
    CHECK(has_error_body(w.call("GET", "/connectors", user("ada", "guess-5")), 401));
    auto throttled = w.call("GET", "/connectors", user("ada", "ada's secret"));
    CHECK_MESSAGE(has_error_body(throttled, 429), throttled.describe());
    CHECK(std::stoi(throttled.headers["retry-after"]) > 0);
    CHECK(w.sluice().log().find("6 failed logins from 127.0.0.1") != std::string::npos);
    CHECK(w.call("GET", "/health").status == 200);  // open routes stay open
}

TEST_CASE("rest bearer auth over TLS with client certificates; the certificate reloaded on SIGHUP") {
    TempDir dir;
    make_certificate(dir, "server", "sluice-one");
    make_certificate(dir, "client", "operator");
    write_file(dir.file("tokens"), "ci:admin:ci-token-0123456789abcdef\nboard:viewer:board-token-0123456789\n");
    const auto worker_file = write_rest_worker_file(
        dir, "",
        "rest.auth: bearer\nrest.auth.tokens.file: tokens\nrest.auth.health.open: false\nrest.auth.metrics.open: true\n"
        "rest.tls.cert.file: server.pem\nrest.tls.key.file: server-key.pem\nrest.tls.client.ca.file: client.pem\n");
    const std::vector<std::string> tls = {"--cacert", dir.file("server.pem"), "--cert", dir.file("client.pem"), "--key",
                                          dir.file("client-key.pem")};
    auto with = [&](std::vector<std::string> extra, const std::string& token = "") {
        if (!token.empty()) extra.insert(extra.end(), {"-H", "Authorization: Bearer " + token});
        return extra;
    };
    SecuredWorker w(dir, worker_file, "https", with(tls, "board-token-0123456789"));
    CHECK(w.sluice().log().find("REST API listening on https://127.0.0.1:") != std::string::npos);

    CHECK(w.call("GET", "/connectors", with(tls, "board-token-0123456789")).status == 200);
    CHECK(w.call("GET", "/metrics", tls).status == 200);  // open by setting
    auto none = w.call("GET", "/health", tls);           // closed by setting
    CHECK(has_error_body(none, 401));
    CHECK(none.headers["www-authenticate"] == "Bearer realm=\"sluice\"");
    CHECK(has_error_body(w.call("GET", "/connectors", with(tls, "board-token-012345678")), 401));
    CHECK(has_error_body(w.call("POST", "/connector-plugins/rescan", with(tls, "board-token-0123456789")), 403));
    CHECK(w.call("POST", "/connector-plugins/rescan", with(tls, "ci-token-0123456789abcdef")).status == 200);

    // No TLS, an unknown server certificate, no client certificate: no answer at all.
    CHECK(curl_request(dir, "GET", "http" + w.base().substr(5) + "/health").status == 0);
    CHECK(w.call("GET", "/connectors", with({}, "ci-token-0123456789abcdef")).status == 0);
    CHECK(w.call("GET", "/connectors", with({"--cacert", dir.file("server.pem")}, "ci-token-0123456789abcdef")).status == 0);

    // A new certificate in place, then SIGHUP: new connections get it.
    make_certificate(dir, "next", "sluice-two");
    std::filesystem::rename(dir.file("next-key.pem"), dir.file("server-key.pem"));
    std::filesystem::rename(dir.file("next.pem"), dir.file("server.pem.new"));
    std::filesystem::copy_file(dir.file("server.pem"), dir.file("old.pem"));
    std::filesystem::rename(dir.file("server.pem.new"), dir.file("server.pem"));
    w.sluice().process().signal(SIGHUP);
    std::vector<std::string> next_tls = tls;
    next_tls[1] = dir.file("server.pem");
    CHECK_MESSAGE(wait_until([&] { return w.call("GET", "/connectors", with(next_tls, "ci-token-0123456789abcdef")).status == 200; }, 10s, 100ms),
                  w.sluice().log());
    std::vector<std::string> old_tls = tls;
    old_tls[1] = dir.file("old.pem");
    CHECK(w.call("GET", "/connectors", with(old_tls, "ci-token-0123456789abcdef")).status == 0);
    CHECK(w.sluice().process().running());  // SIGHUP reloads, never stops
    CHECK(w.sluice().log().find("ci-token") == std::string::npos);
}

TEST_CASE("rest: a listener off loopback with rest.auth none is refused at start, unless said out loud") {
    TempDir dir;
    const auto open_file = write_rest_worker_file(dir, "", "", "open.yaml");
    std::string yaml = sluice::testing::read_file(open_file);
    yaml.replace(yaml.find("127.0.0.1:0"), 11, "0.0.0.0:0");
    write_file(open_file, yaml);
    auto refused = run_sluice(dir, {"run", "--worker", open_file, "--plugin-dir=" + plugin_dir()}, 30s);
    CHECK(refused.status == exited(1));
    CHECK_MESSAGE(refused.err.find("rest.auth is none") != std::string::npos, refused.err);
    CHECK(refused.err.find("rest.auth.allow.insecure") != std::string::npos);

    write_file(open_file, yaml + "rest.auth.allow.insecure: true\n");
    Sluice allowed(dir, {"run", "--worker", open_file, "--plugin-dir=" + plugin_dir()}, "insecure");
    CHECK_MESSAGE(allowed.wait_for_log("REST API listening on http://0.0.0.0:", 30s), allowed.log());
    CHECK(allowed.stop() == exited(0));

    // A users file that does not load stops the start too (exit 1), naming the file.
    write_file(dir.file("bad-users"), "ada:admin:plaintext\n");
    const auto bad = write_rest_worker_file(dir, "", "rest.auth: basic\nrest.auth.users.file: bad-users\n", "bad.yaml");
    auto r = run_sluice(dir, {"run", "--worker", bad, "--plugin-dir=" + plugin_dir()}, 30s);
    CHECK(r.status == exited(1));
    CHECK_MESSAGE(r.err.find("bad-users:1: user ada") != std::string::npos, r.err);
    CHECK(r.err.find("plaintext") == std::string::npos);
}

TEST_CASE("sluice passwd: bad input is a usage error") {
    TempDir dir;
    write_file(dir.file("empty"), "");
    sluice::testing::SpawnOptions empty;
    empty.stdin_path = dir.file("empty");
    auto no_password = run_sluice(dir, {"passwd", "ada"}, 30s, empty);
    CHECK(no_password.status == exited(2));
    CHECK(no_password.err.find("no password") != std::string::npos);
    CHECK(run_sluice(dir, {"passwd", "--role", "root", "ada"}, 30s, empty).status == exited(2));
    CHECK(run_sluice(dir, {"passwd", "a:b"}, 30s, empty).status == exited(2));
    write_file(dir.file("pw"), "pw\n");
    sluice::testing::SpawnOptions pw;
    pw.stdin_path = dir.file("pw");
    auto printed = run_sluice(dir, {"passwd", "--iterations", "1000", "ada"}, 30s, pw);
    CHECK(printed.status == exited(0));
    CHECK(printed.out.find("ada:viewer:$pbkdf2-sha256$1000$") == 0);
}

TEST_CASE("rest loggers: a viewer reads the log levels, only an admin changes them") {
    TempDir dir;
    write_file(dir.file("tokens"), "ops:admin:ops-token-0123456789abcdef\nboard:viewer:board-token-0123456789\n");
    SecuredWorker w(dir, write_rest_worker_file(dir, "", "rest.auth: bearer\nrest.auth.tokens.file: tokens\n"));
    const std::vector<std::string> viewer = {"-H", "Authorization: Bearer board-token-0123456789"};
    const std::vector<std::string> admin = {"-H", "Authorization: Bearer ops-token-0123456789abcdef"};
    CHECK(has_error_body(w.call("GET", "/admin/loggers"), 401));
    auto viewed = w.call("GET", "/admin/loggers", viewer);
    CHECK(viewed.status == 200);
    CHECK(viewed.json["root"]["level"] == "INFO");
    CHECK(has_error_body(w.call("PUT", "/admin/loggers/kafka", viewer, R"({"level": "DEBUG"})"), 403));
    CHECK(w.call("GET", "/admin/loggers/kafka", viewer).json["level"] == "INFO");
    auto changed = w.call("PUT", "/admin/loggers/kafka", admin, R"({"level": "DEBUG"})");
    CHECK_MESSAGE(changed.status == 200, changed.describe());
    CHECK(w.call("GET", "/admin/loggers/kafka", viewer).json["level"] == "DEBUG");
}
