#include "connection.hpp"

#include <hiredis/hiredis.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace sluice::redis {
namespace {

std::string openssl_error() {
    const unsigned long code = ERR_get_error();
    if (code == 0) return "unknown TLS error";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    ERR_clear_error();
    return text;
}

bool is_ip_literal(const std::string& host) {
    unsigned char buf[sizeof(in6_addr)];
    return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

Endpoint Endpoint::parse_url(std::string_view url) {
    Endpoint e;
    std::string_view rest;
    if (url.starts_with("redis://")) rest = url.substr(8);
    else if (url.starts_with("rediss://")) {
        rest = url.substr(9);
        e.tls = true;
    } else {
        throw std::runtime_error("redis.url: expected redis://host:port or rediss://host:port (TLS), got '" +
                                 std::string(url) + "'");
    }
    if (rest.find('@') != std::string_view::npos)
        throw std::runtime_error("redis.url: give the credentials in redis.user and redis.password, not in the URL");
    while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.find('/') != std::string_view::npos)
        throw std::runtime_error("redis.url: no path (the database is redis.database), got '" + std::string(url) + "'");
    const auto colon = rest.rfind(':');
    e.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
        const std::string_view port = rest.substr(colon + 1);
        int value = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535)
            throw std::runtime_error("redis.url: bad port '" + std::string(port) + "'");
        e.port = value;
    }
    if (e.host.size() > 2 && e.host.front() == '[' && e.host.back() == ']') e.host = e.host.substr(1, e.host.size() - 2);
    if (e.host.empty()) throw std::runtime_error("redis.url: no host in '" + std::string(url) + "'");
    return e;
}

std::string Endpoint::url() const { return std::string(tls ? "rediss://" : "redis://") + host + ":" + std::to_string(port); }

void Commands::add(std::initializer_list<std::string_view> args) { add(std::span<const std::string_view>(args.begin(), args.size())); }

void Commands::add(const std::vector<std::string_view>& args) { add(std::span<const std::string_view>(args)); }

// RESP by hand rather than redisFormatCommandArgv: hiredis allocates each command and
// prints every length with sprintf, a tenth of the sink's CPU at 500 000 SETs a second.
// The format is two lines per argument: "$<length>\r\n<bytes>\r\n", after "*<count>\r\n".
void Commands::add(std::span<const std::string_view> args) {
    std::size_t size = 16;
    for (auto a : args) size += a.size() + 24;
    bytes_.reserve(bytes_.size() + size);
    append_header('*', args.size());
    for (auto a : args) {
        append_header('$', a.size());
        bytes_.append(a);
        bytes_.append("\r\n", 2);
    }
    ++count_;
}

void Commands::append_header(char kind, std::size_t n) {
    char text[24];
    text[0] = kind;
    auto [end, ec] = std::to_chars(text + 1, text + sizeof text - 2, n);
    *end++ = '\r';
    *end++ = '\n';
    bytes_.append(text, static_cast<std::size_t>(end - text));
}

Reply::~Reply() {
    if (r_ != nullptr) freeReplyObject(r_);
}
bool is_error(const redisReply* r) { return r != nullptr && r->type == REDIS_REPLY_ERROR; }
std::string_view text_of(const redisReply* r) {
    return r != nullptr && r->str != nullptr ? std::string_view(r->str, r->len) : std::string_view();
}
bool Reply::is_error() const { return redis::is_error(r_); }
bool Reply::is_nil() const { return r_ == nullptr || r_->type == REDIS_REPLY_NIL; }
std::string_view Reply::text() const { return text_of(r_); }
std::size_t Reply::size() const { return r_ != nullptr && r_->type == REDIS_REPLY_ARRAY ? r_->elements : 0; }
const redisReply* Reply::element(std::size_t i) const { return i < size() ? r_->element[i] : nullptr; }

struct Connection::Impl {
    int fd = -1;
    SSL_CTX* ctx = nullptr;
    SSL* ssl = nullptr;
    redisReader* reader = nullptr;
    std::string where;

    ~Impl() { reset(); }
    void reset() {
        if (ssl != nullptr) {
            SSL_free(ssl);
            ssl = nullptr;
        }
        if (ctx != nullptr) {
            SSL_CTX_free(ctx);
            ctx = nullptr;
        }
        if (fd >= 0) {
            ::close(fd);
            fd = -1;
        }
        if (reader != nullptr) {
            redisReaderFree(reader);
            reader = nullptr;
        }
    }
    [[noreturn]] void fail(const std::string& what) {
        reset();
        throw ConnectionError(where + ": " + what);
    }
    void write_all(std::string_view data) {
        while (!data.empty()) {
            ssize_t n;
            if (ssl != nullptr) {
                const int w = SSL_write(ssl, data.data(), static_cast<int>(std::min<std::size_t>(data.size(), 1 << 30)));
                if (w <= 0) fail("TLS write failed: " + openssl_error());
                n = w;
            } else {
                n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) fail(errno == EAGAIN || errno == EWOULDBLOCK ? "write timed out" : std::string("write failed: ") + std::strerror(errno));
            }
            data.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    void read_some() {
        char buf[65536];
        ssize_t n;
        if (ssl != nullptr) {
            const int r = SSL_read(ssl, buf, sizeof buf);
            if (r <= 0) {
                const int err = SSL_get_error(ssl, r);
                fail(err == SSL_ERROR_ZERO_RETURN ? "the server closed the connection" : "TLS read failed: " + openssl_error());
            }
            n = r;
        } else {
            do n = ::recv(fd, buf, sizeof buf, 0);
            while (n < 0 && errno == EINTR);
            if (n == 0) fail("the server closed the connection");
            if (n < 0) fail(errno == EAGAIN || errno == EWOULDBLOCK ? "no answer within the timeout" : std::string("read failed: ") + std::strerror(errno));
        }
        if (redisReaderFeed(reader, buf, static_cast<std::size_t>(n)) != REDIS_OK) fail("cannot buffer the answer");
    }
    Reply read_reply() {
        while (true) {
            void* reply = nullptr;
            if (redisReaderGetReply(reader, &reply) != REDIS_OK) fail(std::string("protocol error: ") + reader->errstr);
            if (reply != nullptr) return Reply(static_cast<redisReply*>(reply));
            read_some();
        }
    }
};

Connection::Connection(Endpoint endpoint) : endpoint_(std::move(endpoint)), impl_(std::make_unique<Impl>()) {
    impl_->where = "Redis " + endpoint_.url();
}
Connection::~Connection() = default;

bool Connection::connected() const { return impl_->fd >= 0; }
void Connection::close() { impl_->reset(); }

void Connection::connect() {
    close();
    Impl& c = *impl_;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (const int rc = getaddrinfo(endpoint_.host.c_str(), std::to_string(endpoint_.port).c_str(), &hints, &found); rc != 0)
        throw ConnectionError(c.where + ": cannot resolve " + endpoint_.host + ": " + gai_strerror(rc));
    std::string last = "no address";
    const int timeout_ms = static_cast<int>(endpoint_.timeout.count());
    for (addrinfo* a = found; a != nullptr && c.fd < 0; a = a->ai_next) {
        int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) continue;
        int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
        if (rc < 0 && errno == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            rc = ::poll(&p, 1, timeout_ms) == 1 ? 0 : -1;
            int err = rc == 0 ? 0 : ETIMEDOUT;
            socklen_t len = sizeof err;
            if (rc == 0) getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0) {
                errno = err;
                rc = -1;
            }
        }
        if (rc < 0) {
            last = std::strerror(errno);
            ::close(fd);
            continue;
        }
        c.fd = fd;
    }
    freeaddrinfo(found);
    if (c.fd < 0) throw ConnectionError(c.where + ": cannot connect: " + last);
    // Blocking from here on, each read and write bounded by the timeout.
    fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) & ~O_NONBLOCK);
    timeval tv{static_cast<time_t>(timeout_ms / 1000), static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
    setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (endpoint_.tls) {
        c.ctx = SSL_CTX_new(TLS_client_method());
        if (c.ctx == nullptr) c.fail("TLS: " + openssl_error());
        SSL_CTX_set_min_proto_version(c.ctx, TLS1_2_VERSION);
        if (endpoint_.verify_tls) {
            SSL_CTX_set_verify(c.ctx, SSL_VERIFY_PEER, nullptr);
            const int loaded = endpoint_.ca_file.empty() ? SSL_CTX_set_default_verify_paths(c.ctx)
                                                         : SSL_CTX_load_verify_locations(c.ctx, endpoint_.ca_file.c_str(), nullptr);
            if (loaded != 1) {
                const std::string why = openssl_error();
                c.reset();
                throw SetupError(c.where + ": cannot load the CA file '" + endpoint_.ca_file + "': " + why);
            }
        }
        c.ssl = SSL_new(c.ctx);
        SSL_set_fd(c.ssl, c.fd);
        if (is_ip_literal(endpoint_.host)) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c.ssl), endpoint_.host.c_str());
        } else {
            SSL_set_tlsext_host_name(c.ssl, endpoint_.host.c_str());
            SSL_set1_host(c.ssl, endpoint_.host.c_str());
        }
        if (SSL_connect(c.ssl) != 1) {
            const long verdict = SSL_get_verify_result(c.ssl);
            const std::string why = verdict != X509_V_OK ? std::string("certificate refused: ") + X509_verify_cert_error_string(verdict)
                                                         : openssl_error();
            c.reset();
            if (verdict != X509_V_OK) throw SetupError(c.where + ": TLS handshake failed: " + why);
            throw ConnectionError(c.where + ": TLS handshake failed: " + why);
        }
    }
    c.reader = redisReaderCreate();
    Commands setup;
    if (!endpoint_.password.empty()) {
        if (endpoint_.user.empty()) setup.add({"AUTH", endpoint_.password});
        else setup.add({"AUTH", endpoint_.user, endpoint_.password});
    }
    const std::string db = std::to_string(endpoint_.database);
    if (endpoint_.database != 0) setup.add({"SELECT", db});
    setup.add({"PING"});
    auto replies = exchange(setup);
    for (const auto& r : replies)
        if (r.is_error()) {
            const std::string text(r.text());
            close();
            throw SetupError(impl_->where + ": " + text);
        }
}

std::vector<Reply> Connection::exchange(const Commands& commands) {
    send(commands);
    return read_replies(commands.count());
}

void Connection::send(const Commands& commands) {
    if (!connected()) throw ConnectionError(impl_->where + ": not connected");
    impl_->write_all(commands.bytes());
}

std::vector<Reply> Connection::read_replies(std::size_t count) {
    std::vector<Reply> replies;
    replies.reserve(count);
    for (std::size_t i = 0; i < count; ++i) replies.push_back(read_reply());
    return replies;
}

Reply Connection::read_reply() {
    if (!connected()) throw ConnectionError(impl_->where + ": not connected");
    return impl_->read_reply();
}

}  // namespace sluice::redis
