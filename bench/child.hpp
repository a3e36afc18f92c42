// A child process of the benchmark (the mock cluster, a sluice worker): started with
// posix_spawn, output to a log file, stopped with SIGTERM, a bounded wait, then SIGKILL.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace bench {

// CPU seconds (user + system) of each thread of a process, by thread id, with its name.
struct ThreadCpu {
    std::string name;
    double cpu_s = 0;
};
std::map<int, ThreadCpu> thread_cpu(pid_t pid);

class Child {
public:
    struct Exit {
        int status = 0;          // as from waitpid
        bool killed = false;     // SIGKILL was needed
        long peak_rss_kb = 0;    // last VmHWM read while it shut down (0 if never read)
        double cpu_s = 0;        // user + system CPU time, from wait4
        std::string describe() const;
        bool clean() const;      // exited by itself with code 0
    };

    Child() = default;
    // Starts argv[0] with the arguments; stdout and stderr go to log_path (appended).
    // Throws std::runtime_error when it cannot be started.
    static Child spawn(const std::vector<std::string>& argv, const std::string& log_path);
    ~Child();
    Child(Child&& other) noexcept;
    Child& operator=(Child&& other) noexcept;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    // VmHWM (peak resident set) from /proc/<pid>/status, in KiB; nullopt once it is gone.
    std::optional<long> peak_rss_kb() const;
    // User + system CPU seconds so far, from /proc/<pid>/stat, its live children's included
    // (a worker's plugin hosts, plugin.isolation: process); nullopt once it is gone.
    std::optional<double> cpu_seconds() const;
    // The largest VmHWM among its live children (plugin hosts), in KiB; nullopt when none.
    std::optional<long> children_peak_rss_kb() const;
    // SIGTERM, wait up to grace (reading VmHWM meanwhile), then SIGKILL. Safe to call twice.
    Exit stop(std::chrono::milliseconds grace);

private:
    pid_t pid_ = -1;
    std::optional<Exit> exit_;
};

}  // namespace bench
