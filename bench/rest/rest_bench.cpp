// sluice-rest-bench: what the REST admin API costs, measured on the real `sluice run`.
//
//   start-up   spawn of `sluice run --worker W` (embedded Kafka) to the first GET /health = 200;
//              floor: spawn-to-exit of `sluice --version` (exec, dynamic linking) in the same run
//   idle RSS   VmRSS 2 s after /health = 200, no connector
//   RSS x20    VmRSS with 20 datagen connectors (rate 10/s) RUNNING, 3 s after the last started
//   latency    50 clients (one keep-alive libcurl handle each) for --seconds: GET
//              /connectors/{n}/status, p50/p99; floor: GET / on the same server and clients
//   storm      50 clients creating, pausing, resuming, deleting and reading status for
//              --storm-seconds: per-operation p50/p99, answers checked (status and JSON)
//
// Medians of --runs runs (default 5). Options: --runs N --clients N --seconds S
// --storm-seconds S --connectors N.
#include "child.hpp"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    int runs = 5, clients = 50, seconds = 10, storm_seconds = 20, connectors = 20;
};

struct Http {
    CURL* curl = curl_easy_init();
    std::string body;
    Http() {
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* u) {
            static_cast<std::string*>(u)->append(p, s * n);
            return s * n;
        });
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    }
    ~Http() { curl_easy_cleanup(curl); }
    // Status (0: transport failure); body in `body`.
    long call(const std::string& method, const std::string& url, const std::string& data = "") {
        body.clear();
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
        struct curl_slist* headers = nullptr;
        if (!data.empty() || method != "GET") {
            headers = curl_slist_append(headers, "Content-Type: application/json");
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, data.c_str());
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(data.size()));
        } else {
            curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
            curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, nullptr);
        }
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        long status = 0;
        if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
        if (headers) curl_slist_free_all(headers);
        return status;
    }
};

long rss_kb(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return 0;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

double median(std::vector<double> v) { return percentile(std::move(v), 0.5); }

struct RunResult {
    double startup_ms = 0, version_ms = 0;
    double idle_rss_mib = 0, rss20_mib = 0;
    double status_p50 = 0, status_p99 = 0, root_p50 = 0, root_p99 = 0, status_rps = 0;
    std::map<std::string, std::pair<double, double>> storm;  // op -> p50, p99 (ms)
    size_t storm_requests = 0, storm_bad = 0;
};

// Latencies (ms) of `clients` threads looping `request` for `seconds`.
std::vector<double> load(int clients, int seconds, const std::function<void(Http&, std::mt19937&, std::vector<double>&)>& request) {
    std::vector<std::vector<double>> per(static_cast<size_t>(clients));
    const auto deadline = Clock::now() + std::chrono::seconds(seconds);
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c)
        threads.emplace_back([&, c] {
            Http http;
            std::mt19937 rng(static_cast<unsigned>(c) + 11u);
            while (Clock::now() < deadline) request(http, rng, per[static_cast<size_t>(c)]);
        });
    for (auto& t : threads) t.join();
    std::vector<double> all;
    for (auto& v : per) all.insert(all.end(), v.begin(), v.end());
    return all;
}

RunResult run_once(const Options& o, int index) {
    RunResult r;
    const fs::path dir = fs::temp_directory_path() / ("sluice-rest-bench-" + std::to_string(getpid()) + "-" + std::to_string(index));
    fs::create_directories(dir);
    const std::string worker = (dir / "worker.yaml").string();
    std::ofstream(worker) << "rest.listener: 127.0.0.1:0\nlog.progress.interval.ms: 0\nshutdown.timeout.ms: 10000\n";
    const std::string port_file = (dir / "port").string();

    {  // the floor: exec + dynamic linking of the same binary
        auto t0 = Clock::now();
        auto v = bench::Child::spawn({SLUICE_BIN, "--version"}, (dir / "version.log").string());
        while (v.running()) std::this_thread::sleep_for(std::chrono::microseconds(200));
        r.version_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    }

    auto t0 = Clock::now();
    auto child = bench::Child::spawn({SLUICE_BIN, "run", "--worker", worker, "--plugin-dir", SLUICE_BENCH_PLUGIN_DIR,
                                      "--rest-port-file", port_file},
                                     (dir / "sluice.log").string());
    std::string base;
    Http http;
    while (true) {
        if (!child.running()) throw std::runtime_error("sluice exited; see " + (dir / "sluice.log").string());
        if (base.empty()) {
            std::ifstream in(port_file);
            std::string port;
            if (in >> port) base = "http://127.0.0.1:" + port;
        }
        if (!base.empty() && http.call("GET", base + "/health") == 200) break;
        if (Clock::now() - t0 > std::chrono::seconds(60)) throw std::runtime_error("no /health = 200 within 60 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    r.startup_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    std::this_thread::sleep_for(std::chrono::seconds(2));
    r.idle_rss_mib = static_cast<double>(rss_kb(child.pid())) / 1024.0;

    for (int i = 0; i < o.connectors; ++i) {
        std::string body = nlohmann::json{{"name", "c" + std::to_string(i)},
                                          {"config", {{"connector.class", "datagen"}, {"topic", "bench.rest"}, {"rate", "10"}}}}
                               .dump();
        if (http.call("POST", base + "/connectors", body) != 201) throw std::runtime_error("create failed: " + http.body);
    }
    for (int i = 0; i < o.connectors; ++i) {
        auto deadline = Clock::now() + std::chrono::seconds(30);
        while (true) {
            http.call("GET", base + "/connectors/c" + std::to_string(i) + "/status");
            auto j = nlohmann::json::parse(http.body, nullptr, false);
            if (!j.is_discarded() && j.contains("tasks") && !j["tasks"].empty() && j["tasks"][0]["state"] == "RUNNING") break;
            if (Clock::now() > deadline) throw std::runtime_error("connector c" + std::to_string(i) + " not RUNNING: " + http.body);
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    std::this_thread::sleep_for(std::chrono::seconds(3));
    r.rss20_mib = static_cast<double>(rss_kb(child.pid())) / 1024.0;

    auto timed = [](Http& h, const std::string& method, const std::string& url, std::vector<double>& out, const std::string& data = "") {
        auto s = Clock::now();
        long status = h.call(method, url, data);
        out.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
        return status;
    };
    const int half = std::max(1, o.seconds / 2);
    auto root = load(o.clients, half, [&](Http& h, std::mt19937&, std::vector<double>& out) { timed(h, "GET", base + "/", out); });
    r.root_p50 = percentile(root, 0.5);
    r.root_p99 = percentile(root, 0.99);
    auto status = load(o.clients, half, [&](Http& h, std::mt19937& rng, std::vector<double>& out) {
        timed(h, "GET", base + "/connectors/c" + std::to_string(rng() % static_cast<unsigned>(o.connectors)) + "/status", out);
    });
    r.status_p50 = percentile(status, 0.5);
    r.status_p99 = percentile(status, 0.99);
    r.status_rps = static_cast<double>(status.size()) / half;

    // The storm: the same mix as the concurrency test, timed per operation.
    std::mutex mutex;
    std::map<std::string, std::vector<double>> by_op;
    std::atomic<size_t> bad{0}, total{0};
    load(o.clients, o.storm_seconds, [&](Http& h, std::mt19937& rng, std::vector<double>&) {
        const std::string name = "s" + std::to_string(rng() % 16);
        std::string op;
        std::set<long> ok;
        std::vector<double> one;
        long st = 0;
        switch (rng() % 6) {
        case 0:
            op = "create";
            ok = {201, 409};
            st = timed(h, "POST", base + "/connectors", one,
                       nlohmann::json{{"name", name}, {"config", {{"connector.class", "datagen"}, {"topic", "bench.storm"}, {"rate", "5"}}}}.dump());
            break;
        case 1: op = "pause"; ok = {202, 404}; st = timed(h, "PUT", base + "/connectors/" + name + "/pause", one); break;
        case 2: op = "resume"; ok = {202, 404}; st = timed(h, "PUT", base + "/connectors/" + name + "/resume", one); break;
        case 3: op = "delete"; ok = {204, 404}; st = timed(h, "DELETE", base + "/connectors/" + name, one); break;
        case 4: op = "status"; ok = {200, 404}; st = timed(h, "GET", base + "/connectors/" + name + "/status", one); break;
        default: op = "list"; ok = {200}; st = timed(h, "GET", base + "/connectors?expand=status", one); break;
        }
        ++total;
        bool good = ok.count(st) > 0 && (h.body.empty() ? (st == 202 || st == 204) : !nlohmann::json::parse(h.body, nullptr, false).is_discarded());
        if (!good) ++bad;
        std::lock_guard lock(mutex);
        by_op[op].push_back(one.front());
    });
    for (auto& [op, v] : by_op) r.storm[op] = {percentile(v, 0.5), percentile(v, 0.99)};
    r.storm_requests = total;
    r.storm_bad = bad;

    auto exit = child.stop(std::chrono::seconds(30));
    if (!exit.clean()) std::cerr << "run " << index << ": sluice did not stop cleanly: " << exit.describe() << "\n";
    std::error_code ec;
    fs::remove_all(dir, ec);
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        int v = std::atoi(argv[i + 1]);
        if (a == "--runs") o.runs = v;
        else if (a == "--clients") o.clients = v;
        else if (a == "--seconds") o.seconds = v;
        else if (a == "--storm-seconds") o.storm_seconds = v;
        else if (a == "--connectors") o.connectors = v;
        else {
            std::cerr << "unknown option " << a << "\n";
            return 2;
        }
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    std::vector<RunResult> results;
    for (int i = 0; i < o.runs; ++i) {
        auto r = run_once(o, i);
        std::printf("run %d: start-up %.0f ms (exec floor %.0f ms), RSS idle %.1f MiB, with %d connectors %.1f MiB, "
                    "status p50 %.2f ms p99 %.2f ms (%.0f req/s), GET / p50 %.2f p99 %.2f ms, storm %zu requests, %zu bad\n",
                    i, r.startup_ms, r.version_ms, r.idle_rss_mib, o.connectors, r.rss20_mib, r.status_p50, r.status_p99,
                    r.status_rps, r.root_p50, r.root_p99, r.storm_requests, r.storm_bad);
        std::fflush(stdout);
        results.push_back(r);
    }
    auto med = [&](auto field) {
        std::vector<double> v;
        for (const auto& r : results) v.push_back(field(r));
        return median(v);
    };
    std::printf("\nmedians of %d runs (%d clients):\n", o.runs, o.clients);
    std::printf("  start-up to GET /health = 200   %8.0f ms   (exec floor %.0f ms, ratio %.1f)\n", med([](auto& r) { return r.startup_ms; }),
                med([](auto& r) { return r.version_ms; }), med([](auto& r) { return r.startup_ms / r.version_ms; }));
    std::printf("  RSS idle                        %8.1f MiB\n", med([](auto& r) { return r.idle_rss_mib; }));
    std::printf("  RSS with %d connectors          %8.1f MiB\n", o.connectors, med([](auto& r) { return r.rss20_mib; }));
    std::printf("  GET status p50 / p99            %8.2f / %.2f ms  (%.0f req/s)\n", med([](auto& r) { return r.status_p50; }),
                med([](auto& r) { return r.status_p99; }), med([](auto& r) { return r.status_rps; }));
    std::printf("  GET / p50 / p99 (floor)         %8.2f / %.2f ms  (status/floor p50 ratio %.2f)\n", med([](auto& r) { return r.root_p50; }),
                med([](auto& r) { return r.root_p99; }), med([](auto& r) { return r.status_p50 / r.root_p50; }));
    for (const char* op : {"create", "pause", "resume", "delete", "status", "list"})
        std::printf("  storm %-7s p50 / p99          %8.2f / %.2f ms\n", op, med([&](auto& r) { return r.storm.count(op) ? r.storm.at(op).first : 0.0; }),
                    med([&](auto& r) { return r.storm.count(op) ? r.storm.at(op).second : 0.0; }));
    size_t bad = 0;
    for (const auto& r : results) bad += r.storm_bad;
    std::printf("  storm answers not as expected   %8zu\n", bad);
    curl_global_cleanup();
    return bad == 0 ? 0 : 1;
}
