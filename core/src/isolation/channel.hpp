// One end of the worker <-> plugin host socket: whole frames out, whole frames in, every
// wait bounded by the caller. Bytes that do not decode are a protocol violation, never a
// crash: the peer may be a plugin writing junk on every descriptor it finds.
#pragma once

#include "isolation/protocol.hpp"

#include <chrono>
#include <string>

namespace sluice::isolation {

class Channel {
public:
    explicit Channel(int fd) : fd_(fd) {}
    ~Channel();
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    int fd() const { return fd_; }

    enum class Got { message, timeout, closed, violation };
    // Sends one frame; waits at most timeout_ms for room (-1: for ever). False with `error`.
    bool send(const Message& m, int timeout_ms, std::string& error);
    // Waits at most timeout_ms (-1: for ever) for one frame. `watch_fd` (a pidfd, or -1)
    // readable means the peer process is gone even if someone else holds its socket open.
    Got receive(Message& out, int timeout_ms, int watch_fd, std::string& error);

private:
    // A whole frame from the buffer: message, or violation, or timeout (need more bytes).
    Got parse(Message& out, std::string& error);

    int fd_;
    std::string buffer_;
};

}  // namespace sluice::isolation
