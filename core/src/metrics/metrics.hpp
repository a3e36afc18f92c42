// The worker's Prometheus metrics: one registry per worker, served as text on GET /metrics.
//
// Two kinds of instruments. Hot-path ones (batch sizes and durations, REST requests) are
// prometheus-cpp histograms and counters that tasks and handlers observe directly. Everything
// a task already counts for itself (records, commits, state, lag) is read at scrape time from
// a snapshot source instead, so the data path pays nothing per record for metrics.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::metrics {

// What one task reports at scrape time.
struct TaskSample {
    std::string connector;
    int task = 0;
    std::string kind;    // "source" | "sink"
    std::string plugin;
    std::string state;   // Kafka Connect's state name: RUNNING, FAILED, ...
    double last_failure_seconds = 0;  // when it last failed (Unix epoch seconds); 0: never
    // counter name without the sluice_ prefix and _total suffix -> value,
    // e.g. {"records_polled", 12}; labels connector and task are added.
    std::vector<std::pair<std::string, uint64_t>> counters;
    // Counters with one more label (error handling: records_skipped by stage=TRANSFORMATION;
    // sink_records_skipped by reason=offset_out_of_range).
    struct LabelledCounter {
        std::string name;
        std::string label;
        std::string value_label;
        uint64_t value = 0;
    };
    std::vector<LabelledCounter> labelled_counters;
    struct Lag {
        std::string topic;
        int32_t partition = 0;
        int64_t records = 0;
    };
    std::vector<Lag> lag;
};

struct WorkerSample {
    std::vector<TaskSample> tasks;
    uint64_t plugin_load_failures = 0;  // files refused by the loader since start
    uint64_t plugins_loaded = 0;
};

// Where a batch was observed: "poll" (source), "put" (sink), "flush" (sink), "transform".
struct BatchInstruments {
    prometheus::Histogram* records = nullptr;
    prometheus::Histogram* seconds = nullptr;
    void observe(std::size_t count, double duration_seconds) const {
        if (records) records->Observe(static_cast<double>(count));
        if (seconds) seconds->Observe(duration_seconds);
    }
};

class Metrics {
public:
    Metrics(std::string worker_id, std::string version);
    ~Metrics();
    Metrics(const Metrics&) = delete;
    Metrics& operator=(const Metrics&) = delete;

    // The snapshot read at every scrape (the worker installs it).
    void set_sample_source(std::function<WorkerSample()> source);

    BatchInstruments batch(const std::string& connector, int task, std::string_view stage);
    // Drops a task's series (connector deleted or reconfigured).
    void forget(const std::string& connector);

    // route: the pattern (/connectors/{name}/status), not the raw path.
    void observe_rest_request(std::string_view route, std::string_view method, int status, double seconds);

    // Prometheus text exposition format 0.0.4.
    std::string serialize() const;
    static constexpr const char* content_type = "text/plain; version=0.0.4; charset=utf-8";

    prometheus::Registry& registry() { return *registry_; }

private:
    class SampleCollector;

    std::shared_ptr<prometheus::Registry> registry_;
    std::shared_ptr<SampleCollector> collector_;
    prometheus::Family<prometheus::Histogram>& batch_records_;
    prometheus::Family<prometheus::Histogram>& batch_seconds_;
    prometheus::Family<prometheus::Counter>& rest_requests_;
    prometheus::Family<prometheus::Histogram>& rest_seconds_;
    mutable std::mutex mutex_;
    std::vector<std::pair<std::string, prometheus::Histogram*>> batch_series_;  // by connector, for forget()
};

}  // namespace sluice::metrics
