#include "control/control_plane.hpp"

#include "common/log.hpp"
#include "config/pipeline_config.hpp"
#include "config/yaml_file.hpp"
#include "control/offsets_admin.hpp"
#include "isolation/checks.hpp"

#include <set>

namespace sluice::control {

namespace {

using runtime::Worker;

// The worker's answer as a refusal (nothing for ok and created).
void check(Worker::Change change, const std::string& name, const std::string& message = "") {
    switch (change) {
    case Worker::Change::not_found: connector_not_found(name);
    case Worker::Change::conflict: throw Error(Refusal::conflict, message);
    case Worker::Change::invalid: throw Error(Refusal::invalid, message);
    default: return;
    }
}

[[noreturn]] void pipeline_not_found(const std::string& name) { throw Error(Refusal::not_found, "Pipeline " + name + " not found"); }

// A pipeline's connectors change only through the pipeline.
void check_not_in_pipeline(const runtime::ConnectorEntry& e, const std::string& verb) {
    const auto& pipeline = e.definition.pipeline;
    if (pipeline.empty()) return;
    const auto method = verb == "delete" ? "DELETE" : "PUT";
    throw Error(Refusal::conflict, "Connector " + e.definition.spec.name + " belongs to pipeline " + pipeline + "; " + verb +
                                       " it with " + method + " /pipelines/" + pipeline);
}

// The YAML as a pipeline named `name`, or every problem with its line and column.
// A connector whose plugin.isolation is process has its validate() run in a plugin host.
config::PipelineSpec parse_pipeline(const std::string& name, const std::string& yaml, const plugin::Registry& registry,
                                    const config::AccessPolicy& access, const runtime::Worker& worker) {
    config::Diagnostics diags;
    const std::string file = "pipelines/" + name;  // its stem is the default pipeline name
    auto doc = config::load_yaml_text(yaml, file, diags);
    if (doc) doc->access = &access;
    const isolation::PipelineCatalog plugins(registry, worker.config().plugin_isolation, worker.id());
    auto spec = doc ? config::parse_pipeline(*doc, plugins, diags) : std::nullopt;
    if (spec && spec->name != name)
        diags.add(config::Location{file, 1, 1}, "name", "the pipeline is named '" + spec->name + "' but is given for '" + name + "'");
    if (!diags.empty())
        throw InvalidPipeline(std::to_string(diags.size()) + " error(s) in pipeline " + name + ":\n" + diags.format(), diags);
    return std::move(*spec);
}

}  // namespace

ControlPlane::ControlPlane(runtime::Worker& worker, plugin::Registry& registry, config::AccessPolicy access,
                           std::function<void()> changed)
    : worker_(worker), registry_(registry), access_(std::move(access)), changed_(std::move(changed)) {}

void ControlPlane::changed() const {
    if (changed_) changed_();
}

std::vector<std::string> ControlPlane::connector_names() const { return worker_.names(); }

std::optional<ConnectorState> ControlPlane::find(const std::string& name) const {
    auto e = worker_.entry(name);
    auto r = worker_.report(name);
    if (!e || !r) return std::nullopt;
    if (cluster_) *r = cluster_->cluster_report(std::move(*r), e->definition.spec.tasks);
    return ConnectorState{std::move(*e), std::move(*r)};
}

runtime::ConnectorEntry ControlPlane::entry(const std::string& name) const {
    auto e = worker_.entry(name);
    if (!e) connector_not_found(name);
    return std::move(*e);
}

runtime::ConnectorReport ControlPlane::report(const std::string& name) const {
    auto e = worker_.entry(name);
    auto r = worker_.report(name);
    if (!e || !r) connector_not_found(name);
    if (cluster_) return cluster_->cluster_report(std::move(*r), e->definition.spec.tasks);
    return std::move(*r);
}

std::vector<runtime::ConnectorEntry> ControlPlane::connectors() const { return worker_.snapshot(); }

runtime::ConnectorDefinition ControlPlane::definition_from(const std::string& name, const FlatConfig& flat) const {
    config::Diagnostics diags;
    auto spec = spec_from_flat(name, flat, registry_, access_, diags, worker_);
    if (!spec)
        throw Error(Refusal::invalid, "Connector configuration is invalid and contains the following " + std::to_string(diags.size()) +
                                          " error(s):\n" + describe(diags));
    return runtime::ConnectorDefinition{*spec, flat, "", runtime::Origin::rest};
}

// The cluster applied the change everywhere it could; this worker could not (its answer says why).
void ControlPlane::check_applied(const std::string& name) const {
    auto error = cluster_->apply_error(name);
    if (!error.empty()) throw Error(Refusal::conflict, "the cluster accepted the change of " + name + " but this worker cannot apply it: " + error);
}

void ControlPlane::create_connector(const std::string& name, const FlatConfig& flat, runtime::TargetState target) {
    if (worker_.entry(name)) throw Error(Refusal::conflict, "Connector " + name + " already exists");
    if (cluster_) {
        auto definition = definition_from(name, flat);
        cluster_->put_connector(name, flat, definition.spec.tasks, target);
        check_applied(name);
        return;
    }
    std::string message;
    check(worker_.create(definition_from(name, flat), target, message), name, message);
    changed();
}

bool ControlPlane::put_connector(const std::string& name, FlatConfig flat) {
    if (auto current = worker_.entry(name)) {
        check_not_in_pipeline(*current, "change");
        keep_masked_values(flat, current->definition);
    }
    if (cluster_) {
        const bool existed = worker_.entry(name).has_value();
        auto definition = definition_from(name, flat);
        cluster_->put_connector(name, flat, definition.spec.tasks, std::nullopt);
        check_applied(name);
        return !existed;
    }
    std::string message;
    auto change = worker_.put(definition_from(name, flat), message);
    check(change, name, message);
    changed();
    return change == Worker::Change::created;
}

void ControlPlane::delete_connector(const std::string& name) {
    check_not_in_pipeline(entry(name), "delete");
    if (cluster_) return cluster_->delete_connector(name);
    check(worker_.remove(name), name);
    changed();
}

void ControlPlane::set_target(const std::string& name, runtime::TargetState target) {
    if (cluster_) {
        entry(name);
        return cluster_->put_target(name, target);
    }
    check(worker_.set_target(name, target), name);
    changed();
}

void ControlPlane::restart_connector(const std::string& name, bool include_tasks, bool only_failed) {
    if (cluster_) {
        entry(name);
        return cluster_->restart(name, include_tasks, only_failed, -1);
    }
    std::vector<int> restarted;
    check(worker_.restart(name, include_tasks, only_failed, restarted), name);
}

void ControlPlane::restart_task(const std::string& name, int task_id) {
    auto e = entry(name);
    if (cluster_) {
        if (task_id < 0 || task_id >= e.definition.spec.tasks)
            throw Error(Refusal::not_found, "Task " + name + "-" + std::to_string(task_id) + " not found");
        return cluster_->restart(name, false, false, task_id);
    }
    if (worker_.restart_task(name, task_id) == Worker::Change::not_found)
        throw Error(Refusal::not_found, "Task " + name + "-" + std::to_string(task_id) + " not found");
}

nlohmann::json ControlPlane::offsets(const std::string& name) const { return read_offsets(worker_, entry(name).definition.spec); }

config::ConnectorSpec ControlPlane::stopped_spec(const std::string& name) const {
    auto e = entry(name);
    if (e.target != runtime::TargetState::stopped)
        throw Error(Refusal::invalid,
                    "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the "
                    "specified connector by issuing a 'PUT' request to the '/connectors/" + name + "/stop' endpoint");
    if (e.settling || (cluster_ && cluster_->tasks_reported(name)))
        throw Error(Refusal::conflict,
                    "Connector " + name + " is STOPPED but its tasks are still ending (writing their last offsets); retry in a moment");
    return e.definition.spec;
}

void ControlPlane::alter_offsets(const std::string& name, const nlohmann::json& request) {
    std::lock_guard lock(offsets_mutex_);
    auto spec = stopped_spec(name);
    if (!request.is_object() || !request.contains("offsets")) throw Error(Refusal::invalid, "expected {\"offsets\": [...]}");
    control::alter_offsets(worker_, spec, request["offsets"]);
}

void ControlPlane::reset_offsets(const std::string& name) {
    std::lock_guard lock(offsets_mutex_);
    auto spec = stopped_spec(name);
    control::reset_offsets(worker_, spec);
}

std::vector<std::string> ControlPlane::pipeline_names() const {
    std::lock_guard lock(pipelines_mutex_);
    std::vector<std::string> names;
    for (const auto& [name, p] : pipelines_) names.push_back(name);
    return names;
}

std::vector<std::string> ControlPlane::pipeline_connectors(const std::string& name) const {
    std::lock_guard lock(pipelines_mutex_);
    auto it = pipelines_.find(name);
    if (it == pipelines_.end()) pipeline_not_found(name);
    return it->second.connectors;
}

std::map<std::string, StoredPipeline> ControlPlane::pipelines() const {
    std::lock_guard lock(pipelines_mutex_);
    return pipelines_;
}

std::set<std::string> ControlPlane::pipeline_connectors_replaced(const std::string& name, const config::PipelineSpec& spec,
                                                                bool& replaced) const {
    std::set<std::string> own;
    {
        std::lock_guard lock(pipelines_mutex_);
        auto existing = pipelines_.find(name);
        replaced = existing != pipelines_.end();
        if (replaced) own.insert(existing->second.connectors.begin(), existing->second.connectors.end());
    }
    for (const auto& c : spec.connectors)
        if (!own.count(c.name) && worker_.entry(c.name))
            throw Error(Refusal::conflict, "connector " + c.name + " already exists outside pipeline " + name);
    return own;
}

ControlPlane::PipelineChange ControlPlane::put_pipeline(const std::string& name, const std::string& yaml) {
    auto spec = parse_pipeline(name, yaml, registry_, access_, worker_);
    if (cluster_) {
        // Applied by this worker's reader (apply_pipeline, which takes the one-change lock):
        // it must not be held here while waiting for the reader.
        PipelineChange result;
        pipeline_connectors_replaced(name, spec, result.replaced);
        std::map<std::string, int> tasks;
        for (const auto& c : spec.connectors) tasks[c.name] = c.tasks;
        cluster_->put_pipeline(name, yaml, tasks);
        check_applied("pipeline " + name);
        for (const auto& c : spec.connectors) result.connectors.push_back(c.name);
        return result;
    }
    // One pipeline change at a time: replacing is delete-then-create of its connectors, all
    // waited for within one rest.lifecycle.wait.ms. The map itself is locked only to read and
    // write it, so that other calls (and the state file's snapshot) never wait for a
    // pipeline's connectors.
    std::lock_guard one_change(pipeline_changes_mutex_);
    const auto until = worker_.lifecycle_deadline();
    PipelineChange result;
    const std::set<std::string> own = pipeline_connectors_replaced(name, spec, result.replaced);
    for (const auto& c : own) worker_.remove(c, until);
    StoredPipeline stored{yaml, {}};
    std::string failures;
    for (const auto& c : spec.connectors) {
        std::string message;
        if (worker_.create({c, {}, name, runtime::Origin::rest}, runtime::TargetState::running, message, until) == Worker::Change::created)
            stored.connectors.push_back(c.name);
        else
            failures += (failures.empty() ? "" : "; ") + c.name + ": " + message;
    }
    if (!failures.empty()) {
        for (const auto& c : stored.connectors) worker_.remove(c, until);
        {
            std::lock_guard lock(pipelines_mutex_);
            pipelines_.erase(name);
        }
        changed();
        throw Error(Refusal::conflict, "pipeline " + name + " not created: " + failures);
    }
    result.connectors = stored.connectors;
    {
        std::lock_guard lock(pipelines_mutex_);
        pipelines_[name] = std::move(stored);
    }
    changed();
    return result;
}

void ControlPlane::delete_pipeline(const std::string& name) {
    if (cluster_) {
        pipeline_connectors(name);  // not_found
        return cluster_->delete_pipeline(name);
    }
    std::lock_guard one_change(pipeline_changes_mutex_);
    std::vector<std::string> connectors;
    {
        std::lock_guard lock(pipelines_mutex_);
        auto it = pipelines_.find(name);
        if (it == pipelines_.end()) pipeline_not_found(name);
        connectors = std::move(it->second.connectors);
        pipelines_.erase(it);
    }
    const auto until = worker_.lifecycle_deadline();
    for (const auto& c : connectors) worker_.remove(c, until);
    changed();
}

bool ControlPlane::restore_connector(const std::string& name, const FlatConfig& flat, runtime::TargetState target, std::string& error) {
    config::Diagnostics diags;
    auto spec = spec_from_flat(name, flat, registry_, access_, diags, worker_);
    if (!spec) {
        error = describe(diags);
        return false;
    }
    return worker_.create({*spec, flat, "", runtime::Origin::rest}, target, error) == Worker::Change::created;
}

size_t ControlPlane::restore_pipeline(const std::string& name, const std::string& yaml,
                                      const std::map<std::string, runtime::TargetState>& targets) {
    std::optional<config::PipelineSpec> spec;
    try {
        spec = parse_pipeline(name, yaml, registry_, access_, worker_);
    } catch (const InvalidPipeline& e) {
        log::error("stored pipeline ", name, " is no longer valid and is dropped: ", describe(e.diagnostics));
        return 0;
    }
    StoredPipeline stored{yaml, {}};
    for (const auto& c : spec->connectors) {
        auto it = targets.find(c.name);
        std::string message;
        if (worker_.create({c, {}, name, runtime::Origin::rest}, it == targets.end() ? runtime::TargetState::running : it->second,
                           message) == Worker::Change::created)
            stored.connectors.push_back(c.name);
        else
            log::error("stored pipeline ", name, ": connector ", c.name, ": ", message);
    }
    std::lock_guard lock(pipelines_mutex_);
    pipelines_[name] = std::move(stored);
    return spec->connectors.size();
}

bool ControlPlane::apply_connector(const std::string& name, const FlatConfig* flat, runtime::TargetState target, std::string& error) {
    // The reader's thread must never wait for tasks: every change goes on in the background.
    const auto now = std::chrono::steady_clock::now();
    auto current = worker_.entry(name);
    if (!flat) {
        if (current) worker_.remove(name, now);
        return true;
    }
    config::Diagnostics diags;
    auto spec = spec_from_flat(name, *flat, registry_, access_, diags, worker_);
    if (!spec) {
        error = describe(diags);
        return false;
    }
    if (current && current->definition.flat == *flat) return true;  // read again (a restart, a rewrite): nothing changed
    if (current) {
        std::string message;
        auto change = worker_.put({*spec, *flat, "", runtime::Origin::rest}, message, now);
        if (change == Worker::Change::ok || change == Worker::Change::created) return true;
        error = message;
        return false;
    }
    return worker_.create({*spec, *flat, "", runtime::Origin::rest}, target, error, now) == Worker::Change::created;
}

void ControlPlane::apply_target(const std::string& name, runtime::TargetState target) {
    auto current = worker_.entry(name);
    if (current && current->target != target) worker_.set_target(name, target, std::chrono::steady_clock::now());
}

bool ControlPlane::apply_pipeline(const std::string& name, const std::string* yaml,
                                  const std::map<std::string, runtime::TargetState>& targets, bool command_line, std::string& error) {
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard one_change(pipeline_changes_mutex_);
    StoredPipeline old;
    {
        std::lock_guard lock(pipelines_mutex_);
        auto it = pipelines_.find(name);
        if (it != pipelines_.end()) {
            if (yaml && it->second.yaml == *yaml) return true;  // read again: nothing changed
            old = it->second;
            pipelines_.erase(it);
        }
    }
    for (const auto& c : old.connectors) worker_.remove(c, now);
    if (!yaml) return true;
    const config::AccessPolicy command_line_access;  // what a pipeline file given to `sluice run` may reach
    std::optional<config::PipelineSpec> spec;
    try {
        spec = parse_pipeline(name, *yaml, registry_, command_line ? command_line_access : access_, worker_);
    } catch (const InvalidPipeline& e) {
        error = describe(e.diagnostics);
        return false;
    }
    StoredPipeline stored{*yaml, {}};
    std::string failures;
    for (const auto& c : spec->connectors) {
        auto it = targets.find(c.name);
        std::string message;
        const auto origin = command_line ? runtime::Origin::command_line : runtime::Origin::rest;
        if (worker_.create({c, {}, name, origin}, it == targets.end() ? runtime::TargetState::running : it->second, message, now) ==
            Worker::Change::created)
            stored.connectors.push_back(c.name);
        else
            failures += (failures.empty() ? "" : "; ") + c.name + ": " + message;
    }
    std::lock_guard lock(pipelines_mutex_);
    pipelines_[name] = std::move(stored);
    error = failures;
    return failures.empty();
}

void ControlPlane::apply_restart(const std::string& name, bool include_tasks, bool only_failed, int task) {
    const auto now = std::chrono::steady_clock::now();
    if (task >= 0) {
        worker_.restart_task(name, task, now);  // not_found when another worker runs it
        return;
    }
    std::vector<int> restarted;
    worker_.restart(name, include_tasks, only_failed, restarted, now);
}

}  // namespace sluice::control
