// The task arena (core/src/isolation/arena.hpp): both sides see the same bytes, it grows,
// and a peer that lies about its size, or tries to shrink it, cannot make us fault.
#include "isolation/arena.hpp"
#include "isolation/host_process.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace sluice::isolation;

TEST_CASE("arena: two mappings share bytes, grow, and cannot be shrunk or lied about") {
    std::string error;
    auto worker = Arena::create(error);
    REQUIRE_MESSAGE(worker, error);
    auto host = Arena::attach(::dup(worker->fd()), error);
    REQUIRE_MESSAGE(host, error);
    CHECK(host->size() == worker->size());

    worker->stop_flag().store(1);
    CHECK(host->stop_flag().load() == 1);

    REQUIRE(host->grow(worker->size() * 3, error));
    CHECK(host->size() >= worker->size() * 3);
    host->data()[host->size() - 1] = 'x';
    CHECK_FALSE(worker->follow(host->size() * 2, error));  // more than the file holds
    CHECK(error.find("the file has fewer") != std::string::npos);
    REQUIRE_MESSAGE(worker->follow(host->size(), error), error);
    CHECK(worker->data()[worker->size() - 1] == 'x');
    CHECK_FALSE(worker->follow(Arena::kInitialBytes, error));  // smaller: refused
    CHECK(::ftruncate(host->fd(), 4096) != 0);                // sealed against shrinking
}

TEST_CASE("host process: how an end is told") {
    auto status_of = [](auto body) {
        pid_t pid = ::fork();
        if (pid == 0) body();
        int status = 0;
        ::waitpid(pid, &status, 0);
        return describe_wait_status(status);
    };
    CHECK(status_of([] { ::_exit(3); }) == "exited with status 3");
    CHECK(status_of([] { ::signal(SIGSEGV, SIG_DFL); ::raise(SIGSEGV); ::_exit(0); }) == "killed by signal 11 (SIGSEGV)");
    CHECK(status_of([] { ::raise(SIGKILL); ::_exit(0); }) == "killed by signal 9 (SIGKILL)");
}
