#include "cluster/config_state.hpp"

#include <nlohmann/json.hpp>

namespace sluice::cluster {
namespace {

constexpr std::string_view kConnector = "connector-";
constexpr std::string_view kTarget = "target-state-";
constexpr std::string_view kPipeline = "pipeline-";
constexpr std::string_view kRestart = "restart-connector-";
constexpr std::string_view kLogger = "logger-";

bool starts_with(const std::string& s, std::string_view prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

// Task counts are bounded so that a hostile record cannot make every worker allocate slots without end.
constexpr int kMaxTasks = 1000;

int task_count(const nlohmann::json& j) {
    if (!j.is_number_integer()) throw std::runtime_error("\"tasks\" must be an integer");
    const auto n = j.get<int64_t>();
    if (n < 0 || n > kMaxTasks) throw std::runtime_error("\"tasks\" must be between 0 and " + std::to_string(kMaxTasks));
    return static_cast<int>(n);
}

FlatConfig flat_of(const nlohmann::json& j) {
    if (!j.is_object()) throw std::runtime_error("\"properties\" must be an object");
    FlatConfig out;
    for (const auto& [k, v] : j.items()) {
        if (!v.is_string()) throw std::runtime_error("property " + k + " must be a string");
        out[k] = v.get<std::string>();
    }
    return out;
}

}  // namespace

std::string connector_key(const std::string& name) { return std::string(kConnector) + name; }
std::string target_key(const std::string& name) { return std::string(kTarget) + name; }
std::string pipeline_key(const std::string& name) { return std::string(kPipeline) + name; }
std::string restart_key(const std::string& name) { return std::string(kRestart) + name; }
std::string logger_key(const std::string& name) { return std::string(kLogger) + name; }

std::string connector_value(const ConnectorRecord& record) {
    return nlohmann::json{{"properties", record.properties}, {"tasks", record.tasks}}.dump();
}

std::string target_value(runtime::TargetState target) {
    // Kafka Connect writes STOPPED only in "state.v2"; its older readers see PAUSED.
    const char* v2 = target == runtime::TargetState::running ? "STARTED" : target == runtime::TargetState::paused ? "PAUSED" : "STOPPED";
    const char* v1 = target == runtime::TargetState::running ? "STARTED" : "PAUSED";
    return nlohmann::json{{"state", v1}, {"state.v2", v2}}.dump();
}

std::string pipeline_value(const PipelineRecord& record) {
    return nlohmann::json{{"yaml", record.yaml}, {"tasks", record.tasks}, {"origin", record.command_line ? "command-line" : "rest"}}.dump();
}

std::string restart_value(const RestartRequest& request) {
    return nlohmann::json{{"include_tasks", request.include_tasks}, {"only_failed", request.only_failed}, {"task", request.task}}.dump();
}

std::string logger_value(const std::string& level) { return nlohmann::json{{"level", level}}.dump(); }

runtime::TargetState ConfigState::target(const std::string& name) const {
    auto it = targets_.find(name);
    return it == targets_.end() ? runtime::TargetState::running : it->second;
}

std::map<std::string, runtime::TargetState> ConfigState::targets_of(const PipelineRecord& pipeline) const {
    std::map<std::string, runtime::TargetState> out;
    for (const auto& [connector, tasks] : pipeline.tasks) out[connector] = target(connector);
    return out;
}

int ConfigState::tasks_of(const std::string& connector) const {
    if (target(connector) == runtime::TargetState::stopped) return 0;
    if (auto it = connectors_.find(connector); it != connectors_.end()) return it->second.tasks;
    if (auto p = pipeline_of_.find(connector); p != pipeline_of_.end()) {
        const auto& tasks = pipelines_.at(p->second).tasks;
        if (auto t = tasks.find(connector); t != tasks.end()) return t->second;
    }
    return 0;
}

int ConfigState::lowest_free() const {
    int slot = 0;
    for (int used : used_) {
        if (used != slot) break;
        ++slot;
    }
    return slot;
}

void ConfigState::place(const std::string& connector) {
    const size_t wanted = static_cast<size_t>(tasks_of(connector));
    auto& slots = slots_[connector];
    while (slots.size() > wanted) {
        used_.erase(slots.back());
        slots.pop_back();
    }
    while (slots.size() < wanted) {
        int slot = lowest_free();
        used_.insert(slot);
        slots.push_back(slot);
    }
    if (slots.empty()) slots_.erase(connector);
}

std::optional<int> ConfigState::slot_of(const std::string& connector, int task) const {
    auto it = slots_.find(connector);
    if (it == slots_.end() || task < 0 || static_cast<size_t>(task) >= it->second.size()) return std::nullopt;
    return it->second[static_cast<size_t>(task)];
}

std::set<int> ConfigState::used_slots() const { return used_; }

Change ConfigState::apply(const std::string& key, const std::optional<std::string>& value) {
    Change change;
    try {
        std::optional<nlohmann::json> j;
        if (value) j = nlohmann::json::parse(*value);
        if (starts_with(key, kConnector)) {
            change.kind = Change::Kind::connector;
            change.name = key.substr(kConnector.size());
            if (!j) {
                connectors_.erase(change.name);
            } else {
                if (!j->is_object()) throw std::runtime_error("expected an object");
                ConnectorRecord record;
                record.properties = flat_of(j->value("properties", nlohmann::json::object()));
                record.tasks = task_count(j->value("tasks", nlohmann::json(1)));
                connectors_[change.name] = std::move(record);
            }
            place(change.name);
        } else if (starts_with(key, kTarget)) {
            change.kind = Change::Kind::target;
            change.name = key.substr(kTarget.size());
            if (!j) {
                targets_.erase(change.name);
            } else {
                if (!j->is_object()) throw std::runtime_error("expected an object");
                std::string state = j->contains("state.v2") ? j->value("state.v2", "") : j->value("state", "");
                if (state == "STARTED" || state == "RUNNING") targets_[change.name] = runtime::TargetState::running;
                else if (state == "PAUSED") targets_[change.name] = runtime::TargetState::paused;
                else if (state == "STOPPED") targets_[change.name] = runtime::TargetState::stopped;
                else throw std::runtime_error("unknown state '" + state + "'");
            }
            place(change.name);
        } else if (starts_with(key, kPipeline)) {
            change.kind = Change::Kind::pipeline;
            change.name = key.substr(kPipeline.size());
            std::set<std::string> affected;
            if (auto old = pipelines_.find(change.name); old != pipelines_.end()) {
                for (const auto& [c, n] : old->second.tasks) {
                    affected.insert(c);
                    pipeline_of_.erase(c);
                }
                pipelines_.erase(old);
            }
            if (j) {
                if (!j->is_object() || !j->contains("yaml") || !(*j)["yaml"].is_string()) throw std::runtime_error("expected {\"yaml\": \"...\"}");
                PipelineRecord record;
                record.yaml = (*j)["yaml"].get<std::string>();
                record.command_line = j->value("origin", "rest") == "command-line";
                const nlohmann::json tasks = j->value("tasks", nlohmann::json::object());
                if (!tasks.is_object()) throw std::runtime_error("\"tasks\" must be an object");
                for (const auto& [c, n] : tasks.items()) {
                    record.tasks[c] = task_count(n);
                    affected.insert(c);
                    pipeline_of_[c] = change.name;
                }
                pipelines_[change.name] = std::move(record);
            }
            for (const auto& c : affected) place(c);
        } else if (starts_with(key, kRestart)) {
            change.kind = Change::Kind::restart;
            change.name = key.substr(kRestart.size());
            if (j) {
                change.restart.name = change.name;
                change.restart.include_tasks = j->value("include_tasks", false);
                change.restart.only_failed = j->value("only_failed", false);
                change.restart.task = j->value("task", -1);
            } else {
                change.kind = Change::Kind::none;
            }
        } else if (starts_with(key, kLogger)) {
            change.kind = j ? Change::Kind::logger : Change::Kind::none;
            change.name = key.substr(kLogger.size());
            if (j) change.detail = j->value("level", "");
        }
    } catch (const std::exception& e) {
        change.kind = Change::Kind::invalid;
        change.detail = "record " + key + " is not understood (" + e.what() + "); ignored";
    }
    return change;
}

}  // namespace sluice::cluster
