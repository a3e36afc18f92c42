// Distributed mode (docs/architecture.md, "Cluster"): this worker's membership of a cluster of
// workers sharing one Kafka. Three parts, each on Kafka alone:
//
// - the config topic, read from the beginning and followed: every worker applies every
//   record to its own control plane, so every worker holds every connector; REST writes on
//   any worker go to the topic and answer once this worker has applied them;
// - task placement: each task has a slot (ConfigState), each slot a 1-partition topic, and
//   the consumer group <cluster.group.id> (cooperative-sticky, static membership) gives every
//   slot topic to exactly one worker; a worker runs the tasks of the slots it owns, and ends
//   them before it gives a slot up;
// - the status topic: each worker writes the state of the tasks it runs; status answers on
//   any worker show every task with the worker that runs it.
#pragma once

#include "cluster/config_state.hpp"
#include "cluster/status_board.hpp"
#include "config/pipeline_config.hpp"
#include "control/control_plane.hpp"
#include "runtime/task_placement.hpp"
#include "runtime/worker.hpp"

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace sluice::kafka {
class TopicFollower;
class KeyedWriter;
struct FollowedRecord;
}  // namespace sluice::kafka

namespace sluice::cluster {

struct ClusterInstruments;

class Coordinator final : public control::ClusterWrites, public runtime::TaskPlacement {
public:
    // Installs itself as the worker's placement and the control plane's cluster: before the
    // worker starts any connector.
    Coordinator(runtime::Worker& worker, control::ControlPlane& control);
    ~Coordinator() override;
    Coordinator(const Coordinator&) = delete;
    Coordinator& operator=(const Coordinator&) = delete;

    // After the worker started (Kafka reached): the cluster's topics made sure of, the config
    // topic read to its end and applied, the status topic followed, the placement group
    // joined. False (error) when the cluster cannot be reached.
    bool start(std::string& error);
    // Pipelines given on the command line: written to the config topic unless it holds the
    // same YAML already (so every worker may be given the same files). False (error) when the
    // write fails.
    bool submit(const std::vector<config::PipelineSpec>& pipelines, std::string& error);
    // Leaves the placement group and stops following (after the worker's tasks have ended).
    void stop();

    // Applies a cluster-scoped logger change (KIP-495) on every worker: set by the app.
    void on_logger(std::function<void(const std::string& logger, const std::string& level)> apply) { apply_logger_ = std::move(apply); }
    // Writes a logger change for every worker.
    void put_logger(const std::string& logger, const std::string& level);

    // runtime::TaskPlacement
    bool runs(const std::string& connector, int task_id) const override;

    // control::ClusterWrites
    void put_connector(const std::string& name, const std::map<std::string, std::string>& flat, int tasks,
                       std::optional<runtime::TargetState> target) override;
    void delete_connector(const std::string& name) override;
    void put_target(const std::string& name, runtime::TargetState target) override;
    void restart(const std::string& name, bool include_tasks, bool only_failed, int task) override;
    void put_pipeline(const std::string& name, const std::string& yaml, const std::map<std::string, int>& tasks) override;
    void delete_pipeline(const std::string& name) override;
    std::string apply_error(const std::string& name) const override;
    runtime::ConnectorReport cluster_report(runtime::ConnectorReport local, int tasks) const override;
    bool tasks_reported(const std::string& name) const override;

    // For tests and metrics.
    std::set<int> owned_slots() const;
    int32_t generation() const { return generation_.load(); }

private:
    void on_config(const kafka::FollowedRecord& record);
    void apply(const Change& change);
    void placement_loop();
    void publish_loop();
    void publish_once();
    void write_config(const std::vector<std::pair<std::string, std::optional<std::string>>>& records);
    void write_status_tombstones(const std::string& connector, int tasks);
    std::string slot_topic(int slot) const;
    int write_timeout_ms() const;
    std::optional<int> slot_of_topic(const std::string& topic) const;
    void rebalanced(const std::set<std::string>& topics, bool assigned, bool lost);

    runtime::Worker& worker_;
    control::ControlPlane& control_;
    const config::ClusterConfig settings_;
    std::unique_ptr<kafka::KeyedWriter> config_writer_, status_writer_;
    std::unique_ptr<kafka::TopicFollower> config_reader_, status_reader_;
    std::unique_ptr<ClusterInstruments> instruments_;
    std::function<void(const std::string&, const std::string&)> apply_logger_;

    mutable std::mutex state_mutex_;  // state_, owned_, apply_errors_
    ConfigState state_;
    std::set<int> owned_;
    std::map<std::string, std::string> apply_errors_;
    std::atomic<bool> live_{false};   // the config topic was read to its end once: requests are applied from here on
    std::atomic<int32_t> generation_{-1};
    StatusBoard board_;

    std::mutex publish_mutex_;
    std::condition_variable publish_wake_;
    std::map<std::string, std::string> published_;  // status key -> value this worker wrote last

    std::atomic<bool> stopping_{false};
    std::thread placement_thread_, publish_thread_, restart_thread_;
    std::mutex restarts_mutex_;
    std::condition_variable restarts_wake_;
    std::vector<RestartRequest> restarts_;  // applied off the reader's thread: a restart waits for tasks
};

}  // namespace sluice::cluster
