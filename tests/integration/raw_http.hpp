// HTTP/1.1 at the byte level over a TCP socket to 127.0.0.1, for tests that must send what
// curl would never send (malformed requests, wrong lengths, slow or pipelined requests) and
// check what comes back byte for byte. Every read has a deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace sluice::it {

// A connected socket (closed by the destructor); invalid when the connection failed.
class RawConnection {
public:
    explicit RawConnection(uint16_t port);
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    bool ok() const { return fd_ >= 0; }
    // False when the peer is gone (the bytes may be partly sent).
    bool send(std::string_view bytes);
    void shutdown_write();
    // Bytes received until `deadline`, the end of the stream or an error, appended to
    // `buffer`; false at the end of the stream (or an error), true when it got some.
    bool receive(std::string& buffer, std::chrono::steady_clock::time_point deadline);

private:
    int fd_ = -1;
};

// One response, as parsed from the bytes the server sent.
struct RawResponse {
    bool complete = false;  // a status line, headers and the whole body announced
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    std::string problem;  // why it is not complete or not well-formed
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? "" : it->second;
    }
};

// Reads one response from `conn`; `buffer` keeps bytes already received past it (pipelining).
RawResponse read_response(RawConnection& conn, std::string& buffer, std::chrono::steady_clock::time_point deadline);

// VmRSS of a process in KiB, 0 when it cannot be read.
size_t rss_kib(int pid);

}  // namespace sluice::it
