#include "runtime/connector.hpp"

#include "common/log.hpp"
#include "runtime/sink_task.hpp"
#include "runtime/source_task.hpp"

#include <algorithm>

namespace sluice::runtime {

std::string_view target_name(TargetState target) {
    switch (target) {
    case TargetState::running: return "RUNNING";
    case TargetState::paused: return "PAUSED";
    case TargetState::stopped: return "STOPPED";
    }
    return "RUNNING";
}

std::optional<TargetState> parse_target(std::string_view name) {
    if (name == "RUNNING" || name == "STARTED") return TargetState::running;
    if (name == "PAUSED") return TargetState::paused;
    if (name == "STOPPED") return TargetState::stopped;
    return std::nullopt;
}

Connector::Connector(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin, TargetState target)
    : env_(std::move(env)), spec_(std::move(spec)), plugin_(std::move(plugin)), target_(target) {}

Connector::~Connector() {
    request_stop();
    std::lock_guard lock(state_);
    tasks_.clear();  // each task joins its thread
}

std::shared_ptr<Task> Connector::make_task(int task_id) const {
    if (spec_.kind == config::ConnectorKind::source) return std::make_shared<SourceTask>(env_, spec_, plugin_, task_id);
    return std::make_shared<SinkTask>(env_, spec_, plugin_, task_id);
}

void Connector::start_tasks_locked() {
    std::vector<std::shared_ptr<Task>> created;
    {
        std::lock_guard lock(state_);
        if (target_ == TargetState::stopped) return;
        // A sink registers with the backpressure gate before it runs, so no source races ahead.
        if (spec_.kind == config::ConnectorKind::sink) env_.flow.add_reader(spec_.name, spec_.topics);
        for (int i = 0; i < spec_.tasks; ++i) {
            auto task = make_task(i);
            task->request_pause(target_ == TargetState::paused);
            created.push_back(task);
        }
        tasks_ = created;
    }
    for (auto& t : created) t->start();
}

void Connector::start() {
    std::lock_guard lifecycle(lifecycle_);
    start_tasks_locked();
}

void Connector::end_tasks(std::vector<std::shared_ptr<Task>> tasks, std::chrono::steady_clock::time_point deadline) {
    for (auto& t : tasks) t->request_stop();
    for (auto& t : tasks) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (!t->wait(std::max(left, std::chrono::milliseconds(0))))
            log::warn("task ", t->id(), " did not stop in time; it ends in the background");
    }
    // A task still running is joined by its destructor, when the last reference goes.
}

void Connector::request_stop() {
    std::lock_guard lock(state_);
    for (auto& t : tasks_) t->request_stop();
}

bool Connector::wait(std::chrono::steady_clock::time_point deadline) {
    std::vector<std::shared_ptr<Task>> tasks;
    {
        std::lock_guard lock(state_);
        tasks = tasks_;
    }
    bool all = true;
    for (auto& t : tasks) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (!t->wait(std::max(left, std::chrono::milliseconds(0)))) all = false;
    }
    return all;
}

void Connector::pause() {
    std::lock_guard lifecycle(lifecycle_);
    bool was_stopped = false;
    {
        std::lock_guard lock(state_);
        was_stopped = target_ == TargetState::stopped;
        target_ = TargetState::paused;
        for (auto& t : tasks_) t->request_pause(true);
    }
    if (was_stopped) start_tasks_locked();  // as Connect does: a stopped connector paused gets paused tasks
}

void Connector::resume() {
    std::lock_guard lifecycle(lifecycle_);
    bool was_stopped = false;
    {
        std::lock_guard lock(state_);
        was_stopped = target_ == TargetState::stopped;
        target_ = TargetState::running;
        for (auto& t : tasks_) t->request_pause(false);
    }
    if (was_stopped) start_tasks_locked();
}

void Connector::stop(std::chrono::steady_clock::time_point deadline) {
    std::lock_guard lifecycle(lifecycle_);
    std::vector<std::shared_ptr<Task>> tasks;
    {
        std::lock_guard lock(state_);
        target_ = TargetState::stopped;
        tasks.swap(tasks_);
    }
    end_tasks(std::move(tasks), deadline);
}

std::vector<int> Connector::restart(bool only_failed, std::chrono::steady_clock::time_point deadline) {
    std::lock_guard lifecycle(lifecycle_);
    std::vector<std::shared_ptr<Task>> old;
    std::vector<int> ids;
    {
        std::lock_guard lock(state_);
        if (target_ == TargetState::stopped) return ids;
        for (auto& t : tasks_)
            if (!only_failed || t->failed()) {
                old.push_back(t);
                ids.push_back(t->task_id());
            }
    }
    if (ids.empty()) return ids;
    end_tasks(old, deadline);
    std::vector<std::shared_ptr<Task>> fresh;
    {
        std::lock_guard lock(state_);
        if (spec_.kind == config::ConnectorKind::sink) env_.flow.add_reader(spec_.name, spec_.topics);
        for (auto& t : tasks_) {
            if (std::find(ids.begin(), ids.end(), t->task_id()) == ids.end()) continue;
            t = make_task(t->task_id());
            t->request_pause(target_ == TargetState::paused);
            fresh.push_back(t);
        }
    }
    for (auto& t : fresh) t->start();
    return ids;
}

bool Connector::restart_task(int task_id, std::chrono::steady_clock::time_point deadline) {
    std::lock_guard lifecycle(lifecycle_);
    std::shared_ptr<Task> old;
    {
        std::lock_guard lock(state_);
        for (auto& t : tasks_)
            if (t->task_id() == task_id) old = t;
    }
    if (!old) return false;
    end_tasks({old}, deadline);
    std::shared_ptr<Task> fresh;
    {
        std::lock_guard lock(state_);
        if (spec_.kind == config::ConnectorKind::sink) env_.flow.add_reader(spec_.name, spec_.topics);
        for (auto& t : tasks_)
            if (t->task_id() == task_id) {
                t = fresh = make_task(task_id);
                t->request_pause(target_ == TargetState::paused);
            }
    }
    if (fresh) fresh->start();
    return true;
}

void Connector::reconfigure(config::ConnectorSpec spec, plugin::PluginPtr plugin, std::chrono::steady_clock::time_point deadline) {
    std::lock_guard lifecycle(lifecycle_);
    std::vector<std::shared_ptr<Task>> old;
    {
        std::lock_guard lock(state_);
        old.swap(tasks_);
    }
    end_tasks(std::move(old), deadline);
    {
        std::lock_guard lock(state_);
        spec_ = std::move(spec);
        plugin_ = std::move(plugin);
    }
    start_tasks_locked();
}

config::ConnectorSpec Connector::spec() const {
    std::lock_guard lock(state_);
    return spec_;
}

TargetState Connector::target() const {
    std::lock_guard lock(state_);
    return target_;
}

ConnectorReport Connector::report() const {
    ConnectorReport r;
    std::vector<std::shared_ptr<Task>> tasks;
    {
        std::lock_guard lock(state_);
        r.name = spec_.name;
        r.kind = spec_.kind;
        r.plugin = plugin_->name;
        r.target = target_;
        tasks = tasks_;
    }
    size_t failed = 0;
    for (const auto& t : tasks) {
        TaskReport tr;
        tr.id = t->id();
        tr.task_id = t->task_id();
        tr.status = t->status();
        const auto& c = t->counters();
        tr.records_in = c.records_in.load();
        tr.records_out = c.records_out.load();
        tr.bytes_out = c.bytes_out.load();
        tr.commits = c.commits.load();
        tr.commit_failures = c.commit_failures.load();
        tr.errors = c.errors.snapshot();
        tr.lag = t->lag();
        if (tr.status.state == TaskState::failed) ++failed;
        r.tasks.push_back(std::move(tr));
    }
    if (r.target == TargetState::stopped) r.state = TaskState::stopped;
    else if (!tasks.empty() && failed == tasks.size()) r.state = TaskState::failed;
    else if (r.target == TargetState::paused) r.state = TaskState::paused;
    else r.state = TaskState::running;
    return r;
}

}  // namespace sluice::runtime
