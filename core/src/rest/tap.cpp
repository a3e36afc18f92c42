#include "rest/tap.hpp"

#include "common/log.hpp"
#include "common/text.hpp"
#include "rest/api.hpp"
#include "rest/connector_view.hpp"
#include "rest/password_hash.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>

namespace sluice::rest {
namespace {

std::atomic<size_t> open_taps{0};

bool secret_name(std::string name) {
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char* word : {"password", "passwd", "secret", "token", "api_key", "apikey", "authorization", "credential", "private_key"})
        if (name.find(word) != std::string::npos) return true;
    return false;
}

void mask_fields(nlohmann::json& j) {
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (secret_name(it.key()) && !it.value().is_null()) it.value() = "****";
            else mask_fields(it.value());
        }
    } else if (j.is_array()) {
        for (auto& e : j) mask_fields(e);
    }
}

// A key or value: JSON when it parses as a JSON object or array, a string when it is
// UTF-8, base64 otherwise (the encoding named beside it).
void put_bytes(nlohmann::json& out, const char* field, const std::optional<std::string>& bytes) {
    if (!bytes) {
        out[field] = nullptr;
        return;
    }
    const std::string& b = *bytes;
    auto first = b.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && (b[first] == '{' || b[first] == '[')) {
        auto parsed = nlohmann::json::parse(b, nullptr, false);
        if (!parsed.is_discarded()) {
            mask_fields(parsed);
            out[field] = std::move(parsed);
            return;
        }
    }
    if (!text::invalid_utf8_at(b)) {
        out[field] = b;
        return;
    }
    out[field] = base64_encode(b);
    out[std::string(field) + "_encoding"] = "base64";
}

double number_param(const Call& call, const char* name, double def, double min, double max) {
    std::string text = call.query(name);
    if (text.empty()) return def;
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || !(v >= min && v <= max))
        throw ApiError(400, std::string("query parameter ") + name + ": expected a number between " + text::shown(log::cat(min)) +
                                " and " + log::cat(max) + ", got " + text::shown(text));
    return v;
}

// The stream the connection pulls from (never blocking it).
class TapStream : public ResponseStream {
public:
    explicit TapStream(std::unique_ptr<runtime::TapHub::Subscription> s) : subscription_(std::move(s)) { ++open_taps; }
    ~TapStream() override { --open_taps; }

    bool pull(std::string& out) override {
        auto batch = subscription_->watcher->take();
        const auto now = std::chrono::steady_clock::now();
        uint64_t dropped = batch.dropped, rate_limited = batch.rate_limited;
        for (const auto& r : batch.records) {
            out += sse_event("record", tap_event(*r, dropped, rate_limited));
            dropped = rate_limited = 0;
        }
        if (!out.empty()) {
            last_sent_ = now;
        } else if (dropped > 0 || rate_limited > 0) {
            out = sse_event("dropped", {{"dropped", dropped}, {"rate_limited", rate_limited}});
            last_sent_ = now;
        } else if (now - last_sent_ >= std::chrono::seconds(5)) {
            out = ": keep-alive\n\n";
            last_sent_ = now;
        }
        return true;
    }

private:
    std::unique_ptr<runtime::TapHub::Subscription> subscription_;
    std::chrono::steady_clock::time_point last_sent_ = std::chrono::steady_clock::now();
};

}  // namespace

nlohmann::json tap_event(const runtime::TapRecord& r, uint64_t dropped, uint64_t rate_limited) {
    nlohmann::json e = {{"connector", r.connector}, {"task", r.task},          {"stage", r.stage},
                        {"topic", r.topic},         {"partition", r.partition}, {"offset", r.offset},
                        {"timestamp", r.timestamp_ms}};
    put_bytes(e, "key", r.key);
    put_bytes(e, "value", r.value);
    nlohmann::json headers = nlohmann::json::array();
    for (const auto& [k, v] : r.headers) {
        nlohmann::json h = {{"key", k}};
        if (secret_name(k) && v) h["value"] = "****";
        else put_bytes(h, "value", v);
        headers.push_back(std::move(h));
    }
    e["headers"] = std::move(headers);
    if (r.truncated) e["truncated"] = true;
    e["dropped"] = dropped;
    e["rate_limited"] = rate_limited;
    return e;
}

std::string sse_event(const std::string& event, const nlohmann::json& data) {
    // Secrets the worker knows (its own and its connectors') never leave, even inside a record.
    return "event: " + event + "\ndata: " +
           log::mask_secrets(data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) + "\n\n";
}

void add_tap_routes(Router& router, Api& api) {
    router.add("GET", "/connectors/{name}/tap", [&api](const Call& call) {
        const std::string& name = call.param("name");
        if (!api.worker().entry(name)) not_found(name);
        runtime::TapWatcher::Options options;
        options.sample = number_param(call, "sample", 1.0, 0.0001, 1.0);
        options.max_rate = number_param(call, "max_rate", 100, 0.01, 10000);
        options.buffer = static_cast<size_t>(number_param(call, "buffer", 256, 1, 4096));
        if (open_taps.load() >= kMaxTapClients)
            throw ApiError(429, "too many tap clients (" + std::to_string(kMaxTapClients) + "); retry later");
        HttpResponse r;
        r.content_type = "text/event-stream";
        r.headers = {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
        r.stream = std::make_shared<TapStream>(runtime::TapHub::instance().subscribe(name, options));
        return r;
    });
}

}  // namespace sluice::rest
