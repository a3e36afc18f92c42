// The fatal-signal line: a child process installs the handler, marks a plugin call (as
// call_plugin does) inside a task's log scope, and dies of a signal; its stderr must name the
// signal, the callback, the plugin file and the task, and it must still die of that signal.
#include "app/crash_report.hpp"

#include "common/log.hpp"
#include "plugin/call.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace {

struct Death {
    int signal = 0;
    std::string stderr_text;
};

template <class F>
Death die_in_child(F&& body) {
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(pipe_fds[1], STDERR_FILENO);
        ::close(pipe_fds[0]);
        sluice::app::install_crash_report();
        body();
        ::_exit(0);  // not reached when the body dies
    }
    ::close(pipe_fds[1]);
    Death d;
    char buffer[4096];
    for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) d.stderr_text.append(buffer, static_cast<size_t>(n));
    ::close(pipe_fds[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    if (WIFSIGNALED(status)) d.signal = WTERMSIG(status);
    return d;
}

}  // namespace

TEST_CASE("crash report: a signal inside a plugin call names the callback, the plugin file and the task, then kills") {
    auto d = die_in_child([] {
        sluice::log::Scope scope("acme.src/0");
        sluice::plugin::CallMarker marker("poll", "/plugins/libacme_source.so");
        ::raise(SIGSEGV);
    });
    CHECK(d.signal == SIGSEGV);
    CHECK_MESSAGE(d.stderr_text.find("sluice: fatal SIGSEGV in poll() of plugin /plugins/libacme_source.so, task acme.src/0, run "
                                     "in-process") != std::string::npos,
                  d.stderr_text);

    auto abort = die_in_child([] {
        sluice::plugin::CallMarker marker("put", "/plugins/libsink.so");
        ::abort();
    });
    CHECK(abort.signal == SIGABRT);
    CHECK_MESSAGE(abort.stderr_text.find("sluice: fatal SIGABRT in put() of plugin /plugins/libsink.so") != std::string::npos,
                  abort.stderr_text);
}

TEST_CASE("crash report: outside any plugin call it says so; a finished call leaves no marker behind") {
    auto d = die_in_child([] {
        sluice::log::Scope scope("demo.sink/1");
        { sluice::plugin::CallMarker marker("flush", "/plugins/x.so"); }
        ::raise(SIGBUS);
    });
    CHECK(d.signal == SIGBUS);
    CHECK_MESSAGE(d.stderr_text.find("sluice: fatal SIGBUS outside any plugin call (thread of demo.sink/1): the worker stops") !=
                      std::string::npos,
                  d.stderr_text);
}
