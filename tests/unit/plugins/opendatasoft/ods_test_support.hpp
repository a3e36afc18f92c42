// What the opendatasoft plugin tests share: the fixture datasets as the replay server
// serves them, a config builder, and a poll loop that runs whole sweeps.
#pragma once

#include "ods_replay_server.hpp"
#include "sdk_harness.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace ods_test {

using sluice::testing::ods_replay::ColumnTypes;
using sluice::testing::ods_replay::Dataset;
using sluice::testing::ods_replay::Json;

inline std::string fixture(const std::string& relative) { return std::string(SLUICE_FIXTURES_DIR) + "/" + relative; }

inline const ColumnTypes& ci_trafi_l_types() {
    static const ColumnTypes t = {{"gid", "int"}, {"cdate", "datetime"}, {"mdate", "datetime"},
                                  {"geo_point_2d", "geo_point_2d"}, {"geo_shape", "geo_shape"}};
    return t;
}

inline const ColumnTypes& rennes_types() {
    static const ColumnTypes t = {{"datetime", "datetime"}, {"averagevehiclespeed", "int"}, {"traveltime", "int"},
                                  {"traveltimereliability", "int"}, {"vehicleprobemeasurement", "int"},
                                  {"vitesse_maxi", "int"}, {"id", "int"}, {"func_class", "int"},
                                  {"id_rva_troncon_fcd_v1_1", "int"}, {"geo_point_2d", "geo_point_2d"},
                                  {"geo_shape", "geo_shape"}};
    return t;
}

inline Dataset ci_trafi_l() {
    return sluice::testing::ods_replay::load_csv_export(
        fixture("bordeaux/ci_trafi_l/ci_trafi_l_snapshot_2025-12-18T085050Z.csv"), "ci_trafi_l", ci_trafi_l_types());
}
inline Dataset rennes_2021() {
    return sluice::testing::ods_replay::load_csv_export(fixture("rennes/etat-du-trafic-en-temps-reel_2021-08-09T0817.csv"),
                                                        "etat-du-trafic-en-temps-reel", rennes_types());
}
inline Dataset rennes_2025() {
    return sluice::testing::ods_replay::load_csv_export(fixture("rennes/etat-du-trafic-en-temps-reel_2025-11-04T1724.csv"),
                                                        "etat-du-trafic-en-temps-reel", rennes_types());
}
inline Dataset pc_capte_p() {
    return sluice::testing::ods_replay::load_ods_json(fixture("bordeaux/pc_capte_p/pc_capte_p_ods_export_2022-03-10.json"),
                                                      "pc_capte_p", {"mdate", "cdate"});
}
inline Dataset paris_counts() {
    return sluice::testing::ods_replay::load_ods_json(
        fixture("paris/comptages-routiers-permanents_v1_search_2023-02-01.json"), "comptages-routiers-permanents",
        {"t_1h"});
}

inline std::map<std::string, std::string> config(const std::string& base, const std::string& dataset, const std::string& ts,
                                                 const std::string& keys,
                                                 std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> c = {{"base_url", base}, {"dataset", dataset}, {"timestamp_field", ts},
                                            {"key_fields", keys}, {"poll_interval_ms", "100"}};
    for (auto& [k, v] : extra) c[k] = v;
    return c;
}

inline int count_logs(const sluice::testing::FakeHost& host, const std::string& needle) {
    int n = 0;
    for (const auto& [level, line] : host.logs)
        if (line.find(needle) != std::string::npos) ++n;
    return n;
}

inline std::string all_logs(const sluice::testing::FakeHost& host) {
    std::string out;
    for (const auto& [level, line] : host.logs) out += line + "\n";
    return out;
}

// Polls until `sweeps` sweeps have completed in all (counted from the host's log), a call
// fails, or `timeout` passes. Returns the last call's result.
inline sluice::testing::CallResult run_sweeps(sluice::testing::SourceUnderTest& source, sluice::testing::CapturingWriter& out,
                                              sluice::testing::FakeHost& host, int sweeps,
                                              std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    sluice::testing::CallResult r;
    while (count_logs(host, "sweep done") < sweeps && std::chrono::steady_clock::now() < deadline) {
        r = source.poll(out, 20);
        if (r.status != SLUICE_OK) return r;
    }
    if (count_logs(host, "sweep done") < sweeps) r.message = "timed out waiting for sweep " + std::to_string(sweeps);
    return r;
}

// The last source offset among captured records (the one the worker would store).
inline std::string last_offset(const std::vector<sluice::testing::CapturedRecord>& records) {
    for (auto it = records.rbegin(); it != records.rend(); ++it)
        if (it->has_source_offset) return it->source_offset;
    return "";
}

}  // namespace ods_test
