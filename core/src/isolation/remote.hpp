// The worker's side of process isolation: plugin::Source and plugin::Sink whose every
// call goes to a plugin host process (one per task) and back. A host that dies, stops
// answering within plugin.call.timeout.ms, or breaks the protocol is killed and reaped,
// and that call and every later one return FATAL with a message that names the plugin
// file, the callback, the reason and the host's last log lines: the task fails through
// its usual path, and the batch of the failed call is never acknowledged.
#pragma once

#include "config/isolation_config.hpp"
#include "config/schema.hpp"
#include "plugin/loaded_plugin.hpp"
#include "plugin/task_plugin.hpp"

#include <sluice/abi.h>

#include <memory>
#include <string>

namespace sluice::isolation {

struct RemoteSpec {
    plugin::PluginPtr plugin;
    const config::Resolved& config;
    std::string worker_id;
    std::string connector;
    int task_id = 0;
    int task_count = 1;
    config::IsolationPolicy policy;
    // Once the task is asked to stop, how long a call may still take (shutdown.timeout.ms)
    // before the host is killed, when that is sooner than plugin.call.timeout.ms.
    int64_t stop_grace_ms = 30000;
};

// Starts the host, has it load the plugin's file and create the instance; null with
// `error` (the plugin's message, or why the host could not start) on failure. `host` is
// the task's callback table: the host's callbacks are served through it.
template <class Interface>
std::unique_ptr<Interface> create_remote(const RemoteSpec& spec, const sluice_host* host, std::string& error);
template <>
std::unique_ptr<plugin::Source> create_remote<plugin::Source>(const RemoteSpec& spec, const sluice_host* host, std::string& error);
template <>
std::unique_ptr<plugin::Sink> create_remote<plugin::Sink>(const RemoteSpec& spec, const sluice_host* host, std::string& error);

}  // namespace sluice::isolation
