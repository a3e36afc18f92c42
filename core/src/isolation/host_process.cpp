#include "isolation/host_process.hpp"

#include "isolation/errno_text.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sluice::isolation {

namespace {

std::mutex executable_mutex;
std::string& executable() {
    static std::string path = "/proc/self/exe";
    return path;
}

// Only async-signal-safe calls between fork and exec: the worker has many threads.
[[noreturn]] void become_host(const char* path, int socket, int arena, pid_t worker) {
    ::setpgid(0, 0);
    // Die with the worker, and make sure it was still there to be died with.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != worker) ::_exit(127);
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    // Out of the way of 3 and 4 first: dup2 onto a descriptor we still need would close it.
    int s = ::fcntl(socket, F_DUPFD, 10);
    int a = ::fcntl(arena, F_DUPFD, 10);
    if (s < 0 || a < 0 || ::dup2(s, kHostSocketFd) < 0 || ::dup2(a, kHostArenaFd) < 0) ::_exit(127);
    int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    ::dup2(2, 1);  // the plugin's own prints go where the worker's log goes
    // Nothing else of the worker's: not its Kafka sockets, not its REST listener, not its files.
    ::syscall(SYS_close_range, kHostArenaFd + 1, ~0U, 0);
    // The worker blocks SIGINT/SIGTERM in every thread (sigtimedwait); the host must not.
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    char worker_pid[24];
    {
        // pid as text without snprintf (not async-signal-safe in every libc)
        char digits[24];
        int n = 0;
        unsigned long v = static_cast<unsigned long>(worker);
        do {
            digits[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v != 0);
        for (int i = 0; i < n; ++i) worker_pid[i] = digits[n - 1 - i];
        worker_pid[n] = '\0';
    }
    char arg0[] = "sluice";
    char arg1[] = "plugin-host";
    char* argv[] = {arg0, arg1, worker_pid, nullptr};
    ::execv(path, argv);
    ::_exit(127);
}

}  // namespace

void set_host_executable(std::string path) {
    std::lock_guard lock(executable_mutex);
    executable() = std::move(path);
}

std::unique_ptr<HostProcess> HostProcess::spawn(int arena_fd, std::string& error) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        error = errno_text("socketpair");
        return nullptr;
    }
    std::string path;
    {
        std::lock_guard lock(executable_mutex);
        path = executable();
    }
    const pid_t worker = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        error = errno_text("fork");
        ::close(pair[0]);
        ::close(pair[1]);
        return nullptr;
    }
    if (pid == 0) become_host(path.c_str(), pair[1], arena_fd, worker);
    ::close(pair[1]);
    ::setpgid(pid, pid);  // also here: no race with a kill of the group before the child ran
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) {
        error = errno_text("pidfd_open");
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        ::close(pair[0]);
        return nullptr;
    }
    return std::unique_ptr<HostProcess>(new HostProcess(pid, pair[0], pidfd));
}

HostProcess::~HostProcess() {
    reap(std::chrono::milliseconds(0));
    ::close(pidfd_);  // the socket belongs to the Channel that reads it
}

void HostProcess::kill() {
    if (reaped_) return;
    ::kill(-pid_, SIGKILL);  // the group: what the plugin forked goes too
    ::kill(pid_, SIGKILL);
}

std::string HostProcess::reap(std::chrono::milliseconds grace) {
    if (reaped_) return ending_;
    pollfd p{pidfd_, POLLIN, 0};
    const auto deadline = std::chrono::steady_clock::now() + grace;
    bool ended = false;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        int r = ::poll(&p, 1, static_cast<int>(left < 0 ? 0 : left));
        if (r > 0) ended = true;
        if (r >= 0 || errno != EINTR || left <= 0) break;
    }
    // Killed while the host (a zombie at worst) still holds its pid, so the group id cannot
    // have been reused: what the plugin forked and left behind goes too.
    if (!ended) kill();
    else ::kill(-pid_, SIGKILL);
    int status = 0;
    pid_t got;
    do got = ::waitpid(pid_, &status, 0);
    while (got < 0 && errno == EINTR);
    reaped_ = true;
    ending_ = got == pid_ ? describe_wait_status(status) : errno_text("waitpid");
    return ending_;
}

std::string describe_wait_status(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        const char* abbrev = ::sigabbrev_np(sig);
        return "killed by signal " + std::to_string(sig) + (abbrev ? " (SIG" + std::string(abbrev) + ")" : std::string());
    }
    return "ended with wait status " + std::to_string(status);
}

}  // namespace sluice::isolation
