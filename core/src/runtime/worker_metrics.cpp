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
            s.counters.emplace_back("offset_commit_failures", t.commit_failures);
            for (const auto& l : t.lag) s.lag.push_back({l.topic, l.partition, l.records});
            sample.tasks.push_back(std::move(s));
        }
    }
    return sample;
}

}  // namespace sluice::runtime
