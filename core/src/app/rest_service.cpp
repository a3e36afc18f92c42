#include "app/rest_service.hpp"

#include "common/log.hpp"

#include <stdexcept>

namespace sluice::app {

std::unique_ptr<RestService> RestService::bind(const std::string& listener, std::string& error) {
    bool security_error = false;
    return bind(listener, config::RestSecurityConfig{}, error, security_error);
}

std::unique_ptr<RestService> RestService::bind(const std::string& listener, const config::RestSecurityConfig& security,
                                               std::string& error, bool& security_error) {
    security_error = false;
    rest::HttpServer::Options options;
    if (!rest::parse_listener(listener, options.host, options.port, error)) {
        error = "rest.listener: " + error;
        return nullptr;
    }
    std::unique_ptr<RestService> service(new RestService());
    service->host_ = options.host;
    auto* self = service.get();
    service->auth_ = rest::Authenticator::create(security, error);
    if (security.tls() && service->auth_)
        service->tls_ = rest::TlsContext::create({security.tls_cert_file, security.tls_key_file, security.tls_client_ca_file}, error);
    if (!service->auth_ || (security.tls() && !service->tls_)) {
        security_error = true;
        return nullptr;
    }
    service->console_ = std::make_unique<rest::ConsoleAssets>(security.console_dir.empty() ? rest::default_console_dir()
                                                                                          : security.console_dir);
    if (auto tls = service->tls_) options.tls = [tls] { return tls->current(); };
    try {
        service->server_ = std::make_unique<rest::HttpServer>(options, [self](const rest::HttpRequest& request) {
            auto decision = self->auth_->check(request);
            if (decision.refusal) return *decision.refusal;
            if (auto file = self->console_->serve(request)) return *file;
            if (rest::Api* api = self->current_.load()) {
                auto response = api->handle(request);
                // Who the caller is, for the console (which hides what the role may not do).
                response.headers.emplace_back("X-Sluice-Role", rest::role_name(decision.role));
                return response;
            }
            if (request.path == "/health")
                return rest::HttpResponse{503, "application/json", R"({"status":"starting","message":"Worker is still starting up."})", {}};
            return rest::error_response(503, "the worker is still starting; retry in a moment");
        });
    } catch (const std::exception& e) {
        error = e.what();
        return nullptr;
    }
    // The worker file's check reads the listener as text; this one sees the address bound.
    if (security.auth == "none" && !security.allow_insecure && !service->server_->loopback()) {
        error = "rest.listener " + listener + " is not a loopback address but rest.auth is none: set rest.auth to basic or "
                "bearer, or rest.auth.allow.insecure: true";
        security_error = true;
        return nullptr;
    }
    service->server_->start();
    log::info("REST API listening on ", service->scheme(), "://", service->address(),
              security.auth == "none" ? "" : " (rest.auth " + security.auth + ")");
    return service;
}

RestService::~RestService() { stop(); }

std::string RestService::address() const {
    bool v6 = host_.find(':') != std::string::npos;
    return (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(server_->port());
}

void RestService::attach(runtime::Worker& worker, plugin::Registry& registry, rest::ApiOptions options) {
    api_ = std::make_unique<rest::Api>(worker, registry, std::move(options));
    current_ = api_.get();
}

void RestService::reload() {
    if (auth_) auth_->reload();
    if (tls_) {
        std::string error;
        if (tls_->reload(error)) log::info("REST TLS certificate reloaded");
        else log::error(error, "; the previous certificate stays in use");
    }
}

void RestService::stop() {
    if (server_) server_->stop();  // no request runs after this: the API and worker may go
    current_ = nullptr;
}

}  // namespace sluice::app
