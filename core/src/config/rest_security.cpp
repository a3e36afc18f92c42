#include "config/rest_security.hpp"

#include <filesystem>

namespace sluice::config {
namespace {

KeyDef file_key(std::string name, std::string doc) {
    KeyDef k = key_def(std::move(name), ValueType::string, std::move(doc), "");
    k.local_path = true;
    return k;
}

std::string absolute(const std::string& path, const std::string& base_dir) {
    if (path.empty()) return path;
    std::filesystem::path p(path);
    if (p.is_relative() && !base_dir.empty()) p = std::filesystem::path(base_dir) / p;
    return p.lexically_normal().string();
}

const Value* find(const Resolved& r, const char* name) {
    auto it = r.find(name);
    return it == r.end() ? nullptr : &it->second;
}

std::string text_of(const Resolved& r, const char* name) {
    const Value* v = find(r, name);
    return v ? v->text : std::string();
}

}  // namespace

void add_rest_security_keys(std::vector<KeyDef>& keys) {
    using T = ValueType;
    keys.push_back(file_key("rest.tls.cert.file",
                            "PEM certificate (chain) of the REST listener, relative to this file; set: the listener speaks HTTPS only. Reloaded when the file changes or on SIGHUP"));
    keys.push_back(file_key("rest.tls.key.file", "PEM private key of rest.tls.cert.file (reloaded with it)"));
    keys.push_back(file_key("rest.tls.client.ca.file",
                            "PEM certificates of the authorities whose client certificates the listener accepts; set: every client must present one (mutual TLS), in addition to rest.auth"));
    KeyDef auth = key_def("rest.auth", T::string,
                      "How REST clients authenticate: none (every route open; only on a loopback listener unless rest.auth.allow.insecure), basic (users of rest.auth.users.file) or bearer (tokens of rest.auth.tokens.file)",
                      "none");
    auth.allowed = {"none", "basic", "bearer"};
    keys.push_back(auth);
    keys.push_back(file_key("rest.auth.users.file",
                            "rest.auth basic: lines name:role:hash (role viewer or admin; hash written by `sluice passwd`). The worker only reads it; reloaded when it changes"));
    keys.push_back(file_key("rest.auth.tokens.file",
                            "rest.auth bearer: lines name:role:token (role viewer or admin, token of at least 16 characters). Reloaded when it changes"));
    keys.push_back(key_def("rest.auth.allow.insecure", T::boolean,
                       "Allow rest.auth none on a listener that is not loopback: anyone who reaches the port then owns the worker", "false"));
    keys.push_back(key_def("rest.auth.health.open", T::boolean, "GET /health answers without credentials", "true"));
    keys.push_back(key_def("rest.auth.metrics.open", T::boolean, "GET /metrics answers without credentials", "false"));
    KeyDef max = key_def("rest.auth.failures.max", T::integer,
                     "Failed logins a client address may make within rest.auth.failures.window.ms; beyond, its requests answer 429 until the window ends",
                     "10");
    max.min = 1;
    max.max = 1000000;
    keys.push_back(max);
    keys.push_back(file_key("rest.console.dir",
                            "Directory of the web console's files served at /ui (its node_modules hold the map and chart libraries); empty: the console directory next to the sluice binary"));
    KeyDef window = key_def("rest.auth.failures.window.ms", T::integer, "The window of rest.auth.failures.max", "60000");
    window.min = 1000;
    window.max = 86400000;
    keys.push_back(window);
}

RestSecurityConfig rest_security_from(const Resolved& r, const std::string& base_dir) {
    RestSecurityConfig s;
    s.tls_cert_file = absolute(text_of(r, "rest.tls.cert.file"), base_dir);
    s.tls_key_file = absolute(text_of(r, "rest.tls.key.file"), base_dir);
    s.tls_client_ca_file = absolute(text_of(r, "rest.tls.client.ca.file"), base_dir);
    if (auto a = text_of(r, "rest.auth"); !a.empty()) s.auth = a;
    s.users_file = absolute(text_of(r, "rest.auth.users.file"), base_dir);
    s.tokens_file = absolute(text_of(r, "rest.auth.tokens.file"), base_dir);
    s.allow_insecure = text_of(r, "rest.auth.allow.insecure") == "true";
    s.health_open = text_of(r, "rest.auth.health.open") != "false";
    s.metrics_open = text_of(r, "rest.auth.metrics.open") == "true";
    s.console_dir = absolute(text_of(r, "rest.console.dir"), base_dir);
    if (auto v = text_of(r, "rest.auth.failures.max"); !v.empty()) s.failures_max = std::stoi(v);
    if (auto v = text_of(r, "rest.auth.failures.window.ms"); !v.empty()) s.failures_window_ms = std::stoll(v);
    return s;
}

bool is_loopback_host(const std::string& host) {
    if (host == "localhost" || host == "::1" || host == "[::1]") return true;
    // 127.x.y.z written as a dotted quad.
    if (host.rfind("127.", 0) != 0) return false;
    int dots = 0;
    for (char c : host) {
        if (c == '.') ++dots;
        else if (c < '0' || c > '9') return false;
    }
    return dots == 3;
}

void check_rest_security(const Resolved& r, Diagnostics& diags) {
    auto where = [&](const char* k) {
        const Value* v = find(r, k);
        return v ? v->where : Location{};
    };
    const std::string auth = text_of(r, "rest.auth");
    const std::string listener = text_of(r, "rest.listener");
    if (!listener.empty() && (auth.empty() || auth == "none") && text_of(r, "rest.auth.allow.insecure") != "true") {
        auto colon = listener.rfind(':');
        std::string host = colon == std::string::npos ? listener : listener.substr(0, colon);
        if (!is_loopback_host(host))
            diags.add(where("rest.listener"), "rest.listener",
                      "'" + listener + "' is reachable from other machines but rest.auth is none: anyone who reaches it could "
                      "control the worker. Set rest.auth to basic or bearer, listen on 127.0.0.1, or set "
                      "rest.auth.allow.insecure: true to accept that");
    }
    if (auth == "basic" && text_of(r, "rest.auth.users.file").empty())
        diags.add(where("rest.auth"), "rest.auth.users.file", "rest.auth basic needs rest.auth.users.file (see `sluice passwd`)");
    if (auth == "bearer" && text_of(r, "rest.auth.tokens.file").empty())
        diags.add(where("rest.auth"), "rest.auth.tokens.file", "rest.auth bearer needs rest.auth.tokens.file");
    const bool cert = !text_of(r, "rest.tls.cert.file").empty(), key_set = !text_of(r, "rest.tls.key.file").empty();
    if (cert != key_set)
        diags.add(where(cert ? "rest.tls.cert.file" : "rest.tls.key.file"), cert ? "rest.tls.key.file" : "rest.tls.cert.file",
                  "rest.tls.cert.file and rest.tls.key.file go together");
    if (!cert && !text_of(r, "rest.tls.client.ca.file").empty())
        diags.add(where("rest.tls.client.ca.file"), "rest.tls.client.ca.file", "client certificates need TLS: set rest.tls.cert.file and rest.tls.key.file");
}

}  // namespace sluice::config
