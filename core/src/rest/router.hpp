// Routes of the REST API: "METHOD /literal/{param}/..." patterns. A path that matches a
// pattern but not its method answers 405 with Allow; no match answers 404. Path segments
// are percent-decoded one by one, so an encoded '/' stays inside its parameter (and the
// name checks refuse it). Handlers throw ApiError or let the control plane's control::Error
// through; every error leaves as Kafka Connect's {"error_code": <status>, "message": "..."}.
#pragma once

#include "control/errors.hpp"
#include "rest/http_server.hpp"

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::rest {

struct ApiError : std::runtime_error {
    ApiError(int status_code, const std::string& message) : std::runtime_error(message), status(status_code) {}
    int status;
};

HttpResponse error_response(int status, const std::string& message);
// The HTTP status of a control-plane refusal (Kafka Connect's: 400, 404, 409, 503); the
// router answers a control::Error a handler lets through with it.
int status_of(control::Refusal refusal);

struct Call {
    const HttpRequest& request;
    std::map<std::string, std::string> params;  // decoded path parameters
    const std::string& param(const std::string& name) const { return params.at(name); }
    // First value of a query parameter, or "".
    std::string query(const std::string& name) const;
    std::vector<std::string> query_all(const std::string& name) const;
};

class Router {
public:
    using Handler = std::function<HttpResponse(const Call&)>;
    void add(const std::string& method, const std::string& pattern, Handler handler);
    // The answer, and the pattern that matched (for metrics; "unmatched" when none did).
    HttpResponse dispatch(const HttpRequest& request, std::string& route) const;

private:
    struct Route {
        std::string method;
        std::string pattern;
        std::vector<std::string> segments;
        Handler handler;
    };
    std::vector<Route> routes_;
};

}  // namespace sluice::rest
