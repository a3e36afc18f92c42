// The REST API of `sluice run`: the listener is bound before the worker starts (GET /health
// answers 503 "starting" meanwhile, and a taken port fails fast), the API is attached once
// the worker exists. The bound address is logged as
//   REST API listening on http://HOST:PORT
// and, with --rest-port-file, the port alone is written to that file (tests use port 0).
#pragma once

#include "config/rest_security.hpp"
#include "plugin/registry.hpp"
#include "rest/api.hpp"
#include "rest/auth.hpp"
#include "rest/console_assets.hpp"
#include "rest/http_server.hpp"
#include "rest/tls.hpp"
#include "runtime/worker.hpp"

#include <atomic>
#include <memory>
#include <optional>
#include <string>

namespace sluice::app {

class RestService {
public:
    // nullptr and error set when the listener is malformed or cannot be bound.
    static std::unique_ptr<RestService> bind(const std::string& listener, std::string& error);
    // The same with rest.tls.* and rest.auth* applied; `security_error` set when those are
    // what failed (a file that does not load, no auth off loopback): the worker must not start.
    static std::unique_ptr<RestService> bind(const std::string& listener, const config::RestSecurityConfig& security,
                                             std::string& error, bool& security_error);
    // SIGHUP: the certificate and the credentials file read again.
    void reload();
    std::string scheme() const { return tls_ ? "https" : "http"; }
    ~RestService();

    std::string address() const;  // host:port actually bound
    uint16_t port() const { return server_->port(); }
    // Creates the API on the worker and starts serving.
    void attach(runtime::Worker& worker, plugin::Registry& registry, rest::ApiOptions options);
    rest::Api* api() { return api_.get(); }
    void stop();

private:
    RestService() = default;
    std::string host_;
    std::unique_ptr<rest::Authenticator> auth_;
    std::shared_ptr<rest::TlsContext> tls_;
    std::unique_ptr<rest::ConsoleAssets> console_;
    std::unique_ptr<rest::Api> api_;
    std::atomic<rest::Api*> current_{nullptr};
    std::unique_ptr<rest::HttpServer> server_;
};

}  // namespace sluice::app
