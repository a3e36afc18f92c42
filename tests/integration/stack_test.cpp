// The docker-compose stack, checked without a Docker engine: the compose file, the
// Prometheus configuration and alert rules, the Grafana provisioning and dashboard, and
// that every sluice metric they use is one a running worker really exports.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace sluice::it;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "cannot read " << path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::set<std::string> sluice_metric_names(const std::string& text) {
    std::set<std::string> names;
    std::regex name(R"(\bsluice_[a-z_]+)");
    for (std::sregex_iterator it(text.begin(), text.end(), name), end; it != end; ++it) names.insert(it->str());
    return names;
}

// Every PromQL expression of the dashboard.
std::string dashboard_queries(const nlohmann::json& dashboard) {
    std::string all;
    for (const auto& panel : dashboard.at("panels"))
        for (const auto& target : panel.value("targets", nlohmann::json::array())) all += target.at("expr").get<std::string>() + "\n";
    for (const auto& variable : dashboard.at("templating").at("list")) all += variable.value("definition", "") + "\n";
    return all;
}

}  // namespace

TEST_CASE("docker-compose.yml is a valid compose file with the whole stack") {
    TempDir dir;
    auto r = sluice::testing::run({"docker-compose", "-f", source_dir() + "/docker-compose.yml", "config", "-q"}, dir.path().string());
    INFO(r.err);
    CHECK(r.status == exited(0));
    auto services = sluice::testing::run({"docker-compose", "-f", source_dir() + "/docker-compose.yml", "config", "--services"},
                                         dir.path().string());
    REQUIRE(services.status == exited(0));
    for (const char* s : {"kafka-1", "kafka-2", "kafka-3", "clickhouse", "sluice-1", "sluice-2", "sluice-3", "sluice-pipelines",
                          "prometheus", "grafana"}) {
        INFO(s);
        CHECK(services.out.find(std::string(s) + "\n") != std::string::npos);
    }
}

TEST_CASE("a broken compose file is refused by the same check") {
    TempDir dir;
    std::string broken = dir.file("docker-compose.yml");
    std::ofstream(broken) << "version: \"3.8\"\nservices:\n  sluice:\n    build: .\n    ports: 8083\n";
    auto r = sluice::testing::run({"docker-compose", "-f", broken, "config", "-q"}, dir.path().string());
    CHECK_FALSE(r.status == exited(0));
}

TEST_CASE("Prometheus configuration and alert rules pass promtool") {
    TempDir dir;
    auto config = sluice::testing::run(
        {"promtool", "check", "config", "--syntax-only", source_dir() + "/configs/prometheus/prometheus.yml"}, dir.path().string());
    INFO(config.out, config.err);
    CHECK(config.status == exited(0));
    auto rules = sluice::testing::run({"promtool", "check", "rules", source_dir() + "/configs/prometheus/alerts.yml"}, dir.path().string());
    INFO(rules.out, rules.err);
    CHECK(rules.status == exited(0));
    for (const char* alert : {"SluiceTaskFailed", "SluiceConsumerLagGrowing", "SluiceSourceSilent"}) {
        INFO(alert);
        CHECK(read_file(source_dir() + "/configs/prometheus/alerts.yml").find(alert) != std::string::npos);
    }
}

TEST_CASE("the Grafana dashboard parses and covers throughput, lag, errors and task states") {
    auto dashboard = nlohmann::json::parse(read_file(source_dir() + "/configs/grafana/dashboards/sluice.json"));
    std::string queries = dashboard_queries(dashboard);
    auto names = sluice_metric_names(queries);
    for (const char* needed : {"sluice_records_produced_total", "sluice_records_written_total", "sluice_consumer_lag_records",
                               "sluice_records_errored_total", "sluice_task_state"}) {
        INFO(needed);
        CHECK(names.count(needed) == 1);
    }
    // The datasource the provisioning file declares is the one every panel uses.
    std::string datasource = read_file(source_dir() + "/configs/grafana/provisioning/datasources/prometheus.yml");
    CHECK(datasource.find("uid: prometheus") != std::string::npos);
    for (const auto& panel : dashboard.at("panels")) CHECK(panel.at("datasource").at("uid") == "prometheus");
}

TEST_CASE("the stack's worker file and pipeline validate with the environment compose gives them") {
    TempDir dir;
    const std::string compose = read_file(source_dir() + "/docker-compose.yml");
    // The pipeline loader submits the pipelines mounted from configs/docker/pipelines to the
    // cluster, whose workers run the cluster worker file (unit.deploy checks the rest).
    REQUIRE(compose.find("for p in traffic-to-clickhouse traffic-to-postgres") != std::string::npos);
    REQUIRE(compose.find("./configs/docker/pipelines:/etc/sluice/stack") != std::string::npos);
    REQUIRE(compose.find("/etc/sluice/cluster-worker.yaml") != std::string::npos);
    sluice::testing::SpawnOptions env;
    env.env = {{"CLICKHOUSE_URL", "http://clickhouse:8123"}, {"CLICKHOUSE_USER", "sluice"}, {"CLICKHOUSE_PASSWORD", "secret"},
               {"SLUICE_WORKER_ID", "sluice-1"}};
    auto r = run_sluice(dir,
                        {"validate", "--worker", source_dir() + "/configs/docker/cluster-worker.yaml", "--plugin-dir", plugin_dir(),
                         source_dir() + "/configs/docker/pipelines/traffic-to-clickhouse.yaml"},
                        30s, env);
    INFO(r.out, r.err);
    CHECK(r.status == exited(0));
    CHECK(r.out.find("sink clickhouse <- traffic.readings") != std::string::npos);
}
