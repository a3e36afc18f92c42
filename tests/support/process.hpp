// Child processes for integration tests: spawn a program with argv and extra environment,
// its stdout and stderr going to files; wait for it with a timeout; send it signals. The
// handle kills (SIGKILL) and reaps its process when it goes out of scope, so a failing
// test never leaves a worker or a mock cluster behind; the child also gets SIGKILL if the
// test process itself dies (PR_SET_PDEATHSIG), e.g. when ctest's timeout strikes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::testing {

using namespace std::chrono_literals;

// How a process ended.
struct ExitStatus {
    bool exited = false;  // exited normally: `code` is valid
    int code = -1;
    int signal = 0;       // killed by this signal when !exited

    // "exit code 3" / "killed by signal 9 (Killed)", for messages.
    std::string describe() const;
    bool operator==(const ExitStatus&) const = default;
};

// The status of a normal exit with `code`.
inline ExitStatus exited(int code) { return ExitStatus{true, code, 0}; }

struct SpawnOptions {
    std::map<std::string, std::string> env;  // set (or override) in the child's environment
    std::vector<std::string> unset_env;      // removed from the child's environment
    std::string stdout_path;                 // empty: /dev/null
    std::string stderr_path;                 // empty: /dev/null
    std::string stdin_path;                  // empty: /dev/null
    std::string cwd;                         // empty: the test's working directory
};

class Process {
public:
    // Starts argv[0] (a path; no PATH lookup unless it has no '/'). Throws std::runtime_error
    // when the program cannot be started.
    static Process spawn(const std::vector<std::string>& argv, SpawnOptions options = {});

    Process() = default;
    Process(Process&& other) noexcept;
    Process& operator=(Process&& other) noexcept;
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;
    ~Process();  // SIGKILL and reap when still running

    pid_t pid() const { return pid_; }
    const std::string& name() const { return name_; }
    // False once it has ended (reaps it, and remembers how it ended).
    bool running();
    // How it ended, if it has (non-blocking).
    std::optional<ExitStatus> status();
    // Waits up to `timeout` for the end; nullopt when it is still running then.
    std::optional<ExitStatus> wait(std::chrono::milliseconds timeout);
    // Sends a signal (no-op when it has ended).
    void signal(int sig);
    // SIGKILL, then reap; how it ended.
    ExitStatus kill();

    const std::string& stdout_path() const { return stdout_path_; }
    const std::string& stderr_path() const { return stderr_path_; }
    // Everything written so far ("" when it went to /dev/null).
    std::string stdout_text() const;
    std::string stderr_text() const;

private:
    void reap(int wstatus);

    pid_t pid_ = -1;
    std::string name_;
    std::string stdout_path_, stderr_path_;
    std::optional<ExitStatus> ended_;
};

// Runs a program to its end (killing it after `timeout`, which fails the result's status
// check since it then reports SIGKILL), capturing stdout and stderr.
struct RunResult {
    ExitStatus status;
    std::string out;
    std::string err;
    bool timed_out = false;
};
RunResult run(const std::vector<std::string>& argv, const std::string& scratch_dir,
              std::chrono::milliseconds timeout = 30s, SpawnOptions options = {});

// Polls `predicate` every `interval` until it holds or `timeout` passes; its last answer.
bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = 20ms);

// The lines of a file without their LF (a last line without LF included); {} when the
// file does not exist.
std::vector<std::string> read_lines(const std::string& path);
// Whole lines only: a last line not yet terminated by LF is left out (a writer may be
// in the middle of it).
std::vector<std::string> read_complete_lines(const std::string& path);
// Number of LF bytes in the file; 0 when it does not exist.
size_t count_lines(const std::string& path);

}  // namespace sluice::testing
