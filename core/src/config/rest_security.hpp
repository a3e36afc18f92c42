// The worker keys that secure the REST listener (rest.tls.*, rest.auth*): their
// declarations, their parse, and the cross-key rules checked when the worker file loads
// (a listener off the loopback interface needs authentication unless said otherwise out loud).
#pragma once

#include "config/diagnostics.hpp"
#include "config/schema.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::config {

struct RestSecurityConfig {
    std::string tls_cert_file;       // PEM; empty: plain HTTP
    std::string tls_key_file;        // PEM
    std::string tls_client_ca_file;  // PEM; set: clients must present a certificate it signed
    std::string auth = "none";       // none | basic | bearer
    std::string users_file;          // basic: name:role:$pbkdf2-sha256$...
    std::string tokens_file;         // bearer: name:role:token
    bool allow_insecure = false;
    bool health_open = true;
    bool metrics_open = false;
    int failures_max = 10;
    int64_t failures_window_ms = 60000;
    std::string console_dir;  // the web console's files; empty: `console` next to the binary

    bool tls() const { return !tls_cert_file.empty(); }
};

void add_rest_security_keys(std::vector<KeyDef>& keys);
// Paths made absolute against the worker file's directory.
RestSecurityConfig rest_security_from(const Resolved& r, const std::string& base_dir);
// The rules across keys, each problem placed at its key.
void check_rest_security(const Resolved& r, Diagnostics& diags);

// 127.0.0.0/8, ::1 and "localhost": the only hosts where rest.auth none is allowed by default.
bool is_loopback_host(const std::string& host);

}  // namespace sluice::config
