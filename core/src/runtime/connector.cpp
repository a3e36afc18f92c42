#include "runtime/connector.hpp"

#include "common/log.hpp"
#include "common/memory.hpp"
#include "runtime/sink_task.hpp"
#include "runtime/source_task.hpp"

#include <algorithm>
#include <thread>

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
    : env_(std::move(env)), secrets_(config::masked_texts(spec)), spec_(std::move(spec)), plugin_(std::move(plugin)), target_(target) {}

Connector::~Connector() {
    request_stop();
    // Members go in reverse order: the lifecycle thread drains first, then each task joins.
}

std::shared_ptr<Task> Connector::make_task(int task_id) {
    std::shared_ptr<Task> task;
    if (spec_.kind == config::ConnectorKind::source) task = std::make_shared<SourceTask>(env_, spec_, plugin_, task_id);
    else task = std::make_shared<SinkTask>(env_, spec_, plugin_, task_id);
    task->on_failure([this, raw = task.get()] { task_failed(raw); });
    return task;
}

Backoff Connector::restart_backoff() const {
    return Backoff(std::chrono::milliseconds(spec_.restart.backoff_initial_ms), std::chrono::milliseconds(spec_.restart.backoff_max_ms));
}

Connector::Restarts& Connector::restarts_of(int task_id) {
    auto it = restarts_.find(task_id);
    if (it == restarts_.end()) {
        Restarts fresh;
        fresh.backoff = restart_backoff();
        it = restarts_.emplace(task_id, std::move(fresh)).first;
    }
    return it->second;
}

void Connector::forget_attempts(int task_id) {
    Restarts& r = restarts_of(task_id);
    r.attempts = 0;
    r.backoff = restart_backoff();  // the specification's, which may have just changed
    r.gave_up = false;
    r.pending = false;  // a restart waiting out its backoff is superseded
    r.generation = ++generations_;
}

void Connector::task_failed(const Task* task) {
    std::lock_guard lock(state_);
    // A task failing while it is being ended (stop, delete, shutdown, its own replacement)
    // is not restarted: whoever ends it decides what comes next.
    if (closing_ || target_ == TargetState::stopped || task->stop_flag().load()) return;
    if (std::none_of(tasks_.begin(), tasks_.end(), [&](const auto& t) { return t.get() == task; })) return;
    const auto now = std::chrono::steady_clock::now();
    Restarts& r = restarts_of(task->task_id());
    r.last_failure = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const auto& policy = spec_.restart;
    if (!policy.on_failure) return;
    if (now - task->started_at() >= std::chrono::milliseconds(policy.reset_after_ms)) {
        r.attempts = 0;  // it ran healthy long enough: a new failure, not the same one again
        r.backoff.reset();
    }
    if (policy.max_attempts >= 0 && r.attempts >= policy.max_attempts) {
        r.gave_up = true;
        log::error("task ", task->id(), " failed after ", r.attempts, " automatic restarts in a row; left FAILED (restart.max.attempts is ",
                   policy.max_attempts, "); a REST restart starts it again");
        return;
    }
    ++r.attempts;
    const auto delay = r.backoff.next();
    r.pending = true;
    r.generation = ++generations_;
    restarting_.insert(task->task_id());
    log::warn("task ", task->id(), " failed; automatic restart ", r.attempts,
              policy.max_attempts < 0 ? std::string() : " of " + std::to_string(policy.max_attempts), " in ", delay.count(),
              " ms (restart.policy on-failure)");
    restart_timer_.schedule(now + delay, [this, id = task->task_id(), task, generation = r.generation] {
        lifecycle_.post([this, id, task, generation] { auto_restart(id, task, generation); });
    });
}

void Connector::auto_restart(int task_id, const Task* task, uint64_t generation) {
    std::shared_ptr<Task> old;
    {
        std::lock_guard lock(state_);
        auto r = restarts_.find(task_id);
        if (r == restarts_.end() || !r->second.pending || r->second.generation != generation) return;  // superseded
        r->second.pending = false;
        for (auto& t : tasks_)
            if (t.get() == task) old = t;
        if (!old || closing_ || target_ == TargetState::stopped) {
            restarting_.erase(task_id);
            return;
        }
        ++r->second.total;
    }
    log::info("task ", old->id(), " restarting (restart.policy on-failure)");
    replace_task(task_id, old);
}

void Connector::replace_task(int task_id, const std::shared_ptr<Task>& old) {
    end_tasks({old});
    std::shared_ptr<Task> fresh;
    {
        std::lock_guard lock(state_);
        restarting_.erase(task_id);
        if (closing_) return;
        if (spec_.kind == config::ConnectorKind::sink) env_.flow.add_reader(spec_.name, spec_.topics);
        for (auto& t : tasks_)
            if (t == old) {
                t = fresh = make_task(task_id);
                t->request_pause(target_ == TargetState::paused);
            }
    }
    if (fresh) fresh->start();
}

std::chrono::steady_clock::time_point Connector::stop_deadline() const {
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(env_.worker.shutdown_timeout_ms);
}

void Connector::start_tasks() {
    std::vector<std::shared_ptr<Task>> created;
    {
        std::lock_guard lock(state_);
        if (target_ == TargetState::stopped || closing_) return;
        // A sink registers with the backpressure gate before it runs, so no source races ahead.
        if (spec_.kind == config::ConnectorKind::sink) env_.flow.add_reader(spec_.name, spec_.topics);
        for (int i = 0; i < spec_.tasks; ++i) {
            if (!env_.runs_here(spec_.name, i)) continue;
            auto task = make_task(i);
            task->request_pause(target_ == TargetState::paused);
            created.push_back(task);
        }
        tasks_ = created;
    }
    for (auto& t : created) t->start();
}

Connector::Done Connector::start(Done after) {
    return lifecycle_.post([this, after] {
        if (after.valid()) after.wait();
        start_tasks();
    });
}

void Connector::end_tasks(std::vector<std::shared_ptr<Task>> tasks) {
    const auto deadline = stop_deadline();
    for (auto& t : tasks) t->request_stop();
    for (auto& t : tasks) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (!t->wait(std::max(left, std::chrono::milliseconds(0))))
            log::warn("task ", t->id(), " did not stop within shutdown.timeout.ms; waiting for it before this connector changes again");
    }
    tasks.clear();  // a task still running is joined by its destructor, here
    release_free_memory();
}

void Connector::request_stop() {
    std::lock_guard lock(state_);
    closing_ = true;
    for (auto& t : tasks_) t->request_stop();
}

bool Connector::wait(std::chrono::steady_clock::time_point deadline) {
    // Queued changes first (they may be ending tasks), then the tasks themselves.
    while (lifecycle_.busy()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
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

Connector::Done Connector::pause() {
    {
        std::lock_guard lock(state_);  // shown at once; the tasks halt at their next round
        if (target_ != TargetState::stopped) {
            target_ = TargetState::paused;
            for (auto& t : tasks_) t->request_pause(true);
        }
    }
    return lifecycle_.post([this] {
        bool was_stopped = false;
        {
            std::lock_guard lock(state_);
            was_stopped = target_ == TargetState::stopped;
            target_ = TargetState::paused;
            for (auto& t : tasks_) t->request_pause(true);
        }
        if (was_stopped) start_tasks();  // as Connect does: a stopped connector paused gets paused tasks
    });
}

Connector::Done Connector::resume() {
    {
        std::lock_guard lock(state_);
        if (target_ != TargetState::stopped) {
            target_ = TargetState::running;
            for (auto& t : tasks_) t->request_pause(false);
        }
    }
    return lifecycle_.post([this] {
        bool was_stopped = false;
        {
            std::lock_guard lock(state_);
            was_stopped = target_ == TargetState::stopped;
            target_ = TargetState::running;
            for (auto& t : tasks_) t->request_pause(false);
        }
        if (was_stopped) start_tasks();
    });
}

Connector::Done Connector::stop() {
    {
        std::lock_guard lock(state_);  // STOPPED shows at once; the tasks end on the lifecycle thread
        target_ = TargetState::stopped;
    }
    return lifecycle_.post([this] {
        std::vector<std::shared_ptr<Task>> tasks;
        {
            std::lock_guard lock(state_);
            target_ = TargetState::stopped;
            tasks.swap(tasks_);
        }
        end_tasks(std::move(tasks));
    });
}

Connector::Done Connector::restart(bool only_failed, std::vector<int>& ids) {
    {
        std::lock_guard lock(state_);
        if (target_ != TargetState::stopped)
            for (auto& t : tasks_)
                if (!only_failed || t->failed()) ids.push_back(t->task_id());
        restarting_.insert(ids.begin(), ids.end());
        for (int id : ids) forget_attempts(id);
    }
    return lifecycle_.post([this, ids] {
        std::vector<std::shared_ptr<Task>> old;
        {
            std::lock_guard lock(state_);
            for (auto& t : tasks_)
                if (std::find(ids.begin(), ids.end(), t->task_id()) != ids.end()) old.push_back(t);
        }
        end_tasks(old);
        std::vector<std::shared_ptr<Task>> fresh;
        {
            std::lock_guard lock(state_);
            for (int id : ids) restarting_.erase(id);
            if (target_ == TargetState::stopped || closing_) return;
            if (spec_.kind == config::ConnectorKind::sink) env_.flow.add_reader(spec_.name, spec_.topics);
            for (auto& t : tasks_) {
                if (std::find(old.begin(), old.end(), t) == old.end()) continue;
                t = make_task(t->task_id());
                t->request_pause(target_ == TargetState::paused);
                fresh.push_back(t);
            }
        }
        for (auto& t : fresh) t->start();
    });
}

std::optional<Connector::Done> Connector::restart_task(int task_id) {
    {
        std::lock_guard lock(state_);
        if (std::none_of(tasks_.begin(), tasks_.end(), [&](const auto& t) { return t->task_id() == task_id; }))
            return std::nullopt;
    }
    {
        std::lock_guard lock(state_);
        restarting_.insert(task_id);
        forget_attempts(task_id);
    }
    return lifecycle_.post([this, task_id] {
        std::shared_ptr<Task> old;
        {
            std::lock_guard lock(state_);
            for (auto& t : tasks_)
                if (t->task_id() == task_id) old = t;
            if (!old) restarting_.erase(task_id);
        }
        if (old) replace_task(task_id, old);
    });
}

Connector::Done Connector::reconfigure(config::ConnectorSpec spec, plugin::PluginPtr plugin) {
    return lifecycle_.post([this, spec = std::move(spec), plugin = std::move(plugin)]() mutable {
        std::vector<std::shared_ptr<Task>> old;
        {
            std::lock_guard lock(state_);
            old.swap(tasks_);
        }
        end_tasks(std::move(old));
        secrets_ = log::Secrets(config::masked_texts(spec));
        {
            std::lock_guard lock(state_);
            spec_ = std::move(spec);
            plugin_ = std::move(plugin);
            for (auto& [id, r] : restarts_) {
                if (r.pending) restarting_.erase(id);
                forget_attempts(id);  // a new specification: new tasks, a new count
            }
        }
        start_tasks();
    });
}

Connector::Done Connector::rebalance() {
    return lifecycle_.post([this] {
        std::vector<std::shared_ptr<Task>> leaving, fresh;
        {
            std::lock_guard lock(state_);
            std::vector<std::shared_ptr<Task>> kept;
            std::set<int> present;
            for (auto& t : tasks_) {
                if (env_.runs_here(spec_.name, t->task_id()) && !closing_) {
                    kept.push_back(t);
                    present.insert(t->task_id());
                } else {
                    leaving.push_back(t);
                }
            }
            if (target_ != TargetState::stopped && !closing_) {
                for (int i = 0; i < spec_.tasks; ++i) {
                    if (present.count(i) || !env_.runs_here(spec_.name, i)) continue;
                    auto task = make_task(i);
                    task->request_pause(target_ == TargetState::paused);
                    fresh.push_back(task);
                }
            }
            if (!fresh.empty() && spec_.kind == config::ConnectorKind::sink) env_.flow.add_reader(spec_.name, spec_.topics);
            kept.insert(kept.end(), fresh.begin(), fresh.end());
            std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a->task_id() < b->task_id(); });
            tasks_ = std::move(kept);
        }
        // The tasks that leave end before this change is done: the placement hands their slots
        // to another worker only then, so a task never runs on two workers at once.
        for (auto& t : leaving) log::info("task ", t->id(), " moves to another worker");
        end_tasks(std::move(leaving));
        for (auto& t : fresh) {
            log::info("task ", t->id(), " placed on this worker");
            t->start();
        }
    });
}

bool Connector::settling() const { return lifecycle_.busy(); }

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
    std::set<int> restarting;
    std::map<int, Restarts> restarts;
    {
        std::lock_guard lock(state_);
        restarts = restarts_;
        r.name = spec_.name;
        r.kind = spec_.kind;
        r.plugin = plugin_->name;
        r.target = target_;
        tasks = tasks_;
        restarting = restarting_;
    }
    size_t failed = 0;
    for (const auto& t : tasks) {
        TaskReport tr;
        tr.id = t->id();
        tr.task_id = t->task_id();
        tr.status = t->status();
        if (restarting.count(tr.task_id)) tr.status.state = TaskState::restarting;
        if (auto it = restarts.find(tr.task_id); it != restarts.end()) {
            tr.restart_attempts = it->second.attempts;
            tr.restarts = it->second.total;
            tr.last_failure_seconds = it->second.last_failure;
            if (it->second.gave_up && tr.status.state == TaskState::failed)
                tr.status.trace += "\n(left FAILED after " + std::to_string(it->second.attempts) +
                                   " automatic restarts in a row: restart.max.attempts)";
        }
        const auto& c = t->counters();
        tr.records_in = c.records_in.load();
        tr.records_out = c.records_out.load();
        tr.bytes_out = c.bytes_out.load();
        tr.commits = c.commits.load();
        tr.commit_failures = c.commit_failures.load();
        tr.records_gap = c.records_gap.load();
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
