// One plugin host as one task's remote instance talks to it: start (hello -> ready), calls
// that serve the host's callbacks while they wait, and the end (shutdown, reap). Every wait
// is bounded by plugin.call.timeout.ms; any failure kills the host and sticks.
#pragma once

#include "isolation/arena.hpp"
#include "isolation/channel.hpp"
#include "isolation/host_process.hpp"
#include "isolation/remote.hpp"
#include "plugin/call.hpp"

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace sluice::isolation {

class HostSession {
public:
    static std::unique_ptr<HostSession> start(const RemoteSpec& spec, const sluice_host* host, std::string& error);
    // A host that loads the plugin, runs one configuration check (its test or validate,
    // no instance) and ends: `answer` is the checked message, or the outcome is FATAL and
    // says how the host failed (crash, plugin.call.timeout.ms, protocol, memory), naming
    // the file, the callback and the host's last log lines, as a task's trace does.
    static plugin::Outcome check(const RemoteSpec& spec, const sluice_host* host, Check which, Message& answer);
    ~HostSession();
    HostSession(const HostSession&) = delete;
    HostSession& operator=(const HostSession&) = delete;

    // Sends `request` and serves the host's callbacks until its answer (`done`). A dead,
    // silent or misbehaving host gives a FATAL outcome (and so does every later call).
    plugin::Outcome call(const Message& request, std::string_view callback, Message& done);
    // The same in two halves, so that the host can work on a request (a prefetched poll)
    // while the worker does something else; one request at a time. begin() false: the
    // host failed (end() says how).
    bool begin(const Message& request, std::string_view callback);
    plugin::Outcome end(std::string_view callback, Message& done);
    Arena& arena() { return *arena_; }
    bool broken() const { return !failure_.empty(); }  // the host failed: every call is FATAL
    // A protocol violation found by the caller in an answer (records in the arena).
    plugin::Outcome violation(std::string_view callback, const std::string& what);

private:
    HostSession(const RemoteSpec& spec, const sluice_host* host);
    // The arena, the process and the socket, before the first message.
    static std::unique_ptr<HostSession> launch(const RemoteSpec& spec, const sluice_host* host, std::string& error);
    static Message plugin_spec(const RemoteSpec& spec, Type type);
    plugin::Outcome failed(std::string_view callback, const std::string& reason);
    bool serve(const Message& m, std::string& error);  // a callback of the host's
    void remember(std::string line);

    std::string file_, plugin_, context_;
    int64_t timeout_ms_;
    int64_t memory_max_;
    int64_t stop_grace_ms_;
    const sluice_host* host_;
    std::unique_ptr<Arena> arena_;
    std::unique_ptr<HostProcess> process_;
    std::unique_ptr<Channel> channel_;
    std::deque<std::string> last_lines_;  // the host's last log lines, for the failure trace
    std::string failure_;                 // set once: every call fails with it
    bool ends_by_itself_ = false;         // a check's host exits after its answer: no shutdown
    Type expected_ = Type::done;          // the answer the request in flight waits for
    std::chrono::steady_clock::time_point deadline_;
    std::optional<std::chrono::steady_clock::time_point> stop_seen_;  // when a waiting call saw the stop flag
};

}  // namespace sluice::isolation
