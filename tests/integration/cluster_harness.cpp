#include "cluster_harness.hpp"

#include <doctest/doctest.h>

namespace sluice::it {

std::vector<std::string> cluster_topics(const std::vector<std::string>& data) {
    std::vector<std::string> out = {"sluice-offsets:5", "sluice-configs:1", "sluice-status:5"};
    for (int i = 0; i < kSlotTopics; ++i) out.push_back("sluice-placement." + std::to_string(i) + ":1");
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

RestWorker& TestCluster::start(const std::string& id) {
    if (!files_.count(id)) {
        files_[id] = write_rest_worker_file(dir_, bootstrap_,
                                            "worker.id: " + id + "\n"
                                            "cluster.group.id: it-cluster\n"
                                            "cluster.session.timeout.ms: 3000\n"
                                            "cluster.topic.replication.factor: 1\n"
                                            "offsets.topic.partitions: 5\n"
                                            "offsets.topic.replication.factor: 1\n"
                                            "topic.creation.enable: false\n"
                                            "rest.file.allowed.paths: [\"" + dir_.path().string() + "\"]\n" + extra_,
                                            "worker-" + id + ".yaml");
    }
    workers_.erase(id);
    workers_[id] = std::make_unique<RestWorker>(dir_, files_[id]);
    return *workers_[id];
}

void TestCluster::kill(const std::string& id) {
    auto& w = *workers_.at(id);
    w.sluice().process().kill();
    ended_logs_.push_back(w.sluice().log());
    workers_.erase(id);
}

void TestCluster::stop(const std::string& id) {
    auto& w = *workers_.at(id);
    auto status = w.sluice().stop(30s);
    CHECK_MESSAGE(status.has_value(), "worker " << id << " did not stop");
    ended_logs_.push_back(w.sluice().log());
    workers_.erase(id);
}

std::vector<std::string> TestCluster::ids() const {
    std::vector<std::string> out;
    for (const auto& [id, w] : workers_) out.push_back(id);
    return out;
}

std::map<std::string, std::string> TestCluster::placement(const std::string& via, const std::vector<std::string>& connectors) {
    std::map<std::string, std::string> out;
    for (const auto& c : connectors) {
        auto r = worker(via).get("/connectors/" + c + "/status");
        if (r.status != 200 || !r.is_json()) continue;
        for (const auto& t : r.json["tasks"])
            if (t.value("state", "") == "RUNNING") out[c + "-" + std::to_string(t.value("id", -1))] = t.value("worker_id", "");
    }
    return out;
}

std::map<std::string, std::string> TestCluster::wait_settled(const std::map<std::string, int>& connectors,
                                                             std::chrono::milliseconds timeout) {
    std::vector<std::string> names;
    size_t total = 0;
    for (const auto& [c, n] : connectors) {
        names.push_back(c);
        total += static_cast<size_t>(n);
    }
    std::map<std::string, std::string> settled;
    testing::wait_until(
        [&] {
            std::map<std::string, std::string> first;
            bool same = true;
            for (const auto& id : ids()) {
                auto p = placement(id, names);
                if (first.empty()) first = p;
                else if (p != first) same = false;
            }
            if (!same || first.size() != total) return false;
            for (const auto& [task, worker] : first)
                if (!has(worker)) return false;  // still shown on a dead worker
            settled = first;
            return true;
        },
        timeout, 200ms);
    return settled;
}

size_t TestCluster::task_starts(const std::string& task) const {
    // "[<connector>/<id>] started ..." for source and sink tasks alike.
    const auto dash = task.rfind('-');
    const std::string needle = "[" + task.substr(0, dash) + "/" + task.substr(dash + 1) + "] started ";
    auto count = [&](const std::string& log) {
        size_t n = 0;
        for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
        return n;
    };
    size_t n = 0;
    for (const auto& log : ended_logs_) n += count(log);
    for (const auto& [id, w] : workers_) n += count(w->sluice().log());
    return n;
}

std::map<std::string, int> tasks_per_worker(const std::map<std::string, std::string>& placement) {
    std::map<std::string, int> out;
    for (const auto& [task, worker] : placement) ++out[worker];
    return out;
}

}  // namespace sluice::it
