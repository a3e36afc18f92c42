#include "runtime/connector.hpp"

#include "runtime/sink_task.hpp"
#include "runtime/source_task.hpp"

#include <algorithm>

namespace sluice::runtime {

Connector::Connector(Environment env, config::ConnectorSpec spec, plugin::PluginPtr plugin)
    : env_(std::move(env)), spec_(std::move(spec)), plugin_(std::move(plugin)) {}

Connector::~Connector() {
    request_stop();
    tasks_.clear();  // each task joins its thread
}

void Connector::start() {
    for (int i = 0; i < spec_.tasks; ++i) {
        if (spec_.kind == config::ConnectorKind::source)
            tasks_.push_back(std::make_unique<SourceTask>(env_, spec_, plugin_, i));
        else
            tasks_.push_back(std::make_unique<SinkTask>(env_, spec_, plugin_, i));
    }
    for (auto& t : tasks_) t->start();
}

void Connector::request_stop() {
    for (auto& t : tasks_) t->request_stop();
}

bool Connector::wait(std::chrono::steady_clock::time_point deadline) {
    bool all = true;
    for (auto& t : tasks_) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (!t->wait(std::max(left, std::chrono::milliseconds(0)))) all = false;
    }
    return all;
}

ConnectorReport Connector::report() const {
    ConnectorReport r;
    r.name = spec_.name;
    r.kind = spec_.kind;
    r.plugin = plugin_->name;
    size_t failed = 0, running = 0;
    for (const auto& t : tasks_) {
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
        if (tr.status.state == TaskState::failed) ++failed;
        if (tr.status.state == TaskState::running) ++running;
        r.tasks.push_back(std::move(tr));
    }
    if (!tasks_.empty() && failed == tasks_.size()) r.state = TaskState::failed;
    else if (running > 0) r.state = TaskState::running;
    else if (!tasks_.empty() && std::all_of(r.tasks.begin(), r.tasks.end(), [](const TaskReport& t) { return t.status.state == TaskState::stopped; }))
        r.state = TaskState::stopped;
    return r;
}

}  // namespace sluice::runtime
