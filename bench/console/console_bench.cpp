// sluice-console-bench: what TLS and the live record tap cost, on the real `sluice run`.
//
//   TLS latency  4 clients (one keep-alive libcurl handle each) loop GET / for --seconds on a
//                plain listener, then on a TLS one (self-signed EC certificate made by openssl):
//                p50/p99 and requests/s; plus one client opening a new connection per request
//                (handshake included), plain against TLS. Floor: the plain listener.
//   tap overhead datagen (rate 20000/s: at rate 0 the embedded cluster stalls the sink) -> blackhole sink for --seconds without a tap, then with one
//                tap client reading the source at full rate (max_rate 10000, curl -N):
//                records/s written (from /metrics) and worker CPU seconds per million
//                records. Floor: the run without a tap.
// Medians of --runs runs (default 3).
#include "child.hpp"

#include <curl/curl.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

int runs = 3, seconds = 6, clients = 4;

struct Http {
    CURL* curl = curl_easy_init();
    std::string body;
    explicit Http(const std::string& cacert = "", bool fresh = false) {
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* u) {
            static_cast<std::string*>(u)->append(p, s * n);
            return s * n;
        });
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
        if (!cacert.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, cacert.c_str());
        if (fresh) curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
    }
    ~Http() { curl_easy_cleanup(curl); }
    long get(const std::string& url) {
        body.clear();
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        long status = 0;
        if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        return status;
    }
};

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

double cpu_seconds(pid_t pid) {  // utime + stime of the whole process
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    std::istringstream rest(text.substr(text.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i)
        if (i == 14 || i == 15) ticks += std::stod(field);
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Worker {
    bench::Child child;
    std::string base;
    Worker(const fs::path& dir, const std::string& name, const std::string& extra, const std::string& scheme, const std::string& cacert) {
        const std::string file = (dir / (name + ".yaml")).string(), port_file = (dir / (name + ".port")).string();
        std::ofstream(file) << "rest.listener: 127.0.0.1:0\nlog.progress.interval.ms: 0\nshutdown.timeout.ms: 10000\n" << extra;
        child = bench::Child::spawn({SLUICE_BIN, "run", "--worker", file, "--plugin-dir", SLUICE_BENCH_PLUGIN_DIR, "--rest-port-file", port_file},
                                    (dir / (name + ".log")).string());
        Http http(cacert);
        const auto deadline = Clock::now() + std::chrono::seconds(60);
        while (true) {
            if (!child.running()) throw std::runtime_error("sluice exited; see " + (dir / (name + ".log")).string());
            std::ifstream in(port_file);
            std::string port;
            if (base.empty() && in >> port) base = scheme + "://127.0.0.1:" + port;
            if (!base.empty() && http.get(base + "/health") == 200) break;
            if (Clock::now() > deadline) throw std::runtime_error("no /health = 200 within 60 s");
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
};

// Latencies (ms) of `n` clients looping GET url for `secs`.
std::vector<double> load(int n, int secs, const std::string& url, const std::string& cacert, bool fresh) {
    std::vector<std::vector<double>> per(static_cast<size_t>(n));
    const auto deadline = Clock::now() + std::chrono::seconds(secs);
    std::vector<std::thread> threads;
    for (int c = 0; c < n; ++c)
        threads.emplace_back([&, c] {
            Http http(cacert, fresh);
            while (Clock::now() < deadline) {
                auto s = Clock::now();
                if (http.get(url) != 200) throw std::runtime_error("GET " + url + " failed");
                per[static_cast<size_t>(c)].push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
            }
        });
    for (auto& t : threads) t.join();
    std::vector<double> all;
    for (auto& v : per) all.insert(all.end(), v.begin(), v.end());
    return all;
}

uint64_t records_written(Http& http, const std::string& base) {
    http.get(base + "/metrics");
    static const std::regex line(R"(records_written[^{\n]*\{[^}]*connector="bh"[^}]*\}\s+([0-9.e+]+))");
    uint64_t total = 0;
    for (std::sregex_iterator it(http.body.begin(), http.body.end(), line), end; it != end; ++it)
        total += static_cast<uint64_t>(std::stod((*it)[1]));
    return total;
}

struct Run {
    double plain_p50, plain_p99, plain_rps, tls_p50, tls_p99, tls_rps, plain_new_p50, tls_new_p50;
    double rate_without, rate_with, cpu_without, cpu_with;  // records/s; CPU s per million records
};

Run run_once(int index) {
    Run r{};
    const fs::path dir = fs::temp_directory_path() / ("sluice-console-bench-" + std::to_string(getpid()) + "-" + std::to_string(index));
    fs::create_directories(dir);
    const std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
    const std::string openssl = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + key +
                                " -out " + cert + " -days 1 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 2>/dev/null";
    if (std::system(openssl.c_str()) != 0) throw std::runtime_error("openssl req failed");
    {
        Worker plain(dir, "plain", "", "http", "");
        auto l = load(clients, seconds, plain.base + "/", "", false);
        r.plain_p50 = percentile(l, 0.5), r.plain_p99 = percentile(l, 0.99), r.plain_rps = static_cast<double>(l.size()) / seconds;
        r.plain_new_p50 = percentile(load(1, std::max(1, seconds / 2), plain.base + "/", "", true), 0.5);
    }
    {
        Worker tls(dir, "tls", "rest.tls.cert.file: " + cert + "\nrest.tls.key.file: " + key + "\n", "https", cert);
        auto l = load(clients, seconds, tls.base + "/", cert, false);
        r.tls_p50 = percentile(l, 0.5), r.tls_p99 = percentile(l, 0.99), r.tls_rps = static_cast<double>(l.size()) / seconds;
        r.tls_new_p50 = percentile(load(1, std::max(1, seconds / 2), tls.base + "/", cert, true), 0.5);
    }
    {
        Worker w(dir, "tap", "", "http", "");
        Http http;
        auto post = [&](const std::string& body) {
            curl_easy_setopt(http.curl, CURLOPT_POSTFIELDS, body.c_str());
            struct curl_slist* h = curl_slist_append(nullptr, "Content-Type: application/json");
            curl_easy_setopt(http.curl, CURLOPT_HTTPHEADER, h);
            const long status = http.get(w.base + "/connectors");
            if (status != 201) throw std::runtime_error("create failed: " + std::to_string(status) + " " + http.body);
            curl_easy_setopt(http.curl, CURLOPT_HTTPHEADER, nullptr);
            curl_easy_setopt(http.curl, CURLOPT_HTTPGET, 1L);
            curl_slist_free_all(h);
        };
        post(R"({"name":"gen","config":{"connector.class":"datagen","topic":"bench.tap","rate":"20000"}})");
        post(R"({"name":"bh","config":{"connector.class":"blackhole","topics":"bench.tap"}})");
        std::this_thread::sleep_for(std::chrono::seconds(4));  // warm up: the sink's group joined, steady pace
        auto measure = [&](double& rate, double& cpu) {
            const uint64_t n0 = records_written(http, w.base);
            const double c0 = cpu_seconds(w.child.pid());
            const auto t0 = Clock::now();
            std::this_thread::sleep_for(std::chrono::seconds(seconds));
            const uint64_t n1 = records_written(http, w.base);
            const double c1 = cpu_seconds(w.child.pid());
            const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
            rate = static_cast<double>(n1 - n0) / dt;
            cpu = n1 > n0 ? (c1 - c0) / (static_cast<double>(n1 - n0) / 1e6) : 0;
        };
        measure(r.rate_without, r.cpu_without);
        auto tap = bench::Child::spawn({"/usr/bin/curl", "-sN", "-o", "/dev/null", w.base + "/connectors/gen/tap?max_rate=10000&buffer=4096"},
                                       (dir / "curl.log").string());
        std::this_thread::sleep_for(std::chrono::seconds(1));
        measure(r.rate_with, r.cpu_with);
    }
    fs::remove_all(dir);
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--runs") runs = std::atoi(argv[i + 1]);
        else if (a == "--seconds") seconds = std::atoi(argv[i + 1]);
        else if (a == "--clients") clients = std::atoi(argv[i + 1]);
    }
    curl_global_init(CURL_GLOBAL_ALL);
    std::vector<Run> all;
    for (int i = 0; i < runs; ++i) {
        all.push_back(run_once(i));
        const Run& r = all.back();
        std::cerr << "run " << i + 1 << ": plain p50 " << r.plain_p50 << " ms, tls p50 " << r.tls_p50 << " ms; tap "
                  << r.rate_without << " -> " << r.rate_with << " records/s\n";
    }
    auto med = [&](double Run::*f) {
        std::vector<double> v;
        for (const auto& r : all) v.push_back(r.*f);
        return percentile(v, 0.5);
    };
    std::cout << "medians of " << runs << " runs (" << seconds << " s each, " << clients << " keep-alive clients)\n"
              << "GET / keep-alive   plain p50 " << med(&Run::plain_p50) << " ms p99 " << med(&Run::plain_p99) << " ms "
              << med(&Run::plain_rps) << " req/s | TLS p50 " << med(&Run::tls_p50) << " ms p99 " << med(&Run::tls_p99) << " ms "
              << med(&Run::tls_rps) << " req/s | TLS/plain p50 " << med(&Run::tls_p50) / med(&Run::plain_p50) << "\n"
              << "GET / new conn.    plain p50 " << med(&Run::plain_new_p50) << " ms | TLS p50 " << med(&Run::tls_new_p50)
              << " ms (handshake included)\n"
              << "tap overhead       without " << med(&Run::rate_without) << " records/s (" << med(&Run::cpu_without)
              << " CPU s per million) | one full-rate tap " << med(&Run::rate_with) << " records/s (" << med(&Run::cpu_with)
              << " CPU s per million) | ratio " << med(&Run::rate_with) / med(&Run::rate_without) << "\n";
    curl_global_cleanup();
    return 0;
}
