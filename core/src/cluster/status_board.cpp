#include "cluster/status_board.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

namespace sluice::cluster {
namespace {

constexpr std::string_view kTask = "status-task-";

std::optional<runtime::TaskState> parse_state(const std::string& name) {
    using S = runtime::TaskState;
    for (S s : {S::unassigned, S::running, S::paused, S::failed, S::restarting, S::stopped})
        if (runtime::state_name(s) == name) return s;
    return std::nullopt;
}

}  // namespace

std::string task_status_key(const std::string& connector, int task) { return std::string(kTask) + connector + "-" + std::to_string(task); }
std::string connector_status_key(const std::string& connector) { return "status-connector-" + connector; }

std::string status_value(const TaskStatusRecord& status) {
    nlohmann::json j = {{"state", runtime::state_name(status.state)}, {"worker_id", status.worker_id}, {"generation", status.generation}};
    if (!status.trace.empty()) j["trace"] = status.trace;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<std::pair<std::string, int>> parse_task_status_key(const std::string& key) {
    if (key.compare(0, kTask.size(), kTask) != 0) return std::nullopt;
    const auto dash = key.rfind('-');
    if (dash == std::string::npos || dash < kTask.size() + 1) return std::nullopt;
    int task = -1;
    const char* first = key.data() + dash + 1;
    const char* last = key.data() + key.size();
    auto [end, ec] = std::from_chars(first, last, task);
    if (ec != std::errc() || end != last || task < 0) return std::nullopt;
    return std::make_pair(key.substr(kTask.size(), dash - kTask.size()), task);
}

bool StatusBoard::apply(const std::string& key, const std::optional<std::string>& value) {
    auto parsed = parse_task_status_key(key);
    if (!parsed) return false;
    const auto& [connector, task] = *parsed;
    std::lock_guard lock(mutex_);
    if (!value) {
        auto it = tasks_.find(connector);
        if (it != tasks_.end()) {
            it->second.erase(task);
            if (it->second.empty()) tasks_.erase(it);
        }
        return true;
    }
    try {
        auto j = nlohmann::json::parse(*value);
        TaskStatusRecord r;
        auto state = parse_state(j.value("state", ""));
        if (!state) return false;
        r.state = *state;
        r.trace = j.value("trace", "");
        r.worker_id = j.value("worker_id", "");
        r.generation = j.value("generation", -1);
        tasks_[connector][task] = std::move(r);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

std::optional<TaskStatusRecord> StatusBoard::task(const std::string& connector, int task) const {
    std::lock_guard lock(mutex_);
    auto it = tasks_.find(connector);
    if (it == tasks_.end()) return std::nullopt;
    auto t = it->second.find(task);
    if (t == it->second.end()) return std::nullopt;
    return t->second;
}

std::map<int, TaskStatusRecord> StatusBoard::tasks(const std::string& connector) const {
    std::lock_guard lock(mutex_);
    auto it = tasks_.find(connector);
    return it == tasks_.end() ? std::map<int, TaskStatusRecord>{} : it->second;
}

}  // namespace sluice::cluster
