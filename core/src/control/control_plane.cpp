#include "control/control_plane.hpp"

#include "common/log.hpp"
#include "config/pipeline_config.hpp"
#include "config/yaml_file.hpp"
#include "control/offsets_admin.hpp"

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
config::PipelineSpec parse_pipeline(const std::string& name, const std::string& yaml, const plugin::Registry& registry,
                                    const config::AccessPolicy& access) {
    config::Diagnostics diags;
    const std::string file = "pipelines/" + name;  // its stem is the default pipeline name
    auto doc = config::load_yaml_text(yaml, file, diags);
    if (doc) doc->access = &access;
    auto spec = doc ? config::parse_pipeline(*doc, registry, diags) : std::nullopt;
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
    return ConnectorState{std::move(*e), std::move(*r)};
}

runtime::ConnectorEntry ControlPlane::entry(const std::string& name) const {
    auto e = worker_.entry(name);
    if (!e) connector_not_found(name);
    return std::move(*e);
}

runtime::ConnectorReport ControlPlane::report(const std::string& name) const {
    auto r = worker_.report(name);
    if (!r) connector_not_found(name);
    return std::move(*r);
}

std::vector<runtime::ConnectorEntry> ControlPlane::connectors() const { return worker_.snapshot(); }

runtime::ConnectorDefinition ControlPlane::definition_from(const std::string& name, const FlatConfig& flat) const {
    config::Diagnostics diags;
    auto spec = spec_from_flat(name, flat, registry_, access_, diags);
    if (!spec)
        throw Error(Refusal::invalid, "Connector configuration is invalid and contains the following " + std::to_string(diags.size()) +
                                          " error(s):\n" + describe(diags));
    return runtime::ConnectorDefinition{*spec, flat, "", runtime::Origin::rest};
}

void ControlPlane::create_connector(const std::string& name, const FlatConfig& flat, runtime::TargetState target) {
    if (worker_.entry(name)) throw Error(Refusal::conflict, "Connector " + name + " already exists");
    std::string message;
    check(worker_.create(definition_from(name, flat), target, message), name, message);
    changed();
}

bool ControlPlane::put_connector(const std::string& name, FlatConfig flat) {
    if (auto current = worker_.entry(name)) {
        check_not_in_pipeline(*current, "change");
        keep_masked_values(flat, current->definition);
    }
    std::string message;
    auto change = worker_.put(definition_from(name, flat), message);
    check(change, name, message);
    changed();
    return change == Worker::Change::created;
}

void ControlPlane::delete_connector(const std::string& name) {
    check_not_in_pipeline(entry(name), "delete");
    check(worker_.remove(name), name);
    changed();
}

void ControlPlane::set_target(const std::string& name, runtime::TargetState target) {
    check(worker_.set_target(name, target), name);
    changed();
}

void ControlPlane::restart_connector(const std::string& name, bool include_tasks, bool only_failed) {
    std::vector<int> restarted;
    check(worker_.restart(name, include_tasks, only_failed, restarted), name);
}

void ControlPlane::restart_task(const std::string& name, int task_id) {
    entry(name);
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
    if (e.settling)
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

ControlPlane::PipelineChange ControlPlane::put_pipeline(const std::string& name, const std::string& yaml) {
    auto spec = parse_pipeline(name, yaml, registry_, access_);
    // One pipeline change at a time: replacing is delete-then-create of its connectors, all
    // waited for within one rest.lifecycle.wait.ms. The map itself is locked only to read and
    // write it, so that other calls (and the state file's snapshot) never wait for a
    // pipeline's connectors.
    std::lock_guard one_change(pipeline_changes_mutex_);
    const auto until = worker_.lifecycle_deadline();
    std::set<std::string> own;
    PipelineChange result;
    {
        std::lock_guard lock(pipelines_mutex_);
        auto existing = pipelines_.find(name);
        result.replaced = existing != pipelines_.end();
        if (result.replaced) own.insert(existing->second.connectors.begin(), existing->second.connectors.end());
    }
    for (const auto& c : spec.connectors)
        if (!own.count(c.name) && worker_.entry(c.name))
            throw Error(Refusal::conflict, "connector " + c.name + " already exists outside pipeline " + name);
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
    auto spec = spec_from_flat(name, flat, registry_, access_, diags);
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
        spec = parse_pipeline(name, yaml, registry_, access_);
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

}  // namespace sluice::control
