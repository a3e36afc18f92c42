// What the http source's unit tests share: the replay API, flight/parking records, a poll
// loop running whole sweeps, and errant records captured through the host.
#pragma once

#include "json_api_replay.hpp"
#include "sdk_harness.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace http_test {

using sluice::testing::api_replay::ApiReplay;
using sluice::testing::api_replay::Json;
using sluice::testing::api_replay::Shape;
using sluice::testing::CallResult;
using sluice::testing::CapturedRecord;
using sluice::testing::CapturingWriter;
using sluice::testing::FakeHost;
using sluice::testing::SourceUnderTest;

// AviationStack /v1/flights records (the fields the pipelines use, real shapes).
inline std::vector<Json> flights(int n, const std::string& status = "active") {
    std::vector<Json> out;
    for (int i = 0; i < n; ++i)
        out.push_back(Json{{"flight_date", "2025-11-04"},
                           {"flight_status", status},
                           {"departure", {{"airport", "Paris Charles de Gaulle"}, {"iata", "CDG"},
                                          {"scheduled", "2025-11-04T10:" + std::string(i % 60 < 10 ? "0" : "") +
                                                            std::to_string(i % 60) + ":00+00:00"}}},
                           {"arrival", {{"airport", "Bordeaux-Merignac"}, {"iata", "BOD"}}},
                           {"airline", {{"name", "Air France"}, {"iata", "AF"}}},
                           {"flight", {{"number", std::to_string(7600 + i)}, {"iata", "AF" + std::to_string(7600 + i)}}}});
    return out;
}

// Opendatasoft parking availability: `n` car parks at one refresh time (a snapshot: every
// record shares the timestamp).
inline std::vector<Json> parkings(int n, const std::string& updated, int free_offset = 0) {
    std::vector<Json> out;
    for (int i = 0; i < n; ++i)
        out.push_back(Json{{"id", "P" + std::to_string(100 + i)}, {"name", "Parking " + std::to_string(i)},
                           {"free", (i * 7 + free_offset) % 300}, {"capacity", 300}, {"updated_at", updated}});
    return out;
}

inline int count_logs(const FakeHost& host, const std::string& needle) {
    int n = 0;
    for (const auto& [level, text] : host.logs)
        if (text.find(needle) != std::string::npos) ++n;
    return n;
}

inline std::string all_logs(const FakeHost& host) {
    std::string out;
    for (const auto& [level, text] : host.logs) out += text + "\n";
    return out;
}

// Polls until `sweeps` sweeps are done (a non-OK poll ends it early).
inline CallResult run_sweeps(SourceUnderTest& source, CapturingWriter& out, FakeHost& host, int sweeps,
                             std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    CallResult r;
    while (count_logs(host, "sweep done") < sweeps && std::chrono::steady_clock::now() < deadline) {
        r = source.poll(out, 20);
        if (r.status != SLUICE_OK) return r;
    }
    if (count_logs(host, "sweep done") < sweeps) r.message = "timed out waiting for sweep " + std::to_string(sweeps);
    return r;
}

inline std::vector<std::string> values(const CapturingWriter& out) {
    std::vector<std::string> v;
    for (const auto& r : out.records) v.push_back(*r.value);
    return v;
}

}  // namespace http_test
