// A plugin host process as the worker holds it: the worker's own binary run again as
// `sluice plugin-host`, in a process group of its own, with only its socket (fd 3) and the
// task's arena (fd 4) open, stdin on /dev/null and stdout/stderr the worker's stderr; it
// dies with the worker (PR_SET_PDEATHSIG) and cannot gain privileges (PR_SET_NO_NEW_PRIVS).
// Its end is always reaped here: no zombie is ever left, whatever way it ended.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <sys/types.h>

namespace sluice::isolation {

constexpr int kHostSocketFd = 3;
constexpr int kHostArenaFd = 4;
// The host's exit status when an allocation failed in a call (plugin.memory.max.bytes).
constexpr int kOutOfMemoryExit = 86;

// The binary started as the plugin host: /proc/self/exe unless set (tests run their own).
void set_host_executable(std::string path);

class HostProcess {
public:
    // Forks and executes the host; the worker's end of the socket in socket().
    static std::unique_ptr<HostProcess> spawn(int arena_fd, std::string& error);
    ~HostProcess();
    HostProcess(const HostProcess&) = delete;
    HostProcess& operator=(const HostProcess&) = delete;

    int socket() const { return socket_; }  // the caller's to close (a Channel owns it)
    int pidfd() const { return pidfd_; }
    pid_t pid() const { return pid_; }

    // SIGKILL to the host and everything it forked (its process group).
    void kill();
    // Waits up to `grace` for the host to end by itself, kills it (and its group) if it
    // has not, reaps it, and says how it ended: "exited with status 0", "killed by signal
    // 11 (SIGSEGV)". Idempotent.
    std::string reap(std::chrono::milliseconds grace);
    bool reaped() const { return reaped_; }

private:
    HostProcess(pid_t pid, int socket, int pidfd) : pid_(pid), socket_(socket), pidfd_(pidfd) {}

    pid_t pid_;
    int socket_;
    int pidfd_;
    bool reaped_ = false;
    std::string ending_;
};

// "killed by signal 11 (SIGSEGV)" / "exited with status 3" for a waitpid status.
std::string describe_wait_status(int status);

}  // namespace sluice::isolation
