// Real records for the transform tests (shared fixtures, converted as an Opendatasoft source
// emits them) and a table runner: one record through one transform via the ABI.
#pragma once

#include "fixture_records.hpp"
#include "sdk_harness.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace transform_tests {

using sluice::testing::ChainInput;
using sluice::testing::run_transform;

inline std::string fixture(const std::string& relative) { return std::string(SLUICE_FIXTURES_DIR) + "/" + relative; }

inline const sluice::testing::CsvTable& bordeaux_table() {
    static const auto t = sluice::testing::read_csv(fixture("bordeaux/ci_trafi_l/ci_trafi_l_snapshot_2025-12-18T085050Z.csv"), ';');
    return t;
}
inline const std::vector<std::string>& bordeaux_records() {
    static const auto r = sluice::testing::table_to_json(bordeaux_table(), sluice::testing::bordeaux_ci_trafi_l_layout());
    return r;
}
inline const sluice::testing::CsvTable& rennes_2021_table() {
    static const auto t = sluice::testing::read_csv(fixture("rennes/etat-du-trafic-en-temps-reel_2021-08-09T0817.csv"), ';');
    return t;
}
inline const sluice::testing::CsvTable& rennes_2025_table() {
    static const auto t = sluice::testing::read_csv(fixture("rennes/etat-du-trafic-en-temps-reel_2025-11-04T1724.csv"), ';');
    return t;
}
inline const std::vector<std::string>& rennes_2021_records() {
    static const auto r = sluice::testing::table_to_json(rennes_2021_table(), sluice::testing::rennes_layout());
    return r;
}
inline const std::vector<std::string>& rennes_2025_records() {
    auto layout = sluice::testing::rennes_layout();
    layout.point_column = "Geo Point";
    static const auto r = sluice::testing::table_to_json(rennes_2025_table(), layout);
    return r;
}
// Opendatasoft search API v1 records, whole (datasetid, recordid, fields, geometry, ...).
inline const std::vector<std::string>& paris_records() {
    static const auto r = [] {
        std::ifstream in(fixture("paris/comptages-routiers-permanents_v1_search_2023-02-01.json"));
        auto doc = nlohmann::json::parse(in);
        std::vector<std::string> out;
        for (const auto& rec : doc.at("records")) out.push_back(rec.dump());
        return out;
    }();
    return r;
}
// The `fields` object of each Paris record, as a flat source would emit it.
inline std::vector<std::string> paris_fields() {
    std::vector<std::string> out;
    for (const auto& r : paris_records()) out.push_back(nlohmann::json::parse(r).at("fields").dump());
    return out;
}

inline ChainInput value_in(std::optional<std::string> value, std::optional<std::string> key = std::nullopt) {
    ChainInput in;
    in.value = std::move(value);
    in.key = std::move(key);
    return in;
}

inline nlohmann::json parse(const std::optional<std::string>& text) {
    REQUIRE(text.has_value());
    return nlohmann::json::parse(*text);  // throws (failing the test) when the output is not JSON
}

// One row of a transform table: a config, an input value, and either the exact output value
// (nullopt: null) or a fragment of the expected error.
struct Row {
    std::string name;
    std::map<std::string, std::string> config;
    std::optional<std::string> in;
    std::optional<std::string> out;
    std::string error;  // non-empty: SLUICE_ERROR expected with this in the message
};

inline void run_table(const std::string& plugin, const std::vector<Row>& rows, bool value_side = true) {
    for (const Row& row : rows) {
        CAPTURE(plugin);
        CAPTURE(row.name);
        ChainInput in;
        (value_side ? in.value : in.key) = row.in;
        auto run = run_transform(plugin, row.config, in);
        if (!row.error.empty()) {
            CHECK(run.result.status == SLUICE_ERROR);
            CHECK(run.result.message.find(row.error) != std::string::npos);
            CHECK(run.result.message.rfind(plugin + ":", 0) == 0);  // names the transform
            continue;
        }
        REQUIRE_MESSAGE(run.result.status == SLUICE_OK, run.result.message);
        const auto& got = value_side ? run.out.value : run.out.key;
        CHECK(got == row.out);
        if (got) CHECK(nlohmann::json::accept(*got));
    }
}

}  // namespace transform_tests
