#include "config/isolation_config.hpp"

namespace sluice::config {

std::string_view isolation_name(Isolation mode) { return mode == Isolation::process ? "process" : "in-process"; }

std::vector<KeyDef> isolation_keys(bool with_defaults) {
    auto def = [&](const char* text) { return with_defaults ? std::optional<std::string>(text) : std::nullopt; };
    std::vector<KeyDef> keys;
    KeyDef mode = key_def("plugin.isolation", ValueType::string,
                          "Where a connector's plugin runs: in-process (in the worker: fastest, a crash kills the worker) or process "
                          "(one plugin host process per task: a crash, hang or leak fails only that task)" +
                              std::string(with_defaults ? "" : "; default: the worker's plugin.isolation"),
                          def("in-process"));
    mode.allowed = {"in-process", "process"};
    keys.push_back(mode);
    KeyDef timeout = key_def("plugin.call.timeout.ms", ValueType::integer,
                             "With process isolation: how long one plugin callback (poll, put, flush, ...) may take before its "
                             "plugin host is killed and the task fails" +
                                 std::string(with_defaults ? "" : "; default: the worker's"),
                             def("60000"));
    timeout.min = 100;
    timeout.max = 86400000;
    keys.push_back(timeout);
    KeyDef memory = key_def("plugin.memory.max.bytes", ValueType::integer,
                            "With process isolation: the address space a plugin host may use (RLIMIT_AS, enforced by the "
                            "kernel; allocations past it fail). 0: no limit" +
                                std::string(with_defaults ? "" : "; default: the worker's"),
                            def("4294967296"));
    memory.min = 0;
    keys.push_back(memory);
    return keys;
}

const Schema& connector_isolation_schema() {
    static const Schema schema(isolation_keys(false));
    return schema;
}

bool is_isolation_key(std::string_view key) {
    return key == "plugin.isolation" || key == "plugin.call.timeout.ms" || key == "plugin.memory.max.bytes";
}

IsolationOverrides isolation_overrides_from(const Resolved& values) {
    IsolationOverrides o;
    if (auto it = values.find("plugin.isolation"); it != values.end() && !it->second.text.empty())
        o.mode = it->second.text == "process" ? Isolation::process : Isolation::in_process;
    if (auto it = values.find("plugin.call.timeout.ms"); it != values.end() && !it->second.text.empty())
        o.call_timeout_ms = std::stoll(it->second.text);
    if (auto it = values.find("plugin.memory.max.bytes"); it != values.end() && !it->second.text.empty())
        o.memory_max_bytes = std::stoll(it->second.text);
    return o;
}

}  // namespace sluice::config
