#include "app/rest_service.hpp"

#include "common/log.hpp"

#include <stdexcept>

namespace sluice::app {

std::unique_ptr<RestService> RestService::bind(const std::string& listener, std::string& error) {
    rest::HttpServer::Options options;
    if (!rest::parse_listener(listener, options.host, options.port, error)) {
        error = "rest.listener: " + error;
        return nullptr;
    }
    std::unique_ptr<RestService> service(new RestService());
    service->host_ = options.host;
    auto* self = service.get();
    try {
        service->server_ = std::make_unique<rest::HttpServer>(options, [self](const rest::HttpRequest& request) {
            if (rest::Api* api = self->current_.load()) return api->handle(request);
            if (request.path == "/health")
                return rest::HttpResponse{503, "application/json", R"({"status":"starting","message":"Worker is still starting up."})", {}};
            return rest::error_response(503, "the worker is still starting; retry in a moment");
        });
    } catch (const std::exception& e) {
        error = e.what();
        return nullptr;
    }
    service->server_->start();
    log::info("REST API listening on http://", service->address());
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

void RestService::stop() {
    if (server_) server_->stop();  // no request runs after this: the API and worker may go
    current_ = nullptr;
}

}  // namespace sluice::app
