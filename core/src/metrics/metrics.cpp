#include "metrics/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <chrono>
#include <map>

namespace sluice::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Help texts of the counters tasks report; a name missing here still gets exported.
const std::map<std::string, std::string, std::less<>> kCounterHelp = {
    {"records_polled", "Records a source task received from its plugin's poll()."},
    {"records_produced", "Records a source task wrote to Kafka and Kafka acknowledged."},
    {"records_consumed", "Records a sink task read from Kafka."},
    {"records_written", "Records a sink task handed to its plugin's put() and the plugin accepted."},
    {"records_dropped", "Records removed on purpose by a transform (filter)."},
    {"records_errored", "Records that failed a stage (transform, put, poll, produce), tolerated or not."},
    {"records_skipped", "Failed records skipped under errors.tolerance=all."},
    {"records_retried", "Retries of failed operations under errors.retry.timeout."},
    {"records_dead_lettered", "Failed records written to the dead-letter topic."},
    {"bytes_produced", "Bytes of keys and values a source task wrote to Kafka."},
    {"offset_commits", "Successful offset commits (source offsets topic or sink consumer group)."},
    {"offset_commit_failures", "Failed offset commits."},
    {"task_restarts", "Automatic restarts of the task by its connector's restart.policy (manual REST restarts not counted)."},
    {"sink_records_skipped",
     "Records a sink task never read: deleted from Kafka (retention, a recreated topic) before it got to them."},
};

const char* const kStates[] = {"UNASSIGNED", "RUNNING", "PAUSED", "FAILED", "RESTARTING", "STOPPED"};

ClientMetric metric(std::vector<ClientMetric::Label> labels) {
    ClientMetric m;
    m.label = std::move(labels);
    return m;
}

MetricFamily family(std::string name, std::string help, MetricType type) {
    MetricFamily f;
    f.name = std::move(name);
    f.help = std::move(help);
    f.type = type;
    return f;
}

MetricFamily& counter_family(std::map<std::string, MetricFamily>& families, const std::string& name) {
    auto it = families.find(name);
    if (it == families.end()) {
        auto help = kCounterHelp.find(name);
        it = families.emplace(name, family("sluice_" + name + "_total", help != kCounterHelp.end() ? help->second : name,
                                           MetricType::Counter))
                 .first;
    }
    return it->second;
}

std::vector<double> size_buckets() { return {1, 10, 100, 500, 1000, 5000, 10000, 50000}; }
std::vector<double> duration_buckets() {
    return {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30};
}

}  // namespace

// Turns the worker's snapshot into families at scrape time.
class Metrics::SampleCollector : public prometheus::Collectable {
public:
    SampleCollector(std::string worker_id, std::string version)
        : worker_id_(std::move(worker_id)),
          version_(std::move(version)),
          started_(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count()) {}

    void set_source(std::function<WorkerSample()> source) {
        std::lock_guard lock(mutex_);
        source_ = std::move(source);
    }

    std::vector<MetricFamily> Collect() const override {
        WorkerSample sample;
        {
            std::lock_guard lock(mutex_);
            if (source_) sample = source_();
        }
        std::vector<MetricFamily> out;

        auto info = family("sluice_worker_info", "Always 1; labels name the worker and its version.", MetricType::Gauge);
        info.metric.push_back(metric({{"worker_id", worker_id_}, {"version", version_}}));
        info.metric.back().gauge.value = 1;
        out.push_back(std::move(info));
        auto start = family("sluice_worker_start_time_seconds", "When the worker started, in seconds since the Unix epoch.",
                            MetricType::Gauge);
        start.metric.push_back(metric({}));
        start.metric.back().gauge.value = started_;
        out.push_back(std::move(start));

        auto failures = family("sluice_plugin_load_failures_total", "Plugin files the loader refused since the worker started.",
                               MetricType::Counter);
        failures.metric.push_back(metric({}));
        failures.metric.back().counter.value = static_cast<double>(sample.plugin_load_failures);
        out.push_back(std::move(failures));
        auto loaded = family("sluice_plugins_loaded", "Plugins (connectors, transforms, predicates) currently loaded.",
                             MetricType::Gauge);
        loaded.metric.push_back(metric({}));
        loaded.metric.back().gauge.value = static_cast<double>(sample.plugins_loaded);
        out.push_back(std::move(loaded));

        auto states = family("sluice_task_state",
                             "1 for the task's current state (Kafka Connect's names), 0 for the others.", MetricType::Gauge);
        auto lag = family("sluice_consumer_lag_records",
                          "Records between a sink task's position and the partition's high watermark.", MetricType::Gauge);
        auto last_failure = family("sluice_task_last_failure_timestamp_seconds",
                                   "When the task last failed, in seconds since the Unix epoch (absent: never).", MetricType::Gauge);
        std::map<std::string, MetricFamily> counters;
        for (const auto& t : sample.tasks) {
            const std::string task = std::to_string(t.task);
            if (t.last_failure_seconds > 0) {
                last_failure.metric.push_back(metric({{"connector", t.connector}, {"task", task}}));
                last_failure.metric.back().gauge.value = t.last_failure_seconds;
            }
            for (const char* s : kStates) {
                states.metric.push_back(metric({{"connector", t.connector}, {"task", task}, {"state", s}}));
                states.metric.back().gauge.value = t.state == s ? 1 : 0;
            }
            for (const auto& [name, value] : t.counters) {
                auto& f = counter_family(counters, name);
                f.metric.push_back(metric({{"connector", t.connector}, {"task", task}}));
                f.metric.back().counter.value = static_cast<double>(value);
            }
            for (const auto& c : t.labelled_counters) {
                auto& f = counter_family(counters, c.name);
                f.metric.push_back(metric({{"connector", t.connector}, {"task", task}, {c.label, c.value_label}}));
                f.metric.back().counter.value = static_cast<double>(c.value);
            }
            for (const auto& l : t.lag) {
                lag.metric.push_back(metric({{"connector", t.connector},
                                             {"task", task},
                                             {"topic", l.topic},
                                             {"partition", std::to_string(l.partition)}}));
                lag.metric.back().gauge.value = static_cast<double>(l.records);
            }
        }
        out.push_back(std::move(states));
        out.push_back(std::move(lag));
        out.push_back(std::move(last_failure));
        for (auto& [name, f] : counters) out.push_back(std::move(f));
        return out;
    }

private:
    std::string worker_id_, version_;
    double started_;
    mutable std::mutex mutex_;
    std::function<WorkerSample()> source_;
};

Metrics::Metrics(std::string worker_id, std::string version)
    : registry_(std::make_shared<prometheus::Registry>()),
      collector_(std::make_shared<SampleCollector>(std::move(worker_id), std::move(version))),
      batch_records_(prometheus::BuildHistogram()
                         .Name("sluice_batch_records")
                         .Help("Records per batch, by stage: poll (source), put and flush (sink).")
                         .Register(*registry_)),
      batch_seconds_(prometheus::BuildHistogram()
                         .Name("sluice_batch_duration_seconds")
                         .Help("Time a plugin spent on one batch, by stage: poll (source), put and flush (sink).")
                         .Register(*registry_)),
      rest_requests_(prometheus::BuildCounter()
                         .Name("sluice_rest_requests_total")
                         .Help("REST requests answered, by route pattern, method and status code.")
                         .Register(*registry_)),
      rest_seconds_(prometheus::BuildHistogram()
                        .Name("sluice_rest_request_duration_seconds")
                        .Help("Time to answer a REST request, by route pattern and method.")
                        .Register(*registry_)) {}

Metrics::~Metrics() = default;

void Metrics::set_sample_source(std::function<WorkerSample()> source) { collector_->set_source(std::move(source)); }

BatchInstruments Metrics::batch(const std::string& connector, int task, std::string_view stage) {
    prometheus::Labels labels{{"connector", connector}, {"task", std::to_string(task)}, {"stage", std::string(stage)}};
    BatchInstruments b;
    b.records = &batch_records_.Add(labels, size_buckets());
    b.seconds = &batch_seconds_.Add(labels, duration_buckets());
    std::lock_guard lock(mutex_);
    batch_series_.emplace_back(connector, b.records);
    batch_series_.emplace_back(connector, b.seconds);
    return b;
}

void Metrics::forget(const std::string& connector) {
    std::lock_guard lock(mutex_);
    auto keep = std::stable_partition(batch_series_.begin(), batch_series_.end(),
                                      [&](const auto& s) { return s.first != connector; });
    for (auto it = keep; it != batch_series_.end(); it += 2) {
        batch_records_.Remove(it->second);
        batch_seconds_.Remove((it + 1)->second);
    }
    batch_series_.erase(keep, batch_series_.end());
}

void Metrics::observe_rest_request(std::string_view route, std::string_view method, int status, double seconds) {
    rest_requests_
        .Add({{"route", std::string(route)}, {"method", std::string(method)}, {"status", std::to_string(status)}})
        .Increment();
    rest_seconds_.Add({{"route", std::string(route)}, {"method", std::string(method)}}, duration_buckets()).Observe(seconds);
}

std::string Metrics::serialize() const {
    auto families = registry_->Collect();
    auto sampled = collector_->Collect();
    families.insert(families.end(), std::make_move_iterator(sampled.begin()), std::make_move_iterator(sampled.end()));
    return prometheus::TextSerializer().Serialize(families);
}

}  // namespace sluice::metrics
