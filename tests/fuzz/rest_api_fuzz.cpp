// The REST API on raw request bytes: parsed as a connection parses them (Beast's parser, the
// 1 MiB body limit, the same conversion: rest::parse_request), then answered by the real
// rest::Api (router, percent-decoding, every handler, JSON and YAML bodies, flat-map and
// pipeline validation against real plugin declarations, metrics observation).
//
// The Api runs on a real Worker that is constructed but not started (no Kafka): its own
// plugin registry is empty, so a valid connector or pipeline reaches Worker::create and is
// refused there ("plugin not loaded") instead of starting tasks. What a started worker adds
// (running connectors' status, offsets, pause/stop) is left to the REST robustness test.
//
// Invariants: nothing escapes Api::handle (the server would answer 500), no answer is 500,
// JSON answers are valid JSON in valid UTF-8, errors have Kafka Connect's shape, header
// values cannot split the response.
#include "fuzz_support.hpp"
#include "plugin_catalog.hpp"

#include "rest/api.hpp"

#include <nlohmann/json.hpp>

#include <exception>
#include <string>

using namespace sluice;

namespace {

struct Service {
    plugin::Registry no_plugins;  // the worker's: nothing can start
    runtime::Worker worker{config::default_worker_config(), no_plugins};
    rest::Api api;

    static rest::ApiOptions options(runtime::Worker& w) {
        rest::ApiOptions o;
        o.plugin_dirs = {SLUICE_FUZZ_PLUGIN_DIR};
        o.metrics_text = [&w] { return w.metrics().serialize(); };
        o.observe = [&w](std::string_view route, std::string_view method, int status, double seconds) {
            w.metrics().observe_rest_request(route, method, status, seconds);
        };
        return o;
    }
    Service() : api(worker, fuzz::plugin_catalog(), options(worker)) { api.restore(); }
};

bool clean_header_text(const std::string& s) { return s.find_first_of(std::string("\r\n\0", 3)) == std::string::npos; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static Service* service = new Service();  // never destroyed: the worker's threads are none
    std::string error;
    auto request = rest::parse_request(std::string_view(reinterpret_cast<const char*>(data), size), 1024 * 1024, error);
    if (!request) return 0;  // the connection answers 400 / 413 itself

    rest::HttpResponse response;
    try {
        response = service->api.handle(*request);
    } catch (const std::exception& e) {
        if (fuzz::tolerated(e)) return 0;
        FUZZ_FAIL(std::string("exception out of Api::handle (the server answers 500): ") + e.what() + "\nrequest: " +
                              request->method + " " + fuzz::excerpt(request->target));
    }
    const std::string what = request->method + " " + fuzz::excerpt(request->target) + " -> " + std::to_string(response.status) +
                             " " + fuzz::excerpt(response.body);
    FUZZ_CHECK(response.status >= 100 && response.status <= 599 && response.status != 500, what);
    FUZZ_CHECK(clean_header_text(response.content_type), what);
    for (const auto& [name, value] : response.headers) FUZZ_CHECK(clean_header_text(name) && clean_header_text(value), what);
    if (response.status == 204) FUZZ_CHECK(response.body.empty(), what);
    if (response.content_type == "application/json" && !response.body.empty()) {
        FUZZ_CHECK(fuzz::valid_utf8(response.body), "answer not UTF-8: " + what);
        auto body = nlohmann::json::parse(response.body, nullptr, false);
        FUZZ_CHECK(!body.is_discarded(), "answer not JSON: " + what);
        if (response.status >= 400 && request->path != "/health")  // /health answers KIP-1017's {"status","message"}
            FUZZ_CHECK(body.is_object() && body.value("error_code", 0) == response.status && body.contains("message") &&
                           body["message"].is_string(),
                       "error answer without Kafka Connect's shape: " + what);
    }
    return 0;
}
