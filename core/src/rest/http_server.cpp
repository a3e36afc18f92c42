#include "rest/http_server.hpp"

#include "common/log.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <thread>

namespace sluice::rest {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string HttpRequest::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

bool percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
    out.clear();
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size()) return false;
            int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
            if (hi < 0 || lo < 0) return false;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return true;
}

bool parse_listener(const std::string& listener, std::string& host, uint16_t& port, std::string& error) {
    auto colon = listener.rfind(':');
    if (colon == std::string::npos || colon + 1 == listener.size()) {
        error = "expected host:port, got '" + listener + "'";
        return false;
    }
    host = listener.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "0.0.0.0";
    std::string digits = listener.substr(colon + 1);
    if (digits.size() > 5 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoul(digits) > 65535) {
        error = "expected a port between 0 and 65535 in '" + listener + "'";
        return false;
    }
    port = static_cast<uint16_t>(std::stoul(digits));
    return true;
}

namespace {

HttpRequest to_request(const http::request<http::string_body>& r) {
    HttpRequest out;
    out.method = std::string(r.method_string());
    out.target = std::string(r.target());
    auto q = out.target.find('?');
    out.path = out.target.substr(0, q);
    if (q != std::string::npos) {
        std::string_view query(out.target);
        query.remove_prefix(q + 1);
        while (!query.empty()) {
            auto amp = query.find('&');
            std::string_view part = query.substr(0, amp);
            query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
            if (part.empty()) continue;
            auto eq = part.find('=');
            std::string key, value;
            if (!percent_decode(part.substr(0, eq), key, true)) key = std::string(part.substr(0, eq));
            if (eq != std::string_view::npos && !percent_decode(part.substr(eq + 1), value, true))
                value = std::string(part.substr(eq + 1));
            out.query.emplace_back(std::move(key), std::move(value));
        }
    }
    for (const auto& field : r) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        out.headers[name] = std::string(field.value());
    }
    out.body = r.body();
    return out;
}

// One connection; Stream is beast::tcp_stream, or beast::ssl_stream over one (TLS: the
// handshake first, under the read timeout).
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
public:
    Session(tcp::socket socket, const HttpServer::Options& options, const HttpServer::Handler& handler)
        requires std::is_same_v<Stream, beast::tcp_stream>
        : stream_(std::move(socket)), options_(options), handler_(handler) {
        remember_peer();
    }
    Session(tcp::socket socket, std::shared_ptr<asio::ssl::context> tls, const HttpServer::Options& options,
            const HttpServer::Handler& handler)
        requires(!std::is_same_v<Stream, beast::tcp_stream>)
        : tls_(std::move(tls)), stream_(std::move(socket), *tls_), options_(options), handler_(handler) {
        remember_peer();
    }

    void run() {
        asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->start(); });
    }

private:
    static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
    using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

    auto& lowest() { return beast::get_lowest_layer(stream_); }

    void remember_peer() {
        beast::error_code ec;
        auto peer = lowest().socket().remote_endpoint(ec);
        if (!ec) remote_address_ = peer.address().to_string();
    }

    void start() {
        if constexpr (kTls) {
            lowest().expires_after(options_.read_timeout);
            stream_.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
                if (ec) return self->close();  // not TLS, no acceptable certificate...: nothing to answer
                self->read();
            });
        } else {
            read();
        }
    }

    void read() {
        parser_.emplace();
        parser_->body_limit(options_.body_limit);
        lowest().expires_after(options_.read_timeout);
        http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session<Stream>::on_read, shared_from_this()));
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec == http::error::end_of_stream) return close();
        if (ec == http::error::body_limit) {
            HttpResponse r;
            r.status = 413;
            r.body = R"({"error_code":413,"message":"request body larger than )" + std::to_string(options_.body_limit) + R"( bytes"})";
            return send(r, false, 11);
        }
        if (ec == beast::error::timeout || ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
            ec == asio::error::eof)
            return close();
        if (ec) {
            HttpResponse r;
            r.status = 400;
            r.body = R"({"error_code":400,"message":"malformed HTTP request: )" + ec.message() + R"("})";
            return send(r, false, 11);
        }
        auto request = parser_->release();
        HttpResponse response;
        try {
            HttpRequest converted = to_request(request);
            converted.remote_address = remote_address_;
            response = handler_(converted);
        } catch (const std::exception& e) {
            response.status = 500;
            response.body = R"({"error_code":500,"message":"internal error"})";
            log::error("REST ", request.method_string(), " ", request.target(), ": ", e.what());
        }
        send(response, request.keep_alive(), request.version());
    }

    // A streamed body: the header, then whatever the stream has ready, polled every
    // kStreamPoll; a client that does not read within the read timeout is dropped (what
    // the stream buffers meanwhile is its own business: it must stay bounded).
    static constexpr auto kStreamPoll = std::chrono::milliseconds(100);

    void send_stream(const HttpResponse& r, unsigned version) {
        auto res = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(r.status), version);
        res->set(http::field::server, "sluice");
        res->set(http::field::content_type, r.content_type);
        for (const auto& [name, value] : r.headers) res->set(name, value);
        res->keep_alive(false);
        stream_body_ = r.stream;
        response_ = res;
        lowest().expires_after(options_.read_timeout);
        http::async_write(stream_, *res, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->response_.reset();
            if (ec) return self->close();
            self->pump();
        });
    }

    void pump() {
        chunk_.clear();
        if (!stream_body_->pull(chunk_)) return close();
        if (chunk_.empty()) {
            if (!timer_) timer_.emplace(stream_.get_executor());
            timer_->expires_after(kStreamPoll);
            timer_->async_wait([self = shared_from_this()](beast::error_code ec) {
                if (!ec) self->pump();
            });
            return;
        }
        lowest().expires_after(options_.read_timeout);
        asio::async_write(stream_, asio::buffer(chunk_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            self->pump();
        });
    }

    void send(const HttpResponse& r, bool keep_alive, unsigned version) {
        if (r.stream) return send_stream(r, version);
        auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), version);
        res->set(http::field::server, "sluice");
        if (!r.body.empty() || r.status != 204) res->set(http::field::content_type, r.content_type);
        for (const auto& [name, value] : r.headers) res->set(name, value);
        res->keep_alive(keep_alive);
        res->body() = r.body;
        res->prepare_payload();
        response_ = res;
        http::async_write(stream_, *res, beast::bind_front_handler(&Session<Stream>::on_write, shared_from_this(), !keep_alive));
    }

    void on_write(bool close_after, beast::error_code ec, std::size_t) {
        response_.reset();
        if (ec) return close();
        if (close_after) return linger();
        read();
    }

    // After an answer that ends the connection (413, malformed request) the client may still
    // be sending: read and drop what comes for a moment, so that closing does not reset the
    // connection before the client has read the answer.
    void linger() {
        beast::error_code ignored;
        lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
        lowest().expires_after(std::chrono::seconds(2));
        drain_.resize(64 * 1024);
        stream_.async_read_some(asio::buffer(drain_), beast::bind_front_handler(&Session<Stream>::on_drain, shared_from_this()));
    }

    void on_drain(beast::error_code ec, std::size_t n) {
        drained_ += n;
        if (ec || drained_ > 64 * options_.body_limit) return close();
        stream_.async_read_some(asio::buffer(drain_), beast::bind_front_handler(&Session<Stream>::on_drain, shared_from_this()));
    }

    void close() {
        beast::error_code ignored;
        lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
        lowest().socket().close(ignored);
    }

    std::shared_ptr<asio::ssl::context> tls_;  // kept for the life of the connection
    Stream stream_;
    std::string remote_address_;
    const HttpServer::Options& options_;
    const HttpServer::Handler& handler_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::shared_ptr<void> response_;
    std::shared_ptr<ResponseStream> stream_body_;
    std::string chunk_;
    std::optional<asio::steady_timer> timer_;
    std::vector<char> drain_;
    size_t drained_ = 0;
};

}  // namespace

std::optional<HttpRequest> parse_request(std::string_view bytes, size_t body_limit, std::string& error) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(body_limit);
    parser.eager(true);
    beast::error_code ec;
    size_t used = 0;
    while (!parser.is_done() && used < bytes.size()) {
        size_t n = parser.put(asio::buffer(bytes.data() + used, bytes.size() - used), ec);
        used += n;
        if (ec == http::error::need_more) ec = {};  // more than what is left: see put_eof below
        if (ec || n == 0) break;
    }
    if (!ec && !parser.is_done()) {
        if (parser.got_some()) parser.put_eof(ec);  // the connection ends here, as a client closing would end it
        if (!ec && !parser.is_done()) ec = http::error::partial_message;
    }
    if (ec) {
        error = ec.message();
        return std::nullopt;
    }
    return to_request(parser.release());
}

struct HttpServer::Impl {
    Options options;
    Handler handler;
    asio::io_context ioc;
    tcp::acceptor acceptor{ioc};
    std::vector<std::thread> threads;

    void accept() {
        acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted) return;
            if (!ec && options.tls) {
                if (auto context = options.tls())
                    std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket), std::move(context), options, handler)
                        ->run();
            } else if (!ec) {
                std::make_shared<Session<beast::tcp_stream>>(std::move(socket), options, handler)->run();
            }
            if (acceptor.is_open()) accept();
        });
    }
};

HttpServer::HttpServer(Options options, Handler handler) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    impl_->handler = std::move(handler);
    beast::error_code ec;
    auto address = asio::ip::make_address(impl_->options.host, ec);
    if (ec) {
        // A host name: resolve it once.
        tcp::resolver resolver(impl_->ioc);
        auto results = resolver.resolve(impl_->options.host, std::to_string(impl_->options.port), ec);
        if (ec || results.empty())
            throw std::runtime_error("cannot resolve REST listener host '" + impl_->options.host + "': " + ec.message());
        address = results.begin()->endpoint().address();
    }
    tcp::endpoint endpoint(address, impl_->options.port);
    const std::string where = impl_->options.host + ":" + std::to_string(impl_->options.port);
    auto check = [&](const char* what) {
        if (ec) throw std::runtime_error("cannot " + std::string(what) + " on " + where + ": " + ec.message());
    };
    impl_->acceptor.open(endpoint.protocol(), ec);
    check("open a socket");
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    check("set SO_REUSEADDR");
    impl_->acceptor.bind(endpoint, ec);
    check("listen");
    impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    check("listen");
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
    impl_->accept();
    for (int i = 0; i < std::max(1, impl_->options.threads); ++i)
        impl_->threads.emplace_back([this, i] {
            log::Scope scope("rest/" + std::to_string(i));  // logger "rest" (GET /admin/loggers)
            impl_->ioc.run();
        });
}

void HttpServer::stop() {
    if (!impl_) return;
    asio::post(impl_->ioc, [this] {
        beast::error_code e;
        impl_->acceptor.close(e);
    });
    impl_->ioc.stop();
    for (auto& t : impl_->threads)
        if (t.joinable()) t.join();
    impl_->threads.clear();
}

uint16_t HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

bool HttpServer::loopback() const { return impl_->acceptor.local_endpoint().address().is_loopback(); }

}  // namespace sluice::rest
