#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace sluice::testing {

std::string ExitStatus::describe() const {
    if (exited) return "exit code " + std::to_string(code);
    if (signal != 0) return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
    return "still running";
}

namespace {

std::string slurp(const std::string& path) {
    if (path.empty()) return "";
    std::ifstream in(path, std::ios::binary);
    if (!in) return "";
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// In the child, between fork and exec: async-signal-safe calls only. On failure, the
// errno goes up the pipe and the child exits 127.
[[noreturn]] void child_fail(int pipe_fd) {
    int e = errno;
    ssize_t ignored = ::write(pipe_fd, &e, sizeof e);
    (void)ignored;
    _exit(127);
}

void redirect(const char* path, int target, int flags, int pipe_fd) {
    int fd = ::open(path, flags | O_CLOEXEC, 0644);
    if (fd < 0) child_fail(pipe_fd);
    if (::dup2(fd, target) < 0) child_fail(pipe_fd);  // dup2 clears FD_CLOEXEC on the copy
    ::close(fd);
}

}  // namespace

Process Process::spawn(const std::vector<std::string>& argv, SpawnOptions options) {
    if (argv.empty()) throw std::runtime_error("spawn: empty argv");
    // Everything the child needs is built before fork: the child may not allocate.
    std::vector<std::string> env_strings;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string entry(*e);
        std::string key = entry.substr(0, entry.find('='));
        bool dropped = options.env.count(key) > 0;
        for (const auto& u : options.unset_env) dropped = dropped || u == key;
        if (!dropped) env_strings.push_back(std::move(entry));
    }
    for (const auto& [k, v] : options.env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp, args;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_copy = argv;
    for (auto& a : argv_copy) args.push_back(a.data());
    args.push_back(nullptr);
    const std::string out_path = options.stdout_path.empty() ? "/dev/null" : options.stdout_path;
    const std::string err_path = options.stderr_path.empty() ? "/dev/null" : options.stderr_path;
    const std::string in_path = options.stdin_path.empty() ? "/dev/null" : options.stdin_path;
    const bool search_path = argv[0].find('/') == std::string::npos;

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    const pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
        int e = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        throw std::runtime_error(std::string("fork: ") + std::strerror(e));
    }
    if (pid == 0) {
        ::close(fds[0]);
        // Dies with the test process, whatever kills it.
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(fds[1]);
        if (::getppid() != parent) _exit(127);
        ::setpgid(0, 0);  // its own process group: a terminal's Ctrl-C reaches only the test
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int sig : {SIGTERM, SIGINT, SIGPIPE, SIGCHLD}) ::signal(sig, SIG_DFL);
        redirect(in_path.c_str(), STDIN_FILENO, O_RDONLY, fds[1]);
        redirect(out_path.c_str(), STDOUT_FILENO, O_WRONLY | O_CREAT | O_TRUNC, fds[1]);
        redirect(err_path.c_str(), STDERR_FILENO, O_WRONLY | O_CREAT | O_TRUNC, fds[1]);
        if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) child_fail(fds[1]);
        if (search_path) ::execvpe(args[0], args.data(), envp.data());
        else ::execve(args[0], args.data(), envp.data());
        child_fail(fds[1]);
    }
    ::close(fds[1]);
    int child_errno = 0;
    ssize_t n;
    do {
        n = ::read(fds[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    ::close(fds[0]);
    if (n > 0) {  // exec (or a redirection) failed: the child is gone
        int ignored;
        ::waitpid(pid, &ignored, 0);
        throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(child_errno));
    }
    Process p;
    p.pid_ = pid;
    p.name_ = argv[0].substr(argv[0].rfind('/') == std::string::npos ? 0 : argv[0].rfind('/') + 1);
    p.stdout_path_ = options.stdout_path;
    p.stderr_path_ = options.stderr_path;
    return p;
}

Process::Process(Process&& other) noexcept { *this = std::move(other); }

Process& Process::operator=(Process&& other) noexcept {
    if (this != &other) {
        if (pid_ > 0 && !ended_) kill();
        pid_ = other.pid_;
        name_ = std::move(other.name_);
        stdout_path_ = std::move(other.stdout_path_);
        stderr_path_ = std::move(other.stderr_path_);
        ended_ = other.ended_;
        other.pid_ = -1;
        other.ended_.reset();
    }
    return *this;
}

Process::~Process() {
    if (pid_ > 0 && !ended_) kill();
}

void Process::reap(int wstatus) {
    ExitStatus s;
    if (WIFEXITED(wstatus)) {
        s.exited = true;
        s.code = WEXITSTATUS(wstatus);
    } else if (WIFSIGNALED(wstatus)) {
        s.signal = WTERMSIG(wstatus);
    }
    ended_ = s;
}

std::optional<ExitStatus> Process::status() {
    if (ended_ || pid_ <= 0) return ended_;
    int wstatus = 0;
    pid_t r;
    do {
        r = ::waitpid(pid_, &wstatus, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == pid_) reap(wstatus);
    return ended_;
}

bool Process::running() { return pid_ > 0 && !status(); }

std::optional<ExitStatus> Process::wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (auto s = status()) return s;
        if (pid_ <= 0 || std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(5ms);
    }
}

void Process::signal(int sig) {
    if (running()) ::kill(pid_, sig);
}

ExitStatus Process::kill() {
    if (pid_ <= 0) return {};
    if (!status()) {
        ::kill(pid_, SIGKILL);
        int wstatus = 0;
        pid_t r;
        do {
            r = ::waitpid(pid_, &wstatus, 0);
        } while (r < 0 && errno == EINTR);
        if (r == pid_) reap(wstatus);
    }
    return ended_.value_or(ExitStatus{});
}

std::string Process::stdout_text() const { return slurp(stdout_path_); }
std::string Process::stderr_text() const { return slurp(stderr_path_); }

RunResult run(const std::vector<std::string>& argv, const std::string& scratch_dir, std::chrono::milliseconds timeout,
              SpawnOptions options) {
    // Atomic: tests call run() from many threads at once (rest_concurrency's 50 clients), and two
    // runs given one base name shared their output files: one curl truncated the status the
    // other had written, which read as "no HTTP status" next to a whole body.
    static std::atomic<int> counter{0};
    const std::string base = scratch_dir + "/run-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    options.stdout_path = base + ".out";
    options.stderr_path = base + ".err";
    Process p = Process::spawn(argv, options);
    RunResult r;
    if (auto s = p.wait(timeout)) {
        r.status = *s;
    } else {
        r.timed_out = true;
        r.status = p.kill();
    }
    r.out = p.stdout_text();
    r.err = p.stderr_text();
    return r;
}

bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (predicate()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return predicate();
        std::this_thread::sleep_for(interval);
    }
}

std::vector<std::string> read_lines(const std::string& path) {
    std::vector<std::string> lines;
    std::ifstream in(path, std::ios::binary);
    for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
    return lines;
}

std::vector<std::string> read_complete_lines(const std::string& path) {
    std::string content = slurp(path);
    std::vector<std::string> lines;
    size_t start = 0;
    for (size_t lf = content.find('\n'); lf != std::string::npos; lf = content.find('\n', start)) {
        lines.push_back(content.substr(start, lf - start));
        start = lf + 1;
    }
    return lines;
}

size_t count_lines(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return 0;
    size_t n = 0;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        for (std::streamsize i = 0; i < in.gcount(); ++i) n += buf[i] == '\n';
        if (!in) break;
    }
    return n;
}

}  // namespace sluice::testing
