#include "runtime/worker_metrics.hpp"

namespace sluice::runtime {

metrics::WorkerSample metrics_sample(const std::vector<ConnectorReport>& reports, const plugin::Registry& registry) {
    metrics::WorkerSample sample;
    sample.plugins_loaded = registry.all().size();
    sample.plugin_load_failures = registry.refused().size();
    for (const auto& c : reports) {
        const bool source = c.kind == config::ConnectorKind::source;
        for (const auto& t : c.tasks) {
            metrics::TaskSample s;
            s.connector = c.name;
            s.task = t.task_id;
            s.kind = source ? "source" : "sink";
            s.plugin = c.plugin;
            s.state = std::string(state_name(t.status.state));
            if (source) {
                s.counters = {{"records_polled", t.records_in}, {"records_produced", t.records_out}, {"bytes_produced", t.bytes_out}};
            } else {
                s.counters = {{"records_consumed", t.records_in}, {"records_written", t.records_out}};
            }
            s.counters.emplace_back("offset_commits", t.commits);
            s.counters.emplace_back("task_restarts", t.restarts);
            s.last_failure_seconds = t.last_failure_seconds;
            s.counters.emplace_back("offset_commit_failures", t.commit_failures);
            // The stages each kind can fail in, always exported so that rates and alerts
            // see zeros rather than absent series.
            const ErrorStage stages[] = {ErrorStage::transformation, source ? ErrorStage::task_poll : ErrorStage::task_put,
                                         source ? ErrorStage::kafka_produce : ErrorStage::kafka_consume};
            for (ErrorStage stage : stages) {
                const auto& e = t.errors.at(stage);
                const std::string name(stage_name(stage));
                s.labelled_counters.push_back({"records_errored", "stage", name, e.records_failed});
                s.labelled_counters.push_back({"records_skipped", "stage", name, e.records_skipped});
                s.labelled_counters.push_back({"records_retried", "stage", name, e.records_retried});
                s.labelled_counters.push_back({"records_dead_lettered", "stage", name, e.records_dead_lettered});
            }
            if (!source) s.labelled_counters.push_back({"sink_records_skipped", "reason", "offset_out_of_range", t.records_gap});
            for (const auto& l : t.lag) s.lag.push_back({l.topic, l.partition, l.records});
            sample.tasks.push_back(std::move(s));
        }
    }
    return sample;
}

}  // namespace sluice::runtime
