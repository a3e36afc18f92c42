#include "api_call.hpp"

#include "open_meteo.hpp"
#include "openweather.hpp"

#include <sluice/http_retry.hpp>

#include <algorithm>

namespace sluice::weather {

namespace {

std::string excerpt(const std::string& body) {
    std::string out = body.substr(0, 200);
    for (char& c : out)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    return body.size() > 200 ? out + "..." : out;
}

}  // namespace

ApiAnswer call_api(http::Client& client, const std::string& url, std::chrono::milliseconds timeout, Provider provider) {
    ApiAnswer answer;
    const std::string shown = http::redact_url(url);
    http::Request request;
    request.url = url;
    request.timeout = timeout;
    request.headers.push_back({"Accept", "application/json"});
    http::Response response;
    try {
        response = client.send(request);
    } catch (const http::TransportError& e) {
        answer.verdict = Verdict::retry;
        answer.error = std::string(e.timed_out() ? "no answer within the request timeout: " : "request failed: ") + e.what();
        return answer;
    }
    answer.status = response.status;
    answer.body = std::move(response.body);
    if (answer.status == 200) return answer;

    const std::string status = "HTTP " + std::to_string(answer.status);
    if (http::is_retriable_status(answer.status)) {
        answer.verdict = Verdict::retry;
        answer.retry_after = http::requested_wait(response);
        answer.error = status + " from " + shown + (answer.retry_after ? " (Retry-After " +
                           std::to_string(answer.retry_after->count()) + " ms)" : "");
        return answer;
    }
    answer.verdict = Verdict::fatal;
    if (provider == Provider::openweather) {
        const std::string said = openweather_error_message(answer.body).value_or(excerpt(answer.body));
        if (answer.status == 401)
            answer.error = "OpenWeather refused the API key (" + status + ": " + said + ") for " + shown +
                           "; check api.key (a new key takes up to 2 hours to activate)";
        else
            answer.error = "OpenWeather refused the request (" + status + ": " + said + ") for " + shown;
    } else {
        const auto reason = open_meteo_error_reason(answer.body);
        answer.error = reason ? "Open-Meteo refused the request (" + status + ": " + *reason + ") for " + shown
                              : status + " from " + shown + ": " + excerpt(answer.body) + " (is base_url right?)";
    }
    return answer;
}

}  // namespace sluice::weather
