// One connection to a Redis server: TCP, or TLS when the URL is rediss://, AUTH and SELECT
// on connect, and pipelining: a whole batch of commands written at once, then every reply
// read. Commands are formatted and replies parsed by hiredis (RESP); the transport is ours
// because Debian 12's hiredis (0.14) has no TLS support (hiredis_ssl came with 1.0), so the
// bytes go through a socket of ours, wrapped in OpenSSL when TLS is asked for.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct redisReply;

namespace sluice::redis {

// No connection, or it broke: whatever was sent may or may not have been applied.
class ConnectionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The server refused the connection's setup (AUTH, SELECT): retrying will not help.
class SetupError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Endpoint {
    std::string host;
    int port = 6379;
    bool tls = false;
    bool verify_tls = true;
    std::string ca_file;  // empty: the system's CAs
    std::string user;     // ACL user (Redis 6); empty: AUTH <password> only
    std::string password;
    int database = 0;
    std::chrono::milliseconds timeout{10000};

    // redis://host:port or rediss://host:port (TLS); throws std::runtime_error.
    static Endpoint parse_url(std::string_view url);
    std::string url() const;  // without credentials
};

// Commands in RESP (arrays of bulk strings), appended one after the other.
class Commands {
public:
    void add(std::initializer_list<std::string_view> args);
    void add(const std::vector<std::string_view>& args);
    void add(std::span<const std::string_view> args);
    const std::string& bytes() const { return bytes_; }
    std::size_t count() const { return count_; }
    // Forgets the bytes (already sent) but keeps counting the commands (and the memory).
    void sent() { bytes_.clear(); }
    void clear() {
        bytes_.clear();
        count_ = 0;
    }

private:
    void append_header(char kind, std::size_t n);

    std::string bytes_;
    std::size_t count_ = 0;
};

// A reply owned by hiredis's reader, freed with the object.
class Reply {
public:
    explicit Reply(redisReply* r) : r_(r) {}
    ~Reply();
    Reply(Reply&& other) noexcept : r_(other.r_) { other.r_ = nullptr; }
    Reply& operator=(Reply&&) = delete;
    Reply(const Reply&) = delete;

    const redisReply* get() const { return r_; }
    bool is_error() const;
    bool is_nil() const;
    std::string_view text() const;  // status, error or string
    std::size_t size() const;       // array elements
    const redisReply* element(std::size_t i) const;

private:
    redisReply* r_;
};

bool is_error(const redisReply* r);
std::string_view text_of(const redisReply* r);

class Connection {
public:
    explicit Connection(Endpoint endpoint);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Connects, handshakes (TLS), AUTH and SELECT. Throws ConnectionError or SetupError.
    void connect();
    bool connected() const;
    void close();
    // Sends the commands and reads one reply per command. Throws ConnectionError (the
    // connection is closed then).
    std::vector<Reply> exchange(const Commands& commands);
    // The same in two steps, so that a long batch is written while it is still being built
    // (the server parses what came while the rest is formatted): send() what is there so
    // far (then Commands::sent()), and at the end read_replies() for every command.
    void send(const Commands& commands);
    std::vector<Reply> read_replies(std::size_t count);
    Reply read_reply();  // the next one

    const Endpoint& endpoint() const { return endpoint_; }

private:
    struct Impl;
    Endpoint endpoint_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::redis
