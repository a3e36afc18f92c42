#include "http_test_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <zlib.h>

#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace sluice::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Percent-decoding; '+' is a space in query strings only.
std::string percent_decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::map<std::string, std::string> parse_query(std::string_view query) {
    std::map<std::string, std::string> out;
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        if (!pair.empty()) {
            auto eq = pair.find('=');
            if (eq == std::string_view::npos)
                out[percent_decode(pair, true)] = "";
            else
                out[percent_decode(pair.substr(0, eq), true)] = percent_decode(pair.substr(eq + 1), true);
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return out;
}

bool has_header(const HttpResponse& response, std::string_view lower_name) {
    return std::any_of(response.headers.begin(), response.headers.end(),
                       [&](const auto& h) { return lower(h.first) == lower_name; });
}

// The status line and headers of `response`, as bytes.
std::string head_of(const HttpResponse& response) {
    std::string reason(bhttp::obsolete_reason(static_cast<bhttp::status>(response.status)));
    if (reason.empty() || reason == "<unknown-status>") reason = "Status";
    std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " + reason + "\r\n";
    for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
    if (!has_header(response, "content-length"))
        out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    if (response.close_connection && !has_header(response, "connection")) out += "Connection: close\r\n";
    out += "\r\n";
    return out;
}

}  // namespace

struct HttpTestServer::Connection {
    explicit Connection(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    bool open = true;  // guarded by Impl::mutex: closed by its thread, shut down by the destructor
    int number = 0;
};

struct HttpTestServer::Impl {
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::thread acceptor_thread;

    mutable std::mutex mutex;  // everything below
    std::condition_variable stop_cv;
    bool stopping = false;
    Handler handler;
    std::vector<HttpRequest> log;
    std::vector<std::shared_ptr<Connection>> connections;
    std::vector<std::thread> threads;
};

HttpTestServer::HttpTestServer(Handler handler) : impl_(std::make_unique<Impl>()) {
    impl_->handler = std::move(handler);
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen(asio::socket_base::max_listen_connections);
    port_ = impl_->acceptor.local_endpoint().port();
    impl_->acceptor_thread = std::thread([this] { accept_loop(); });
}

HttpTestServer::~HttpTestServer() {
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
        // shutdown() (not close) wakes the threads blocked in accept/read on these sockets
        // without freeing descriptors another thread may still be using.
        ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
        for (auto& c : impl_->connections)
            if (c->open) ::shutdown(c->socket.native_handle(), SHUT_RDWR);
    }
    impl_->stop_cv.notify_all();
    if (impl_->acceptor_thread.joinable()) impl_->acceptor_thread.join();
    {
        std::lock_guard lock(impl_->mutex);
        threads.swap(impl_->threads);
    }
    for (auto& t : threads) t.join();
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
}

void HttpTestServer::accept_loop() {
    while (true) {
        auto connection = std::make_shared<Connection>(impl_->io);
        boost::system::error_code ec;
        impl_->acceptor.accept(connection->socket, ec);
        std::lock_guard lock(impl_->mutex);
        if (impl_->stopping) {
            if (!ec) connection->socket.close(ec);
            return;
        }
        if (ec) continue;  // e.g. the peer reset before we accepted: keep listening
        connection->number = ++connections_;
        impl_->connections.push_back(connection);
        impl_->threads.emplace_back([this, connection] { serve(connection); });
    }
}

bool HttpTestServer::sleep_unless_stopped(std::chrono::milliseconds delay) {
    std::unique_lock lock(impl_->mutex);
    impl_->stop_cv.wait_for(lock, delay, [&] { return impl_->stopping; });
    return !impl_->stopping;
}

void HttpTestServer::serve(std::shared_ptr<Connection> connection) {
    auto& socket = connection->socket;
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    while (true) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.body_limit(1024ull * 1024 * 1024);
        parser.header_limit(1024 * 1024);
        bhttp::read_header(socket, buffer, parser, ec);
        if (ec) break;
        auto expect = parser.get()[bhttp::field::expect];
        if (lower(std::string_view(expect.data(), expect.size())) == "100-continue") {
            asio::write(socket, asio::buffer(std::string_view("HTTP/1.1 100 Continue\r\n\r\n")), ec);
            if (ec) break;
        }
        if (!parser.is_done()) bhttp::read(socket, buffer, parser, ec);
        if (ec) break;
        const auto& message = parser.get();

        HttpRequest request;
        request.method = std::string(message.method_string().data(), message.method_string().size());
        request.target = std::string(message.target().data(), message.target().size());
        std::string_view target = request.target;
        auto question = target.find('?');
        request.path = percent_decode(target.substr(0, question), false);
        if (question != std::string_view::npos) request.query = parse_query(target.substr(question + 1));
        for (const auto& field : message) {
            std::string name = lower(std::string_view(field.name_string().data(), field.name_string().size()));
            std::string value(field.value().data(), field.value().size());
            auto [it, inserted] = request.headers.emplace(name, value);
            if (!inserted) it->second += ", " + value;
        }
        request.body = message.body();
        request.connection = connection->number;
        bool keep_alive = message.keep_alive();

        Handler handler;
        {
            std::lock_guard lock(impl_->mutex);
            impl_->log.push_back(request);
            handler = impl_->handler;
        }
        HttpResponse response;
        try {
            response = handler(request);
        } catch (const std::exception& e) {
            response = HttpResponse::text(500, std::string("test handler threw: ") + e.what());
        }
        if (response.delay.count() > 0 && !sleep_unless_stopped(response.delay)) break;
        if (response.drop_connection) break;

        std::string head = head_of(response);
        if (response.truncate_body_at) {
            size_t n = std::min(*response.truncate_body_at, response.body.size());
            asio::write(socket, asio::buffer(head + response.body.substr(0, n)), ec);
            break;
        }
        std::vector<asio::const_buffer> out{asio::buffer(head), asio::buffer(response.body)};
        if (request.method == "HEAD") out.pop_back();
        asio::write(socket, out, ec);
        if (ec || !keep_alive || response.close_connection) break;
    }
    std::lock_guard lock(impl_->mutex);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    connection->open = false;
}

std::vector<HttpRequest> HttpTestServer::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->log;
}

void HttpTestServer::clear_requests() {
    std::lock_guard lock(impl_->mutex);
    impl_->log.clear();
}

void HttpTestServer::set_handler(Handler handler) {
    std::lock_guard lock(impl_->mutex);
    impl_->handler = std::move(handler);
}

std::string gzip(std::string_view data) {
    z_stream zs{};
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("gzip: deflateInit2 failed");
    std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 32, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    int rc = deflate(&zs, Z_FINISH);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) throw std::runtime_error("gzip: deflate did not finish");
    out.resize(zs.total_out);
    return out;
}

std::string gunzip(std::string_view data) {
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 16) != Z_OK) throw std::runtime_error("gunzip: inflateInit2 failed");
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    std::string out;
    char chunk[16384];
    int rc = Z_OK;
    while (rc == Z_OK) {
        zs.next_out = reinterpret_cast<Bytef*>(chunk);
        zs.avail_out = sizeof chunk;
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(chunk, sizeof chunk - zs.avail_out);
        if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;
    }
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) throw std::runtime_error("gunzip: not a complete gzip stream");
    return out;
}

}  // namespace sluice::testing
