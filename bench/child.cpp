#include "child.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace bench {

namespace {
double cpu_of(const struct rusage& u) {
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
}  // namespace

std::string Child::Exit::describe() const {
    std::string out;
    if (WIFEXITED(status)) out = "exit code " + std::to_string(WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) out = std::string("killed by signal ") + strsignal(WTERMSIG(status));
    else out = "status " + std::to_string(status);
    if (killed) out += " (did not stop within the grace period: SIGKILL)";
    return out;
}

bool Child::Exit::clean() const { return !killed && WIFEXITED(status) && WEXITSTATUS(status) == 0; }

Child Child::spawn(const std::vector<std::string>& argv, const std::string& log_path) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    // posix_spawn (vfork-like in glibc): no copy of this process's page tables, which hold
    // the pre-generated records, so the start-up measurement does not pay for them.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(rc));
    Child c;
    c.pid_ = pid;
    return c;
}

Child::~Child() {
    if (pid_ > 0) stop(std::chrono::milliseconds(5000));
}

Child::Child(Child&& other) noexcept : pid_(other.pid_), exit_(std::move(other.exit_)) { other.pid_ = -1; }

Child& Child::operator=(Child&& other) noexcept {
    if (this != &other) {
        if (pid_ > 0) stop(std::chrono::milliseconds(5000));
        pid_ = other.pid_;
        exit_ = std::move(other.exit_);
        other.pid_ = -1;
    }
    return *this;
}

bool Child::running() {
    if (pid_ <= 0 || exit_) return false;
    int status = 0;
    struct rusage usage {};
    pid_t r = ::wait4(pid_, &status, WNOHANG, &usage);
    if (r == pid_) {
        exit_ = Exit{status, false, 0, cpu_of(usage)};
        return false;
    }
    return true;
}

std::optional<long> Child::peak_rss_kb() const {
    if (pid_ <= 0 || exit_) return std::nullopt;
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return std::nullopt;
}

namespace {
// utime + stime of a /proc/.../stat file, and the name between its parentheses.
std::optional<double> read_stat(const std::string& path, std::string* name = nullptr) {
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto open = text.find('(');
    auto paren = text.rfind(')');  // the command name may hold spaces
    if (open == std::string::npos || paren == std::string::npos || paren < open) return std::nullopt;
    if (name) *name = text.substr(open + 1, paren - open - 1);
    std::istringstream fields(text.substr(paren + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {  // fields 14 and 15: utime, stime
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}
}  // namespace

std::map<int, ThreadCpu> thread_cpu(pid_t pid) {
    std::map<int, ThreadCpu> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
        ThreadCpu t;
        if (auto cpu = read_stat(entry.path().string() + "/stat", &t.name)) {
            t.cpu_s = *cpu;
            out[std::atoi(entry.path().filename().c_str())] = t;
        }
    }
    return out;
}

namespace {
// The processes whose parent is `parent` (field 4 of /proc/<pid>/stat).
std::vector<pid_t> children_of(pid_t parent) {
    std::vector<pid_t> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const pid_t pid = std::atoi(entry.path().filename().c_str());
        if (pid <= 0) continue;
        std::ifstream in(entry.path() / "stat");
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto paren = text.rfind(')');
        if (paren == std::string::npos) continue;
        std::istringstream fields(text.substr(paren + 2));
        std::string state;
        long ppid = 0;
        if (fields >> state >> ppid && ppid == parent) out.push_back(pid);
    }
    return out;
}
}  // namespace

std::optional<double> Child::cpu_seconds() const {
    if (pid_ <= 0 || exit_) return std::nullopt;
    auto own = read_stat("/proc/" + std::to_string(pid_) + "/stat");
    if (!own) return own;
    for (pid_t child : children_of(pid_))
        if (auto c = read_stat("/proc/" + std::to_string(child) + "/stat")) *own += *c;
    return own;
}

std::optional<long> Child::children_peak_rss_kb() const {
    if (pid_ <= 0 || exit_) return std::nullopt;
    std::optional<long> peak;
    for (pid_t child : children_of(pid_)) {
        std::ifstream in("/proc/" + std::to_string(child) + "/status");
        std::string line;
        while (std::getline(in, line))
            if (line.rfind("VmHWM:", 0) == 0) peak = std::max(peak.value_or(0), std::stol(line.substr(6)));
    }
    return peak;
}

Child::Exit Child::stop(std::chrono::milliseconds grace) {
    if (pid_ <= 0) return exit_.value_or(Exit{});
    long hwm = 0;
    if (running()) {
        ::kill(pid_, SIGTERM);
        const auto deadline = std::chrono::steady_clock::now() + grace;
        while (std::chrono::steady_clock::now() < deadline) {
            if (auto v = peak_rss_kb()) hwm = std::max(hwm, *v);  // before it is reaped
            if (!running()) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        if (!exit_) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            struct rusage usage {};
            while (::wait4(pid_, &status, 0, &usage) < 0 && errno == EINTR) {
            }
            exit_ = Exit{status, true, 0, cpu_of(usage)};
        }
        exit_->peak_rss_kb = hwm;
    }
    Exit e = exit_.value_or(Exit{});
    pid_ = -1;
    exit_ = e;
    return e;
}

}  // namespace bench
