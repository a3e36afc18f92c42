#include "cluster/coordinator.hpp"

#include "common/log.hpp"
#include "kafka/group_member.hpp"
#include "kafka/internal_topic.hpp"
#include "kafka/topic_follower.hpp"
#include "kafka/write_and_wait.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

namespace sluice::cluster {

struct ClusterInstruments {
    explicit ClusterInstruments(prometheus::Registry& registry)
        : tasks(prometheus::BuildGauge().Name("sluice_cluster_tasks").Help("Tasks placed on this worker").Register(registry).Add({})),
          slots(prometheus::BuildGauge().Name("sluice_cluster_slots_owned").Help("Task slots this worker owns in the placement group").Register(registry).Add({})),
          rebalances(prometheus::BuildCounter()
                         .Name("sluice_cluster_rebalances_total")
                         .Help("Placement changes this worker took part in (slots assigned or revoked)")
                         .Register(registry)
                         .Add({})),
          last_rebalance(prometheus::BuildGauge()
                             .Name("sluice_cluster_last_rebalance_timestamp_seconds")
                             .Help("When this worker's placement last changed (Unix epoch seconds)")
                             .Register(registry)
                             .Add({})),
          generation(prometheus::BuildGauge()
                         .Name("sluice_cluster_generation")
                         .Help("The placement group's generation of this worker's latest assignment")
                         .Register(registry)
                         .Add({})) {}
    prometheus::Gauge& tasks;
    prometheus::Gauge& slots;
    prometheus::Counter& rebalances;
    prometheus::Gauge& last_rebalance;
    prometheus::Gauge& generation;
};

namespace {

using Clock = std::chrono::steady_clock;

// Anything Kafka accepts as a group.instance.id, derived from names that may hold any byte.
std::string instance_id(const std::string& group, const std::string& worker) {
    std::string out = group + "-" + worker;
    for (char& c : out)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) c = '_';
    return out.substr(0, 249);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace

Coordinator::Coordinator(runtime::Worker& worker, control::ControlPlane& control)
    : worker_(worker), control_(control), settings_(worker.config().cluster) {
    worker_.use_placement(this);
    control_.use_cluster(this);
    instruments_ = std::make_unique<ClusterInstruments>(worker_.metrics().registry());
}

Coordinator::~Coordinator() { stop(); }

// How long a write to the cluster's topics may take: the REST wait, at least a second.
int Coordinator::write_timeout_ms() const {
    return static_cast<int>(std::max<int64_t>(worker_.config().rest_lifecycle_wait_ms, 1000));
}

std::string Coordinator::slot_topic(int slot) const { return settings_.placement_topic + "." + std::to_string(slot); }

std::optional<int> Coordinator::slot_of_topic(const std::string& topic) const {
    const std::string prefix = settings_.placement_topic + ".";
    if (topic.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
    try {
        size_t used = 0;
        int slot = std::stoi(topic.substr(prefix.size()), &used);
        if (used != topic.size() - prefix.size() || slot < 0) return std::nullopt;
        return slot;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

bool Coordinator::start(std::string& error) {
    kafka::Cluster& cluster = *worker_.cluster();
    const kafka::InternalTopic config_topic{settings_.config_topic, "config", "cluster.topic.", 1, settings_.topic_replication};
    const kafka::InternalTopic status_topic{settings_.status_topic, "status", "cluster.topic.", settings_.status_topic_partitions,
                                            settings_.topic_replication};
    for (const auto* t : {&config_topic, &status_topic})
        if (auto problem = kafka::ensure_internal_topic(cluster, *t)) {
            error = *problem;
            return false;
        }
    config_writer_ = std::make_unique<kafka::KeyedWriter>(cluster, "cluster-config");
    status_writer_ = std::make_unique<kafka::KeyedWriter>(cluster, "cluster-status");
    const std::string reader = "sluice-" + settings_.group_id + "-reader";
    status_reader_ = std::make_unique<kafka::TopicFollower>(cluster, settings_.status_topic, reader,
                                                            [this](const kafka::FollowedRecord& r) { board_.apply(r.key, r.value); });
    config_reader_ = std::make_unique<kafka::TopicFollower>(cluster, settings_.config_topic, reader,
                                                            [this](const kafka::FollowedRecord& r) { on_config(r); });
    const auto wait = std::chrono::milliseconds(30000);
    if (!status_reader_->start(wait, error) || !status_reader_->sync(wait, error)) {
        error = "cluster status topic: " + error;
        return false;
    }
    if (!config_reader_->start(wait, error) || !config_reader_->sync(wait, error)) {
        error = "cluster config topic: " + error;
        return false;
    }
    std::string ignored;
    if (auto partitions = cluster.partition_count(settings_.config_topic, 10000, ignored); partitions && *partitions > 1)
        log::warn("cluster: the config topic ", settings_.config_topic, " has ", *partitions,
                  " partitions (a broker's auto-creation?): only partition 0 is written, so that every worker reads changes in "
                  "one order; create it with 1 partition");
    live_ = true;
    {
        std::lock_guard lock(state_mutex_);
        log::info("cluster ", settings_.group_id, ": read the config topic ", settings_.config_topic, " (", state_.connectors().size(),
                  " connectors, ", state_.pipelines().size(), " pipelines, ", state_.used_slots().size(), " task slots); joining the placement group",
                  settings_.static_membership ? " as static member " + instance_id(settings_.group_id, worker_.id()) : std::string());
    }
    placement_thread_ = std::thread([this] { placement_loop(); });
    publish_thread_ = std::thread([this] { publish_loop(); });
    restart_thread_ = std::thread([this] {
        std::unique_lock lock(restarts_mutex_);
        while (!stopping_) {
            restarts_wake_.wait(lock, [this] { return stopping_ || !restarts_.empty(); });
            auto due = std::move(restarts_);
            restarts_.clear();
            lock.unlock();
            for (const auto& r : due) control_.apply_restart(r.name, r.include_tasks, r.only_failed, r.task);
            lock.lock();
        }
    });
    return true;
}

void Coordinator::stop() {
    if (stopping_.exchange(true)) return;
    restarts_wake_.notify_all();
    publish_wake_.notify_all();
    if (restart_thread_.joinable()) restart_thread_.join();
    if (publish_thread_.joinable()) publish_thread_.join();
    if (placement_thread_.joinable()) placement_thread_.join();
    if (config_reader_) config_reader_->stop();
    if (status_reader_) status_reader_->stop();
}

// ---- the config topic ----

void Coordinator::on_config(const kafka::FollowedRecord& record) {
    Change change;
    {
        std::lock_guard lock(state_mutex_);
        change = state_.apply(record.key, record.value);
    }
    if (change.kind == Change::Kind::invalid) log::warn("cluster config topic @", record.offset, ": ", change.detail);
    apply(change);
}

void Coordinator::apply(const Change& change) {
    using K = Change::Kind;
    std::string error;
    switch (change.kind) {
    case K::connector: {
        std::optional<ConnectorRecord> record;
        runtime::TargetState target;
        {
            std::lock_guard lock(state_mutex_);
            if (auto it = state_.connectors().find(change.name); it != state_.connectors().end()) record = it->second;
            target = state_.target(change.name);
        }
        if (!control_.apply_connector(change.name, record ? &record->properties : nullptr, target, error))
            log::error("cluster: connector ", change.name, " cannot run on this worker: ", error);
        std::lock_guard lock(state_mutex_);
        apply_errors_[change.name] = error;
        break;
    }
    case K::target: {
        runtime::TargetState target;
        {
            std::lock_guard lock(state_mutex_);
            target = state_.target(change.name);
        }
        control_.apply_target(change.name, target);
        break;
    }
    case K::pipeline: {
        std::optional<PipelineRecord> record;
        std::map<std::string, runtime::TargetState> targets;
        {
            std::lock_guard lock(state_mutex_);
            if (auto it = state_.pipelines().find(change.name); it != state_.pipelines().end()) {
                record = it->second;
                targets = state_.targets_of(it->second);
            }
        }
        if (!control_.apply_pipeline(change.name, record ? &record->yaml : nullptr, targets, record && record->command_line, error))
            log::error("cluster: pipeline ", change.name, " cannot run on this worker: ", error);
        std::lock_guard lock(state_mutex_);
        apply_errors_["pipeline " + change.name] = error;
        break;
    }
    case K::restart:
        // A request read while catching up at start is history: it was served back then.
        if (!live_) break;
        {
            std::lock_guard lock(restarts_mutex_);
            restarts_.push_back(change.restart);
        }
        restarts_wake_.notify_all();
        break;
    case K::logger:
        if (live_ && apply_logger_) apply_logger_(change.name, change.detail);
        break;
    default: break;
    }
    publish_wake_.notify_all();
}

void Coordinator::write_config(const std::vector<std::pair<std::string, std::optional<std::string>>>& records) {
    std::vector<kafka::KeyedRecord> out;
    // Partition 0 always: every worker must read every change in one order (a config topic
    // auto-created with more partitions would otherwise order them differently per reader).
    for (const auto& [key, value] : records) out.push_back({key, value, 0});
    const int timeout = write_timeout_ms();
    if (auto problem = config_writer_->write(settings_.config_topic, out, timeout))
        throw control::Error(control::Refusal::unavailable, "the change was not stored in the cluster's config topic: " + *problem);
    std::string error;
    if (!config_reader_->sync(std::chrono::milliseconds(timeout), error))
        throw control::Error(control::Refusal::unavailable, "the change was stored, but " + error + "; it applies once this worker reads it");
}

void Coordinator::put_connector(const std::string& name, const std::map<std::string, std::string>& flat, int tasks,
                                std::optional<runtime::TargetState> target) {
    std::vector<std::pair<std::string, std::optional<std::string>>> records;
    // The target first, so that every worker creates the connector in it.
    if (target) records.emplace_back(target_key(name), target_value(*target));
    records.emplace_back(connector_key(name), connector_value({flat, tasks}));
    write_config(records);
}

void Coordinator::write_status_tombstones(const std::string& connector, int tasks) {
    std::vector<kafka::KeyedRecord> out;
    for (int t = 0; t < tasks; ++t) out.push_back({task_status_key(connector, t), std::nullopt});
    const int timeout = write_timeout_ms();
    if (auto problem = status_writer_->write(settings_.status_topic, out, timeout))
        log::warn("cluster: cannot clear the statuses of ", connector, ": ", *problem);
}

void Coordinator::delete_connector(const std::string& name) {
    int tasks = 0;
    {
        std::lock_guard lock(state_mutex_);
        if (auto it = state_.connectors().find(name); it != state_.connectors().end()) tasks = it->second.tasks;
    }
    write_config({{connector_key(name), std::nullopt}, {target_key(name), std::nullopt}});
    // Workers that stopped the tasks clear their own statuses; a dead worker's would stay.
    write_status_tombstones(name, tasks);
}

void Coordinator::put_target(const std::string& name, runtime::TargetState target) {
    write_config({{target_key(name), target_value(target)}});
}

void Coordinator::restart(const std::string& name, bool include_tasks, bool only_failed, int task) {
    write_config({{restart_key(name), restart_value({name, include_tasks, only_failed, task})}});
}

void Coordinator::put_pipeline(const std::string& name, const std::string& yaml, const std::map<std::string, int>& tasks) {
    write_config({{pipeline_key(name), pipeline_value({yaml, tasks, false})}});
}

void Coordinator::delete_pipeline(const std::string& name) {
    std::map<std::string, int> tasks;
    {
        std::lock_guard lock(state_mutex_);
        if (auto it = state_.pipelines().find(name); it != state_.pipelines().end()) tasks = it->second.tasks;
    }
    write_config({{pipeline_key(name), std::nullopt}});
    for (const auto& [connector, count] : tasks) write_status_tombstones(connector, count);
}

void Coordinator::put_logger(const std::string& logger, const std::string& level) { write_config({{logger_key(logger), logger_value(level)}}); }

bool Coordinator::submit(const std::vector<config::PipelineSpec>& pipelines, std::string& error) {
    for (const auto& p : pipelines) {
        const std::string yaml = read_file(p.file);
        {
            std::lock_guard lock(state_mutex_);
            auto it = state_.pipelines().find(p.name);
            if (it != state_.pipelines().end() && it->second.yaml == yaml) {
                log::info("cluster: pipeline ", p.name, " (", p.file, ") is in the config topic already, unchanged");
                continue;
            }
        }
        PipelineRecord record{yaml, {}, true};
        for (const auto& c : p.connectors) record.tasks[c.name] = c.tasks;
        try {
            write_config({{pipeline_key(p.name), pipeline_value(record)}});
        } catch (const control::Error& e) {
            error = "pipeline " + p.name + " (" + p.file + "): " + e.what();
            return false;
        }
        log::info("cluster: pipeline ", p.name, " (", p.file, ") submitted to the config topic");
    }
    return true;
}

std::string Coordinator::apply_error(const std::string& name) const {
    std::lock_guard lock(state_mutex_);
    auto it = apply_errors_.find(name);
    return it == apply_errors_.end() ? std::string() : it->second;
}

// ---- placement ----

bool Coordinator::runs(const std::string& connector, int task_id) const {
    std::lock_guard lock(state_mutex_);
    auto slot = state_.slot_of(connector, task_id);
    return slot && owned_.count(*slot);
}

std::set<int> Coordinator::owned_slots() const {
    std::lock_guard lock(state_mutex_);
    return owned_;
}

void Coordinator::rebalanced(const std::set<std::string>& topics, bool assigned, bool lost) {
    {
        std::lock_guard lock(state_mutex_);
        for (const auto& t : topics)
            if (auto slot = slot_of_topic(t)) {
                if (assigned) owned_.insert(*slot);
                else owned_.erase(*slot);
            }
        instruments_->slots.Set(static_cast<double>(owned_.size()));
    }
    instruments_->rebalances.Increment();
    instruments_->last_rebalance.Set(
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
    if (lost) log::warn("cluster: this worker lost its slots (its session expired: paused, or cut off from Kafka); ending their tasks");
    const auto deadline = Clock::now() + std::chrono::milliseconds(worker_.config().shutdown_timeout_ms);
    if (!worker_.rebalance(deadline))
        log::warn("cluster: some tasks had not ended within shutdown.timeout.ms when the placement changed");
    publish_wake_.notify_all();
}

void Coordinator::placement_loop() {
    kafka::Cluster& cluster = *worker_.cluster();
    kafka::GroupMember::Settings s;
    s.group_id = settings_.group_id;
    s.session_timeout_ms = settings_.session_timeout_ms;
    if (settings_.static_membership) s.instance_id = instance_id(settings_.group_id, worker_.id());
    kafka::GroupMember member(cluster, s,
                              {[this](const std::set<std::string>& topics) { rebalanced(topics, true, false); },
                               [this](const std::set<std::string>& topics, bool lost) { rebalanced(topics, false, lost); }});
    std::string error;
    if (!member.open(error)) {
        log::error("cluster: cannot join the placement group ", settings_.group_id, ": ", error, "; this worker runs no task");
        return;
    }
    std::set<std::string> subscribed;
    std::set<std::string> known;  // slot topics seen to exist
    while (!stopping_) {
        std::set<std::string> wanted;
        {
            std::lock_guard lock(state_mutex_);
            for (int slot : state_.used_slots()) wanted.insert(slot_topic(slot));
        }
        if (wanted != subscribed) {
            for (const auto& topic : wanted) {
                if (known.count(topic)) continue;
                std::string e;
                if (!cluster.partition_count(topic, 5000, e) && worker_.config().topic_creation_enable) {
                    auto created = cluster.create_topic(topic, 1, settings_.topic_replication, {});
                    if (!created.created)
                        log::warn("cluster: cannot create the slot topic ", topic, " (", created.error,
                                  "); the broker's auto-creation will make it");
                }
                known.insert(topic);
            }
            if (!member.subscribe(wanted, error)) log::error("cluster: cannot subscribe to the slot topics: ", error);
            else subscribed = wanted;
        }
        member.poll(100);
        if (member.failed()) break;  // fenced: this worker runs nothing until it is restarted
        generation_ = member.generation();
        instruments_->generation.Set(member.generation());
    }
    member.close();
}

// ---- statuses ----

void Coordinator::publish_loop() {
    std::unique_lock lock(publish_mutex_);
    while (!stopping_) {
        publish_wake_.wait_for(lock, std::chrono::milliseconds(500));
        if (stopping_) break;
        lock.unlock();
        publish_once();
        lock.lock();
    }
}

void Coordinator::publish_once() {
    std::map<std::string, std::string> now;
    size_t local_tasks = 0;
    for (const auto& report : worker_.reports()) {
        for (const auto& t : report.tasks) {
            ++local_tasks;
            TaskStatusRecord r{t.status.state, t.status.trace, worker_.id(), generation_.load()};
            now[task_status_key(report.name, t.task_id)] = status_value(r);
        }
    }
    instruments_->tasks.Set(static_cast<double>(local_tasks));
    std::vector<kafka::KeyedRecord> out;
    for (const auto& [key, value] : now)
        if (auto it = published_.find(key); it == published_.end() || it->second != value) out.push_back({key, value});
    // A task that left this worker: cleared when nobody runs it any more (deleted, stopped,
    // fewer tasks); a task moved elsewhere is overwritten by its new worker.
    std::vector<std::string> gone;
    for (const auto& [key, value] : published_) {
        if (now.count(key)) continue;
        gone.push_back(key);
        const auto [connector, task] = *parse_task_status_key(key);  // keys this worker wrote
        std::lock_guard lock(state_mutex_);
        if (!state_.slot_of(connector, task)) out.push_back({key, std::nullopt});
    }
    if (out.empty()) {
        for (const auto& key : gone) published_.erase(key);
        return;
    }
    const int timeout = write_timeout_ms();
    if (auto problem = status_writer_->write(settings_.status_topic, out, timeout)) {
        log::warn("cluster: cannot write task statuses: ", *problem);
        return;  // tried again at the next round
    }
    for (const auto& key : gone) published_.erase(key);
    for (const auto& [key, value] : now) published_[key] = value;
}

runtime::ConnectorReport Coordinator::cluster_report(runtime::ConnectorReport local, int tasks) const {
    if (local.target == runtime::TargetState::stopped) return local;
    std::set<int> here;
    for (const auto& t : local.tasks) here.insert(t.task_id);
    auto remote = board_.tasks(local.name);
    for (int id = 0; id < tasks; ++id) {
        if (here.count(id)) continue;
        runtime::TaskReport t;
        t.id = local.name + "/" + std::to_string(id);
        t.task_id = id;
        auto it = remote.find(id);
        // This worker's own record of a task it no longer runs is stale (it moved, or is moving).
        if (it != remote.end() && it->second.worker_id != worker_.id()) {
            t.status.state = it->second.state;
            t.status.trace = it->second.trace;
            t.worker_id = it->second.worker_id;
        } else {
            t.status.state = runtime::TaskState::unassigned;
            t.worker_id = "unassigned";
        }
        local.tasks.push_back(std::move(t));
    }
    std::sort(local.tasks.begin(), local.tasks.end(), [](const auto& a, const auto& b) { return a.task_id < b.task_id; });
    size_t failed = 0;
    for (const auto& t : local.tasks)
        if (t.status.state == runtime::TaskState::failed) ++failed;
    if (!local.tasks.empty() && failed == local.tasks.size()) local.state = runtime::TaskState::failed;
    else if (local.target == runtime::TargetState::paused) local.state = runtime::TaskState::paused;
    else local.state = runtime::TaskState::running;
    return local;
}

bool Coordinator::tasks_reported(const std::string& name) const {
    for (const auto& [id, status] : board_.tasks(name))
        if (status.state != runtime::TaskState::unassigned && status.state != runtime::TaskState::stopped) return true;
    return false;
}

}  // namespace sluice::cluster
