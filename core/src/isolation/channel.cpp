#include "isolation/channel.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sluice::isolation {

namespace {
using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}
}  // namespace

Channel::~Channel() {
    if (fd_ >= 0) ::close(fd_);
}

bool Channel::send(const Message& m, int timeout_ms, std::string& error) {
    const std::string frame = encode(m);
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
    size_t sent = 0;
    while (sent < frame.size()) {
        ssize_t n = ::send(fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            sent += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd p{fd_, POLLOUT, 0};
            const int wait = timeout_ms < 0 ? -1 : remaining_ms(deadline);
            if (timeout_ms >= 0 && wait == 0) {
                error = "timed out sending a " + std::string(type_name(m.type)) + " frame";
                return false;
            }
            if (::poll(&p, 1, wait) < 0 && errno != EINTR) {
                error = std::string("poll: ") + std::strerror(errno);
                return false;
            }
            continue;
        }
        error = std::string("the socket is closed (") + std::strerror(errno) + ")";
        return false;
    }
    return true;
}

Channel::Got Channel::parse(Message& out, std::string& error) {
    if (buffer_.size() < kFrameHeaderBytes) return Got::timeout;
    auto header = decode_header(reinterpret_cast<const unsigned char*>(buffer_.data()), error);
    if (!header) return Got::violation;
    if (buffer_.size() - kFrameHeaderBytes < header->length) return Got::timeout;
    auto message = decode_body(header->type, std::string_view(buffer_).substr(kFrameHeaderBytes, header->length), error);
    if (!message) return Got::violation;
    buffer_.erase(0, kFrameHeaderBytes + header->length);
    out = std::move(*message);
    return Got::message;
}

Channel::Got Channel::receive(Message& out, int timeout_ms, int watch_fd, std::string& error) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
    char chunk[65536];
    for (;;) {
        Got got = parse(out, error);
        if (got != Got::timeout) return got;
        pollfd p[2] = {{fd_, POLLIN, 0}, {watch_fd, POLLIN, 0}};
        const int wait = timeout_ms < 0 ? -1 : remaining_ms(deadline);
        int ready = ::poll(p, watch_fd >= 0 ? 2 : 1, wait);
        if (ready < 0) {
            if (errno == EINTR) continue;
            error = std::string("poll: ") + std::strerror(errno);
            return Got::closed;
        }
        if (ready == 0) return Got::timeout;
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n > 0) {
            buffer_.append(chunk, static_cast<size_t>(n));
            continue;
        }
        if (n == 0) return Got::closed;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            // Nothing to read: the socket is quiet, and if the process is gone, so is the answer.
            if (watch_fd >= 0 && (p[1].revents & POLLIN)) return Got::closed;
            continue;
        }
        return Got::closed;  // ECONNRESET and friends
    }
}

}  // namespace sluice::isolation
