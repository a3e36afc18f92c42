// Clusters of `sluice run` workers on one sluice-mock-kafka, for the distributed-mode tests:
// worker files sharing a cluster.group.id, the cluster's topics created up front (the mock
// has no CreateTopics), and reading the whole cluster's placement from any worker's REST.
#pragma once

#include "rest_client.hpp"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace sluice::it {

constexpr int kSlotTopics = 16;

// The cluster's internal topics (offsets, config, status, slot topics) plus `data`.
std::vector<std::string> cluster_topics(const std::vector<std::string>& data);

class TestCluster {
public:
    // `extra`: more worker-file lines for every worker.
    TestCluster(const TempDir& dir, const std::string& bootstrap, std::string extra = "")
        : dir_(dir), bootstrap_(bootstrap), extra_(std::move(extra)) {}
    // Starts worker `id` (its worker file written once, reused on restart).
    RestWorker& start(const std::string& id);
    RestWorker& worker(const std::string& id) { return *workers_.at(id); }
    bool has(const std::string& id) const { return workers_.count(id) > 0; }
    // kill -9.
    void kill(const std::string& id);
    // SIGTERM, waits for the end.
    void stop(const std::string& id);
    std::vector<std::string> ids() const;

    // task ("<connector>-<id>") -> worker id, as `via` sees it; only RUNNING tasks.
    std::map<std::string, std::string> placement(const std::string& via, const std::vector<std::string>& connectors);
    // Waits until every task of `connectors` (their task counts given) is RUNNING on a live
    // worker and every live worker reports the same placement; that placement, empty on timeout.
    std::map<std::string, std::string> wait_settled(const std::map<std::string, int>& connectors, std::chrono::milliseconds timeout);
    // Lines "<connector>/<task>] started" in every log of worker `id` (all its runs).
    size_t task_starts(const std::string& task) const;

private:
    const TempDir& dir_;
    std::string bootstrap_;
    std::string extra_;
    std::map<std::string, std::unique_ptr<RestWorker>> workers_;
    std::map<std::string, std::string> files_;
    std::vector<std::string> ended_logs_;  // logs of killed or stopped runs
};

std::map<std::string, int> tasks_per_worker(const std::map<std::string, std::string>& placement);

}  // namespace sluice::it
