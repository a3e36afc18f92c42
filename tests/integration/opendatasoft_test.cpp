// The opendatasoft source in a real `sluice run`: the worker process loads the real plugin
// and polls the replay server (a server thread of this test process on 127.0.0.1) serving
// the real Rennes snapshot (2 859 records, one shared `datetime`); it produces to a mock
// cluster in its own process; kcat reads the topic and the offsets topic from outside.
// The worker is killed with SIGKILL mid-snapshot and started again: every record reaches
// Kafka, and a record produced twice is one the stored offset did not yet cover.
#include "harness.hpp"
#include "ods_replay_server.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <atomic>
#include <map>
#include <set>

using namespace sluice::it;
using sluice::testing::HttpRequest;
using sluice::testing::HttpResponse;
using sluice::testing::wait_until;
using sluice::testing::write_file;
namespace replay = sluice::testing::ods_replay;

namespace {

const replay::ColumnTypes kRennesTypes = {{"datetime", "datetime"}, {"averagevehiclespeed", "int"}, {"traveltime", "int"},
                                          {"traveltimereliability", "int"}, {"vehicleprobemeasurement", "int"},
                                          {"vitesse_maxi", "int"}, {"id_rva_troncon_fcd_v1_1", "int"},
                                          {"geo_point_2d", "geo_point_2d"}, {"geo_shape", "geo_shape"}};

// The offsets stored for the connector, in the order written (last one last).
std::vector<nlohmann::json> stored_offsets(const TempDir& dir, const std::string& bootstrap) {
    std::vector<nlohmann::json> out;
    for (const auto& r : kcat_read(dir, bootstrap, "sluice-offsets")) {
        REQUIRE(r.key);
        const auto key = nlohmann::json::parse(*r.key);
        if (key.at(0) == "rennes.etat-du-trafic") out.push_back(nlohmann::json::parse(r.value));
    }
    return out;
}

}  // namespace

TEST_CASE("opendatasoft: Rennes snapshot through sluice run, kill -9 mid-snapshot, restart: no gap, duplicates only past the stored offset") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "rennes.traffic:3"});
    const replay::Dataset snapshot = replay::load_csv_export(
        std::string(SLUICE_FIXTURES_DIR) + "/rennes/etat-du-trafic-en-temps-reel_2025-11-04T1724.csv",
        "etat-du-trafic-en-temps-reel", kRennesTypes);
    REQUIRE(snapshot.records.size() == 2859);
    replay::ReplayServer server;
    server.put(snapshot);
    // Slow pages (200 ms each, 29 pages) so that the kill lands mid-snapshot.
    std::atomic<int> pages{0};
    server.set_fault([&](const HttpRequest& r) -> std::optional<HttpResponse> {
        if (r.path.find("/records") == std::string::npos) return std::nullopt;
        ++pages;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        return std::nullopt;
    });

    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    const std::string pipeline = dir.file("rennes.yaml");
    write_file(pipeline, "name: rennes\n"
                         "source:\n"
                         "  name: etat-du-trafic\n"
                         "  plugin: opendatasoft\n"
                         "  topic: rennes.traffic\n"
                         "  config:\n"
                         "    base_url: " + server.url() + "\n"
                         "    dataset: etat-du-trafic-en-temps-reel\n"
                         "    timestamp_field: datetime\n"
                         "    key_fields: [predefinedLocationReference]\n"
                         "    timezone: Europe/Paris\n"
                         "    poll_interval_ms: 3600000\n"
                         "sinks:\n"
                         "  - name: out\n"
                         "    plugin: blackhole\n");
    const std::vector<std::string> args = {"run", "--worker", worker, "--plugin-dir", plugin_dir(), pipeline};

    // ---- run 1: killed once some offsets are stored, well before the end of the snapshot ----
    std::size_t keys_stored_at_kill = 0;
    std::set<std::string> covered_at_kill;
    {
        Sluice run(dir, args, "run1");
        REQUIRE_MESSAGE(run.wait_for_log("starts from the beginning (no stored offset)", 20s), run.log());
        const bool some_stored = wait_until(
            [&] { return (pages >= 10 && !stored_offsets(dir, kafka.bootstrap()).empty()) || !run.process().running(); }, 30s, 200ms);
        REQUIRE_MESSAGE(some_stored, run.log());
        REQUIRE_MESSAGE(run.process().running(), run.log());
        CHECK(run.process().kill().signal == SIGKILL);
        const auto offsets = stored_offsets(dir, kafka.bootstrap());
        REQUIRE(!offsets.empty());
        const auto& last = offsets.back();
        CHECK(last.at("ts") == "2025-11-04T16:24:00Z");
        keys_stored_at_kill = last.at("keys").size();
        for (const auto& k : last.at("keys")) covered_at_kill.insert(k.get<std::string>());
        MESSAGE("SIGKILL after ", pages.load(), " pages; the stored offset covers ", keys_stored_at_kill, " keys");
        CHECK(keys_stored_at_kill > 0);
        CHECK(keys_stored_at_kill < 2859);
    }

    // ---- run 2: resumes from the stored offset and completes the snapshot ----
    {
        Sluice run(dir, args, "run2");
        REQUIRE_MESSAGE(run.wait_for_log("resumes after 2025-11-04T16:24:00Z (" + std::to_string(keys_stored_at_kill) + " keys", 20s),
                        run.log());
        REQUIRE_MESSAGE(run.wait_for_log("sweep done", 30s), run.log());
        const bool final_stored = wait_until(
            [&] {
                const auto offsets = stored_offsets(dir, kafka.bootstrap());
                return !offsets.empty() && offsets.back().at("keys").size() == 2859;
            },
            20s, 200ms);
        CHECK_MESSAGE(final_stored, run.log());
        REQUIRE(run.stop(20s) == exited(0));
    }

    // ---- Kafka: every record, as in the fixture; a duplicate only where the offset allowed it ----
    std::map<std::string, const replay::Json*> truth;
    for (const auto& r : snapshot.records) truth[r.at("predefinedlocationreference").get<std::string>()] = &r;
    std::map<std::string, int> copies;
    const auto records = kcat_read(dir, kafka.bootstrap(), "rennes.traffic");
    for (const auto& r : records) {
        REQUIRE(r.key);
        const auto key = nlohmann::json::parse(*r.key);
        const std::string id = key.at("predefinedLocationReference").get<std::string>();
        REQUIRE_MESSAGE(truth.count(id), id);
        const auto value = replay::Json::parse(r.value);
        const auto& want = *truth[id];
        CHECK(value.at("trafficstatus") == want.at("trafficstatus"));
        CHECK(value.at("averagevehiclespeed") == want.at("averagevehiclespeed"));
        CHECK(value.at("geo_point_2d") == replay::Json{{"lat", want.at("geo_point_2d").at("lat")}, {"lon", want.at("geo_point_2d").at("lon")}});
        CHECK(value.at("geo_shape") == want.at("geo_shape"));
        ++copies[id];
    }
    CHECK(copies.size() == 2859);  // no gap
    std::size_t duplicates = 0;
    for (const auto& [id, n] : copies) {
        if (n == 1) continue;
        duplicates += static_cast<std::size_t>(n - 1);
        CHECK_MESSAGE(n == 2, id << " produced " << n << " times");
        CHECK_MESSAGE(covered_at_kill.count(id) == 0, id << " was covered by the stored offset yet produced again");
    }
    MESSAGE(records.size(), " records in Kafka, ", duplicates, " produced again after the kill (not covered by the stored offset)");
    CHECK(records.size() == 2859 + duplicates);

    // The final source offset: the whole snapshot's datetime and every key.
    const auto offsets = stored_offsets(dir, kafka.bootstrap());
    REQUIRE(!offsets.empty());
    CHECK(offsets.back().at("ts") == "2025-11-04T16:24:00Z");
    CHECK(offsets.back().at("keys").size() == 2859);
    CHECK(server.refused_for_depth() == 0);
}

TEST_CASE("opendatasoft: sluice validate accepts the example pipelines for the live portals") {
    TempDir dir;
    for (const char* name : {"bordeaux-traffic.yaml", "bordeaux-sensors.yaml", "rennes-traffic.yaml", "paris-counts.yaml"}) {
        CAPTURE(name);
        const auto result = run_sluice(dir, {"validate", "--plugin-dir", plugin_dir(), source_dir() + "/configs/pipelines/" + name});
        CHECK_MESSAGE(result.status == exited(0), result.status.describe() << "\n" << result.err << result.out);
    }
}

TEST_CASE("opendatasoft: sluice check fails fast on a key field the dataset does not have") {
    TempDir dir;
    replay::ReplayServer server;
    server.put(replay::load_csv_export(std::string(SLUICE_FIXTURES_DIR) + "/rennes/etat-du-trafic-en-temps-reel_2025-11-04T1724.csv",
                                       "etat-du-trafic-en-temps-reel", kRennesTypes));
    const std::string pipeline = dir.file("bad.yaml");
    write_file(pipeline, "name: rennes\n"
                         "source:\n"
                         "  name: etat-du-trafic\n"
                         "  plugin: opendatasoft\n"
                         "  topic: rennes.traffic\n"
                         "  config:\n"
                         "    base_url: " + server.url() + "\n"
                         "    dataset: etat-du-trafic-en-temps-reel\n"
                         "    timestamp_field: datetime\n"
                         "    key_fields: [segment_id]\n"
                         "sinks:\n"
                         "  - name: out\n"
                         "    plugin: blackhole\n");
    const auto result = run_sluice(dir, {"check", "--plugin-dir", plugin_dir(), pipeline});
    CHECK(result.status == exited(3));
    CHECK_MESSAGE(result.err.find("dataset 'etat-du-trafic-en-temps-reel' has no field 'segment_id' (key.fields); its fields: datetime, "
                                  "predefinedlocationreference") != std::string::npos,
                  result.err);
}
