// What the worker tells Prometheus at each scrape: its connectors' reports and the plugin
// registry, turned into the metrics module's plain snapshot.
#pragma once

#include "metrics/metrics.hpp"
#include "plugin/registry.hpp"
#include "runtime/connector.hpp"

#include <vector>

namespace sluice::runtime {

metrics::WorkerSample metrics_sample(const std::vector<ConnectorReport>& reports, const plugin::Registry& registry);

}  // namespace sluice::runtime
