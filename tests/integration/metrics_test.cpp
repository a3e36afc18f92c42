// GET /metrics of a running worker: the real Debian `prometheus` server scrapes it and
// answers a query for a sluice series through its HTTP API; every metric the Grafana
// dashboard and the alert rules use is one the worker really exports.
#include "harness.hpp"
#include "rest_client.hpp"

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace sluice::it;
using sluice::testing::wait_until;
using sluice::testing::write_file;

namespace {

// A port the kernel just handed out on 127.0.0.1 (closed again: the program under test binds it).
int free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    return ntohs(a.sin_port);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// curl's body, or "" when the request failed.
std::string http_get(const TempDir& dir, const std::string& url) {
    auto r = sluice::testing::run({"curl", "-sf", "--max-time", "5", url}, dir.path().string(), 10s);
    return r.status == exited(0) ? r.out : std::string();
}

std::set<std::string> referenced_metrics(const std::string& text) {
    std::set<std::string> names;
    std::regex name(R"(\bsluice_[a-z_]+)");
    for (std::sregex_iterator it(text.begin(), text.end(), name), end; it != end; ++it) names.insert(it->str());
    return names;
}

// Names of the series in an exposition text (histograms as name_bucket/_sum/_count).
std::set<std::string> exported_metrics(const std::string& exposition) {
    std::set<std::string> names;
    std::istringstream in(exposition);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        names.insert(line.substr(0, line.find_first_of("{ ")));
    }
    return names;
}

double series_value(const std::string& exposition, const std::string& prefix) {
    std::istringstream in(exposition);
    double total = 0;
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0) total += std::stod(line.substr(line.rfind(' ') + 1));
    return total;
}

}  // namespace

TEST_CASE("Prometheus scrapes a running worker and answers queries for sluice series") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "mx.readings:2"});
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    const std::string pipeline = dir.file("mx.yaml");
    write_file(pipeline, "name: mx\n"
                         "source:\n  name: gen\n  plugin: datagen\n  topic: mx.readings\n"
                         "  config: {rate: 2000, sensors: 20}\n"
                         "sinks:\n  - name: archive\n    plugin: file\n"
                         "    config: {path: " + dir.file("out.jsonl") + "}\n");
    RestWorker worker_process(dir, worker, {"--plugin-dir", plugin_dir(), pipeline});
    Sluice& run = worker_process.sluice();
    const std::string metrics_url = worker_process.base() + "/metrics";
    const std::string rest_target = worker_process.base().substr(std::string("http://").size());

    std::string exposition;
    bool flowing = wait_until(
        [&] {
            exposition = http_get(dir, metrics_url);
            // Lag appears once the sink has its assignment and fetched (refreshed each second).
            return (series_value(exposition, "sluice_records_produced_total{") > 0 &&
                    series_value(exposition, "sluice_records_written_total{") > 0 &&
                    exposition.find("sluice_consumer_lag_records{") != std::string::npos) ||
                   !run.process().running();
        },
        40s, 250ms);
    REQUIRE_MESSAGE((flowing && run.process().running()), "metrics:\n" << exposition << "\nlog:\n" << run.log());

    SUBCASE("the dashboard and the alert rules use only exported metrics") {
        auto exported = exported_metrics(exposition);
        auto used = referenced_metrics(read_file(source_dir() + "/configs/grafana/dashboards/sluice.json") +
                                       read_file(source_dir() + "/configs/prometheus/alerts.yml"));
        REQUIRE(used.size() >= 8);
        for (const auto& name : used) {
            INFO(name, " is used by the dashboard or an alert rule but the worker does not export it");
            CHECK(exported.count(name) == 1);
        }
        CHECK(series_value(exposition, R"(sluice_task_state{connector="mx.gen",task="0",state="RUNNING"})") == 1);
        CHECK(exposition.find("sluice_consumer_lag_records{connector=\"mx.archive\"") != std::string::npos);
        CHECK(series_value(exposition, R"(sluice_batch_records_count{connector="mx.gen")") > 0);
    }

    SUBCASE("the real prometheus server scrapes it") {
        const int prom_port = free_port();
        const std::string config = dir.file("prometheus.yml");
        write_file(config, "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                           "scrape_configs:\n  - job_name: sluice\n    static_configs:\n"
                           "      - targets: ['" + rest_target + "']\n");
        sluice::testing::SpawnOptions spawn;
        spawn.stdout_path = dir.file("prometheus.out");
        spawn.stderr_path = dir.file("prometheus.err");
        Process prometheus = Process::spawn({"prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir.file("tsdb"),
                                             "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
                                            spawn);
        const std::string query = "http://127.0.0.1:" + std::to_string(prom_port) +
                                  "/api/v1/query?query=sum(sluice_records_produced_total%7Bconnector%3D%22mx.gen%22%7D)";
        nlohmann::json answer;
        bool scraped = wait_until(
            [&] {
                std::string body = http_get(dir, query);
                if (body.empty()) return !prometheus.running();
                answer = nlohmann::json::parse(body, nullptr, false);
                return answer.is_object() && answer.value("status", "") == "success" &&
                       !answer["data"]["result"].empty();
            },
            60s, 500ms);
        REQUIRE_MESSAGE(scraped, "prometheus log:\n" << read_file(dir.file("prometheus.err")) << "\nlast answer: " << answer.dump());
        double produced = std::stod(answer["data"]["result"][0]["value"][1].get<std::string>());
        CHECK(produced > 0);
        std::string up = http_get(dir, "http://127.0.0.1:" + std::to_string(prom_port) + "/api/v1/query?query=up%7Bjob%3D%22sluice%22%7D");
        CHECK(up.find("\"1\"]") != std::string::npos);
    }

    auto status = run.stop(20s);
    REQUIRE(status);
    CHECK(*status == exited(0));
}
