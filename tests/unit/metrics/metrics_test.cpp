#include "metrics/metrics.hpp"

#include <doctest/doctest.h>

#include <regex>
#include <string>

using sluice::metrics::Metrics;
using sluice::metrics::TaskSample;
using sluice::metrics::WorkerSample;

namespace {

// The value of one exact series line ("name{labels} value"), or -1 when absent.
double value_of(const std::string& text, const std::string& series) {
    auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    at += series.size() + 2;
    return std::stod(text.substr(at, text.find('\n', at) - at));
}

WorkerSample one_sink() {
    TaskSample t;
    t.connector = "demo.archive";
    t.task = 0;
    t.kind = "sink";
    t.plugin = "file";
    t.state = "RUNNING";
    t.counters = {{"records_consumed", 42}, {"records_written", 40}, {"offset_commits", 3}};
    t.lag = {{"traffic", 2, 17}};
    t.labelled_counters = {{"records_dead_lettered", "stage", "TRANSFORMATION", 5}, {"records_dead_lettered", "stage", "TASK_PUT", 1}};
    WorkerSample s;
    s.tasks.push_back(t);
    s.plugin_load_failures = 1;
    s.plugins_loaded = 4;
    return s;
}

}  // namespace

TEST_CASE("task counters, states and lag are read from the sample at scrape time") {
    Metrics m("w1", "0.1.0");
    WorkerSample sample = one_sink();
    m.set_sample_source([&] { return sample; });
    std::string text = m.serialize();
    CHECK(value_of(text, R"(sluice_records_consumed_total{connector="demo.archive",task="0"})") == 42);
    CHECK(value_of(text, R"(sluice_records_written_total{connector="demo.archive",task="0"})") == 40);
    CHECK(value_of(text, R"(sluice_offset_commits_total{connector="demo.archive",task="0"})") == 3);
    CHECK(value_of(text, R"(sluice_task_state{connector="demo.archive",task="0",state="RUNNING"})") == 1);
    CHECK(value_of(text, R"(sluice_task_state{connector="demo.archive",task="0",state="FAILED"})") == 0);
    CHECK(value_of(text, R"(sluice_consumer_lag_records{connector="demo.archive",task="0",topic="traffic",partition="2"})") == 17);
    CHECK(value_of(text, R"(sluice_records_dead_lettered_total{connector="demo.archive",task="0",stage="TRANSFORMATION"})") == 5);
    CHECK(value_of(text, R"(sluice_records_dead_lettered_total{connector="demo.archive",task="0",stage="TASK_PUT"})") == 1);
    CHECK(value_of(text, "sluice_plugin_load_failures_total") == 1);
    CHECK(value_of(text, "sluice_plugins_loaded") == 4);
    CHECK(text.find("# TYPE sluice_records_consumed_total counter") != std::string::npos);
    CHECK(text.find("# HELP sluice_records_consumed_total Records a sink task read from Kafka.") != std::string::npos);
    CHECK(text.find(R"(sluice_worker_info{worker_id="w1",version="0.1.0"} 1)") != std::string::npos);

    sample.tasks[0].counters[0].second = 50;  // the next scrape sees the new value
    sample.tasks[0].state = "FAILED";
    text = m.serialize();
    CHECK(value_of(text, R"(sluice_records_consumed_total{connector="demo.archive",task="0"})") == 50);
    CHECK(value_of(text, R"(sluice_task_state{connector="demo.archive",task="0",state="FAILED"})") == 1);
}

TEST_CASE("batch histograms count observations per connector, task and stage; forget drops them") {
    Metrics m("w1", "0.1.0");
    auto poll = m.batch("demo.traffic", 1, "poll");
    poll.observe(500, 0.002);
    poll.observe(20, 0.0004);
    std::string text = m.serialize();
    CHECK(value_of(text, R"(sluice_batch_records_count{connector="demo.traffic",stage="poll",task="1"})") == 2);
    CHECK(value_of(text, R"(sluice_batch_records_sum{connector="demo.traffic",stage="poll",task="1"})") == 520);
    CHECK(value_of(text, R"(sluice_batch_records_bucket{connector="demo.traffic",stage="poll",task="1",le="100"})") == 1);
    CHECK(value_of(text, R"(sluice_batch_duration_seconds_count{connector="demo.traffic",stage="poll",task="1"})") == 2);
    m.forget("demo.traffic");
    CHECK(m.serialize().find("demo.traffic") == std::string::npos);
}

TEST_CASE("REST requests are counted by route pattern, method and status") {
    Metrics m("w1", "0.1.0");
    m.observe_rest_request("/connectors/{name}/status", "GET", 200, 0.001);
    m.observe_rest_request("/connectors/{name}/status", "GET", 200, 0.002);
    m.observe_rest_request("/connectors/{name}/status", "GET", 404, 0.001);
    std::string text = m.serialize();
    CHECK(value_of(text, R"(sluice_rest_requests_total{method="GET",route="/connectors/{name}/status",status="200"})") == 2);
    CHECK(value_of(text, R"(sluice_rest_requests_total{method="GET",route="/connectors/{name}/status",status="404"})") == 1);
    CHECK(value_of(text, R"(sluice_rest_request_duration_seconds_count{method="GET",route="/connectors/{name}/status"})") == 3);
}

TEST_CASE("every exported name follows Prometheus conventions") {
    Metrics m("w1", "0.1.0");
    WorkerSample sample = one_sink();
    m.set_sample_source([&] { return sample; });
    m.batch("demo.archive", 0, "put").observe(1, 0.1);
    m.observe_rest_request("/", "GET", 200, 0.001);
    std::string text = m.serialize();
    std::regex type_line(R"(# TYPE (\S+) (\S+))");
    int families = 0;
    for (std::sregex_iterator it(text.begin(), text.end(), type_line), end; it != end; ++it) {
        ++families;
        std::string name = (*it)[1], type = (*it)[2];
        INFO(name);
        CHECK(name.rfind("sluice_", 0) == 0);
        CHECK(std::regex_match(name, std::regex("[a-z_]+")));
        if (type == "counter") CHECK(name.size() > 6);
        if (type == "counter") CHECK(name.substr(name.size() - 6) == "_total");
        if (type != "counter") CHECK(name.find("_total") == std::string::npos);
    }
    CHECK(families >= 10);
}
