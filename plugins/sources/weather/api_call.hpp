// One HTTP GET to a weather API, classified the way the source acts on it: an answer to use,
// a failure worth retrying later (429, 5xx, network, timeout), or one that retrying cannot
// fix (401 bad key, 400 bad request, 404 wrong base_url). Messages name the URL with the
// API key masked.
#pragma once

#include "weather_settings.hpp"

#include <sluice/http_client.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace sluice::weather {

enum class Verdict { ok, retry, fatal };

struct ApiAnswer {
    Verdict verdict = Verdict::ok;
    long status = 0;                                   // 0: no HTTP answer at all
    std::string body;
    std::string error;                                 // empty when ok
    std::optional<std::chrono::milliseconds> retry_after;
};

ApiAnswer call_api(http::Client& client, const std::string& url, std::chrono::milliseconds timeout, Provider provider);

}  // namespace sluice::weather
