// Driving the weather source through its ABI against a local replay of the stored answers.
#pragma once

#include "sdk_harness.hpp"
#include "weather_replay.hpp"

#include <sluice/sdk.hpp>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace weather_test {

using sluice::testing::CapturedRecord;
using sluice::testing::CapturingWriter;
using sluice::testing::FakeHost;
using sluice::testing::HttpRequest;
using sluice::testing::HttpResponse;
using sluice::testing::HttpTestServer;
using sluice::testing::SourceUnderTest;
using ordered = nlohmann::ordered_json;
namespace replay = sluice::testing::weather_replay;

// A replay server: /v1/forecast and /v1/archive from one stored Open-Meteo answer,
// /data/2.5/weather from one stored OpenWeather answer. `fault` may answer instead
// (return an HttpResponse with status != 0) given the request number (1, 2, ...).
class Replay {
public:
    using Fault = std::function<HttpResponse(int number, const HttpRequest&)>;

    explicit Replay(const char* open_meteo_fixture = replay::kCairo, const char* openweather_fixture = replay::kLondon)
        : open_meteo_(replay::load(open_meteo_fixture)),
          openweather_(replay::read_file(replay::fixture_path(openweather_fixture))),
          server_([this](const HttpRequest& r) { return answer(r); }) {}

    std::string url() const { return server_.url(); }
    std::vector<HttpRequest> requests() const { return server_.requests(); }
    void set_fault(Fault f) {
        std::lock_guard lock(mutex_);
        fault_ = std::move(f);
    }
    void set_openweather(std::string body) {
        std::lock_guard lock(mutex_);
        openweather_ = std::move(body);
    }
    void set_open_meteo(ordered stored) {
        std::lock_guard lock(mutex_);
        open_meteo_ = std::move(stored);
    }
    const ordered& open_meteo() const { return open_meteo_; }

private:
    HttpResponse answer(const HttpRequest& r) {
        std::lock_guard lock(mutex_);
        const int number = ++count_;
        if (fault_) {
            HttpResponse f = fault_(number, r);
            if (f.status != 0) return f;
        }
        if (r.path == "/v1/forecast") return replay::open_meteo(open_meteo_, r, false);
        if (r.path == "/v1/archive") return replay::open_meteo(open_meteo_, r, true);
        if (r.path == "/data/2.5/weather") return replay::openweather(openweather_, r);
        return HttpResponse::text(404, "<html><body>Not Found</body></html>", "text/html");
    }

    std::mutex mutex_;
    ordered open_meteo_;
    std::string openweather_;
    Fault fault_;
    int count_ = 0;
    HttpTestServer server_;  // last: stopped first, while the state above is alive
};

inline HttpResponse no_fault() {
    HttpResponse r;
    r.status = 0;
    return r;
}

// Polls until `want` records arrived or a poll fails or `limit` passes; returns the records
// and the first failed call (status OK when none failed).
struct Drained {
    std::vector<CapturedRecord> records;
    sluice::testing::CallResult failure;
    int polls = 0;
};
inline Drained drain(SourceUnderTest& source, std::size_t want, std::chrono::milliseconds limit = std::chrono::seconds(10),
                     std::size_t batch = 1000) {
    Drained d;
    const auto until = std::chrono::steady_clock::now() + limit;
    while (d.records.size() < want && std::chrono::steady_clock::now() < until) {
        CapturingWriter out(batch);
        auto r = source.poll(out, 50);
        ++d.polls;
        for (auto& rec : out.records) d.records.push_back(std::move(rec));
        if (r.status != SLUICE_OK) {
            d.failure = r;
            break;
        }
    }
    return d;
}

// Polls for `span` and returns whatever arrived (to show that nothing more comes).
inline Drained poll_for(SourceUnderTest& source, std::chrono::milliseconds span) {
    Drained d;
    const auto until = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < until) {
        CapturingWriter out;
        auto r = source.poll(out, 20);
        ++d.polls;
        for (auto& rec : out.records) d.records.push_back(std::move(rec));
        if (r.status != SLUICE_OK) {
            d.failure = r;
            break;
        }
    }
    return d;
}

inline ordered value_of(const CapturedRecord& r) { return ordered::parse(r.value.value()); }
inline ordered offset_of(const CapturedRecord& r) { return ordered::parse(r.source_offset); }

inline bool logged(const FakeHost& host, sluice_log_level level, const std::string& part) {
    for (const auto& [l, message] : host.logs)
        if (l == level && message.find(part) != std::string::npos) return true;
    return false;
}

}  // namespace weather_test
