#include "raw_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <sstream>

namespace sluice::it {

RawConnection::RawConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};  // bounds send(); reads use poll with the caller's deadline
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

RawConnection::~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

void RawConnection::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

bool RawConnection::receive(std::string& buffer, std::chrono::steady_clock::time_point deadline) {
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) return true;  // nothing yet, still open
        pollfd p{fd_, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return false;
        if (r == 0) continue;
        char chunk[65536];
        ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        buffer.append(chunk, static_cast<size_t>(n));
        return true;
    }
}

RawResponse read_response(RawConnection& conn, std::string& buffer, std::chrono::steady_clock::time_point deadline) {
    RawResponse r;
    size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (buffer.size() > 64 * 1024) {
            r.problem = "response headers longer than 64 KiB";
            return r;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            r.problem = buffer.empty() ? "no answer before the deadline" : "headers not finished before the deadline";
            return r;
        }
        if (!conn.receive(buffer, deadline)) {
            if (buffer.find("\r\n\r\n") != std::string::npos) continue;
            r.problem = buffer.empty() ? "connection closed without an answer" : "connection closed inside the headers";
            return r;
        }
    }
    std::istringstream head(buffer.substr(0, head_end));
    std::string line;
    std::getline(head, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // "HTTP/1.1 200 OK"
    if (line.size() < 12 || (line.compare(0, 9, "HTTP/1.1 ") != 0 && line.compare(0, 9, "HTTP/1.0 ") != 0) ||
        !std::isdigit(static_cast<unsigned char>(line[9])) || !std::isdigit(static_cast<unsigned char>(line[10])) ||
        !std::isdigit(static_cast<unsigned char>(line[11])) || (line.size() > 12 && line[12] != ' ')) {
        r.problem = "malformed status line: " + line.substr(0, 80);
        return r;
    }
    r.status = std::stoi(line.substr(9, 3));
    while (std::getline(head, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto colon = line.find(':');
        if (colon == std::string::npos || colon == 0) {
            r.problem = "malformed header line: " + line.substr(0, 80);
            return r;
        }
        std::string name = line.substr(0, colon), value = line.substr(colon + 1);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        value.erase(0, value.find_first_not_of(" \t"));
        r.headers[name] = value;
    }
    buffer.erase(0, head_end + 4);
    size_t length = 0;
    const std::string cl = r.header("content-length");
    if (!cl.empty()) {
        if (cl.find_first_not_of("0123456789") != std::string::npos || cl.size() > 9) {
            r.problem = "malformed Content-Length: " + cl;
            return r;
        }
        length = std::stoul(cl);
    } else if (r.status != 204 && r.status != 304 && r.status >= 200) {
        r.problem = "no Content-Length on a " + std::to_string(r.status) + " answer";
        return r;
    }
    while (buffer.size() < length) {
        if (std::chrono::steady_clock::now() >= deadline || !conn.receive(buffer, deadline)) {
            r.problem = "body shorter than its Content-Length (" + std::to_string(buffer.size()) + " of " + std::to_string(length) + ")";
            return r;
        }
    }
    r.body = buffer.substr(0, length);
    buffer.erase(0, length);
    r.complete = true;
    return r;
}

size_t rss_kib(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
    return 0;
}

}  // namespace sluice::it
