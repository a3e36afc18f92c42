// sluice-ods-bench: how fast the opendatasoft source turns the largest fixture (Rennes,
// 2 859 rows of GeoJSON-heavy records) into records, and at what memory cost.
//
//   parse+map   the plugin's own code (parse_page, RecordMapper::map, Cursor) over the
//               29 page bodies of one sweep, fetched beforehand; compared with parsing the
//               same bytes alone (nlohmann ordered_json, what the plugin uses) and with
//               simdjson (the fastest JSON parser at hand: a floor for "reading the bytes").
//   sweep       one whole sweep through the plugin's ABI (poll loop, HTTP on 127.0.0.1 to
//               the replay server, mapping, records handed to a capturing writer);
//               compared with fetching the same pages with the same HTTP client and
//               discarding them (the server and loopback floor).
// Each figure is the median of --runs runs (default 7). Peak RSS is VmHWM of this process:
// overall, and per phase (first run; malloc_trim, then VmHWM reset through /proc/self/clear_refs,
// before each phase).
#include "api_query.hpp"
#include "cursor.hpp"
#include "ods_replay_server.hpp"
#include "record_mapper.hpp"
#include "sdk_harness.hpp"

#include <malloc.h>
#include <simdjson.h>
#include <sluice/http_client.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace replay = sluice::testing::ods_replay;
using Clock = std::chrono::steady_clock;

namespace {

long status_kib(const char* field) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
    return -1;
}
long vm_hwm_kib() { return status_kib("VmHWM:"); }
long vm_rss_kib() { return status_kib("VmRSS:"); }
// Returns freed heap to the system (glibc keeps it otherwise) and resets VmHWM to the current
// RSS (Linux >= 4.0), so that a phase's own peak can be read.
void reset_hwm() {
    malloc_trim(0);
    std::ofstream("/proc/self/clear_refs") << "5";
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
    int runs = 7;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
        else {
            std::fprintf(stderr, "usage: sluice-ods-bench [--runs N]\n");
            return 2;
        }
    }
    const replay::ColumnTypes types = {{"datetime", "datetime"}, {"averagevehiclespeed", "int"}, {"traveltime", "int"},
                                       {"traveltimereliability", "int"}, {"vehicleprobemeasurement", "int"},
                                       {"vitesse_maxi", "int"}, {"id_rva_troncon_fcd_v1_1", "int"},
                                       {"geo_point_2d", "geo_point_2d"}, {"geo_shape", "geo_shape"}};
    const replay::Dataset rennes = replay::load_csv_export(
        std::string(SLUICE_FIXTURES_DIR) + "/rennes/etat-du-trafic-en-temps-reel_2025-11-04T1724.csv",
        "etat-du-trafic-en-temps-reel", types);
    const std::size_t rows = rennes.records.size();
    replay::ReplayServer server;
    server.put(rennes);
    const long rss_before = vm_hwm_kib();

    sluice::ods::Settings settings;
    settings.base_url = server.url();
    settings.dataset = rennes.id;
    settings.timestamp_field = "datetime";
    settings.key_fields = {"predefinedLocationReference"};
    const sluice::ods::ResolvedFields fields{"datetime", {"predefinedlocationreference"}, "datetime"};

    // The page URLs of one sweep (no cursor yet: pages by offset) and their bodies.
    std::vector<std::string> urls, bodies;
    for (int offset = 0; offset <= static_cast<int>(rows); offset += 100) {
        sluice::ods::Anchor a;
        a.offset = offset;
        urls.push_back(sluice::ods::records_url(settings, fields, a, 100));
    }
    sluice::http::Client client;
    std::size_t body_bytes = 0;
    for (const auto& url : urls) {
        sluice::http::Request r;
        r.url = url;
        bodies.push_back(client.send(r).body);
        body_bytes += bodies.back().size();
    }

    std::vector<double> t_map, t_nlohmann, t_simdjson, t_sweep, t_fetch;
    long map_rss_base = 0, map_rss_peak = 0, sweep_rss_base = 0, sweep_rss_peak = 0;
    std::size_t mapped = 0, swept = 0;
    const sluice::ods::TimeZone zone = sluice::ods::TimeZone::load("Europe/Paris");
    for (int run = 0; run < runs; ++run) {
        {   // the plugin's parse + map
            reset_hwm();
            if (run == 0) map_rss_base = vm_rss_kib();
            sluice::ods::RecordMapper mapper(settings, zone);
            sluice::ods::Cursor cursor;
            std::size_t n = 0, bytes = 0;
            const auto t0 = Clock::now();
            for (const auto& body : bodies) {
                auto page = sluice::ods::parse_page(body, sluice::ods::Api::v2_1, "bench");
                for (auto& rec : page.records) {
                    auto m = mapper.map(rec);
                    if (cursor.check(m.timestamp_ms, m.key_id) == sluice::ods::Cursor::Verdict::fresh) cursor.advance(m.timestamp_ms, m.key_id);
                    bytes += m.key.size() + m.value.size();
                    ++n;
                }
                bytes += cursor.to_offset().size();
            }
            t_map.push_back(seconds_since(t0));
            if (run == 0) map_rss_peak = vm_hwm_kib();
            mapped = n;
            if (bytes == 0) return 1;
        }
        {   // the same bytes, parsed only
            const auto t0 = Clock::now();
            std::size_t n = 0;
            for (const auto& body : bodies) n += replay::Json::parse(body).at("results").size();
            t_nlohmann.push_back(seconds_since(t0));
            if (n != rows) return 1;
        }
        {
            simdjson::dom::parser parser;
            const auto t0 = Clock::now();
            std::size_t n = 0;
            for (const auto& body : bodies) n += parser.parse(simdjson::padded_string(body))["results"].get_array().size();
            t_simdjson.push_back(seconds_since(t0));
            if (n != rows) return 1;
        }
        {   // a whole sweep through the ABI
            reset_hwm();
            if (run == 0) sweep_rss_base = vm_rss_kib();
            sluice::testing::FakeHost host;
            sluice::testing::CapturingWriter out(100000);
            sluice::testing::SourceUnderTest source(
                "opendatasoft",
                {{"base.url", server.url()}, {"dataset", rennes.id}, {"timestamp.field", "datetime"},
                 {"key.fields", "predefinedLocationReference"}, {"timezone", "Europe/Paris"}, {"poll.interval.ms", "3600000"}},
                host);
            if (!source.ok()) {
                std::fprintf(stderr, "create failed: %s\n", source.created.message.c_str());
                return 1;
            }
            const auto t0 = Clock::now();
            auto done = [&] {
                for (const auto& [level, line] : host.logs)
                    if (line.find("sweep done") != std::string::npos) return true;
                return false;
            };
            while (!done()) {
                auto r = source.poll(out, 10);
                if (r.status != SLUICE_OK) {
                    std::fprintf(stderr, "poll failed: %s\n", r.message.c_str());
                    return 1;
                }
            }
            t_sweep.push_back(seconds_since(t0));
            if (run == 0) sweep_rss_peak = vm_hwm_kib();
            swept = out.records.size();
        }
        {   // the same pages fetched and dropped
            sluice::http::Client raw;
            const auto t0 = Clock::now();
            std::size_t bytes = 0;
            for (const auto& url : urls) {
                sluice::http::Request r;
                r.url = url;
                bytes += raw.send(r).body.size();
            }
            t_fetch.push_back(seconds_since(t0));
            if (bytes != body_bytes) return 1;
        }
    }
    const long rss_after = vm_hwm_kib();
    if (mapped != rows || swept != rows) {
        std::fprintf(stderr, "expected %zu records, mapped %zu, swept %zu\n", rows, mapped, swept);
        return 1;
    }
    const double map_s = median(t_map), nl_s = median(t_nlohmann), sj_s = median(t_simdjson);
    const double sweep_s = median(t_sweep), fetch_s = median(t_fetch);
    std::printf("sluice-ods-bench: Rennes etat-du-trafic-en-temps-reel, %zu records in %zu pages, %.2f MiB of v2.1 JSON; median of %d runs\n",
                rows, bodies.size(), body_bytes / 1048576.0, runs);
    std::printf("  parse+map (plugin)     %9.0f records/s  %7.1f MiB/s  %6.1f ms\n", rows / map_s, body_bytes / 1048576.0 / map_s, map_s * 1e3);
    std::printf("  parse only (nlohmann)  %9.0f records/s  %7.1f MiB/s  %6.1f ms   plugin/nlohmann = %.2f\n", rows / nl_s,
                body_bytes / 1048576.0 / nl_s, nl_s * 1e3, nl_s / map_s);
    std::printf("  parse only (simdjson)  %9.0f records/s  %7.1f MiB/s  %6.1f ms   plugin/simdjson = %.2f\n", rows / sj_s,
                body_bytes / 1048576.0 / sj_s, sj_s * 1e3, sj_s / map_s);
    std::printf("  sweep through the ABI  %9.0f records/s                 %6.1f ms\n", rows / sweep_s, sweep_s * 1e3);
    std::printf("  fetch only (same HTTP) %9.0f records/s                 %6.1f ms   sweep/fetch = %.2f\n", rows / fetch_s,
                fetch_s * 1e3, fetch_s / sweep_s);
    std::printf("  peak RSS (VmHWM)       %ld KiB with the fixture loaded and the server up, %ld KiB after the runs\n",
                rss_before, rss_after);
    std::printf("  parse+map phase        peak %ld KiB, +%ld KiB over the RSS before it (the plugin's own working set)\n",
                map_rss_peak, map_rss_peak - map_rss_base);
    std::printf("  sweep phase            peak %ld KiB, +%ld KiB over the RSS before it (plugin, captured records and the replay server's copies)\n",
                sweep_rss_peak, sweep_rss_peak - sweep_rss_base);
    return 0;
}
