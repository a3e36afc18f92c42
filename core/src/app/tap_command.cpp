#include "app/tap_command.hpp"

#include "app/options.hpp"
#include "rest/password_hash.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <limits>
#include <iostream>
#include <optional>

namespace sluice::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct TapArgs {
    std::string connector;
    std::string url;
    std::string sample = "1";
    std::string max_rate = "100";
    long limit = -1;
    std::string cacert;
};

struct Url {
    bool tls = false;
    std::string host, port, base;
};

std::optional<Url> parse_url(const std::string& text, std::string& error) {
    Url u;
    std::string rest;
    if (text.rfind("http://", 0) == 0) rest = text.substr(7);
    else if (text.rfind("https://", 0) == 0) rest = text.substr(8), u.tls = true;
    else {
        error = "--url: expected http://HOST:PORT or https://HOST:PORT, got '" + text + "'";
        return std::nullopt;
    }
    auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    u.base = slash == std::string::npos ? "" : rest.substr(slash);
    while (!u.base.empty() && u.base.back() == '/') u.base.pop_back();
    auto colon = authority.rfind(':');
    if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
        u.host = authority.substr(0, colon);
        u.port = authority.substr(colon + 1);
    } else {
        u.host = authority;
        u.port = u.tls ? "443" : "80";
    }
    if (u.host.size() > 2 && u.host.front() == '[') u.host = u.host.substr(1, u.host.size() - 2);
    if (u.host.empty()) {
        error = "--url: no host in '" + text + "'";
        return std::nullopt;
    }
    return u;
}

std::string encode_segment(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
        else out += std::string("%") + hex[c >> 4] + hex[c & 15];
    }
    return out;
}

// Server-sent events, line by line.
class EventReader {
public:
    // Feeds bytes; calls on_event(name, data) per complete event; false to stop.
    template <class F>
    bool feed(std::string_view bytes, F&& on_event) {
        pending_ += bytes;
        size_t nl;
        while ((nl = pending_.find('\n')) != std::string::npos) {
            std::string line = pending_.substr(0, nl);
            pending_.erase(0, nl + 1);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) {
                if (!data_.empty() && !on_event(event_.empty() ? "message" : event_, data_)) return false;
                event_.clear();
                data_.clear();
            } else if (line.rfind("event:", 0) == 0) {
                event_ = line.substr(line.size() > 6 && line[6] == ' ' ? 7 : 6);
            } else if (line.rfind("data:", 0) == 0) {
                if (!data_.empty()) data_ += "\n";
                data_ += line.substr(line.size() > 5 && line[5] == ' ' ? 6 : 5);
            }
        }
        return true;
    }

private:
    std::string pending_, event_, data_;
};

template <class Stream>
int stream_records(Stream& stream, const TapArgs& a, const Url& u) {
    http::request<http::empty_body> req(http::verb::get,
                                        u.base + "/connectors/" + encode_segment(a.connector) + "/tap?sample=" + a.sample +
                                            "&max_rate=" + a.max_rate,
                                        11);
    req.set(http::field::host, u.host);
    req.set(http::field::accept, "text/event-stream");
    req.set(http::field::user_agent, "sluice-tap");
    if (const char* token = std::getenv("SLUICE_REST_TOKEN"); token && *token) {
        req.set(http::field::authorization, std::string("Bearer ") + token);
    } else if (const char* user = std::getenv("SLUICE_REST_USER"); user && *user) {
        const char* password = std::getenv("SLUICE_REST_PASSWORD");
        req.set(http::field::authorization, "Basic " + rest::base64_encode(std::string(user) + ":" + (password ? password : "")));
    }
    http::write(stream, req);

    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    http::read_header(stream, buffer, parser);
    const unsigned status = parser.get().result_int();
    EventReader events;
    std::string error_body;
    long seen = 0;
    char chunk[16 * 1024];
    auto on_event = [&](const std::string& name, const std::string& data) {
        auto j = nlohmann::json::parse(data, nullptr, false);
        const uint64_t dropped = j.is_object() ? j.value("dropped", uint64_t{0}) : 0;
        const uint64_t limited = j.is_object() ? j.value("rate_limited", uint64_t{0}) : 0;
        if (dropped || limited)
            std::cerr << "sluice tap: " << dropped << " records dropped (this client was behind), " << limited
                      << " over the maximum rate\n";
        if (name != "record") return true;
        if (j.is_object()) j.erase("dropped"), j.erase("rate_limited");
        std::cout << (j.is_discarded() ? data : j.dump()) << "\n" << std::flush;
        return !(a.limit >= 0 && ++seen >= a.limit);
    };
    while (!parser.is_done()) {
        parser.get().body().data = chunk;
        parser.get().body().size = sizeof(chunk);
        beast::error_code ec;
        http::read(stream, buffer, parser, ec);
        if (ec && ec != http::error::need_buffer) {
            if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == ssl::error::stream_truncated) break;
            std::cerr << "sluice tap: " << ec.message() << "\n";
            return kRuntimeFailure;
        }
        std::string_view got(chunk, sizeof(chunk) - parser.get().body().size);
        if (status != 200) {
            error_body += got;
            continue;
        }
        if (!events.feed(got, on_event)) return kOk;
    }
    if (status != 200) {
        auto j = nlohmann::json::parse(error_body, nullptr, false);
        std::cerr << "sluice tap: " << status << " "
                  << (j.is_object() && j.contains("message") ? j["message"].get<std::string>() : error_body) << "\n";
        return status == 401 || status == 403 ? kUsage : kRuntimeFailure;
    }
    std::cerr << "sluice tap: the worker closed the stream\n";
    return kRuntimeFailure;
}

}  // namespace

int tap_command(const std::vector<std::string>& args) {
    TapArgs a;
    if (const char* url = std::getenv("SLUICE_REST_URL"); url && *url) a.url = url;
    else a.url = "http://127.0.0.1:8083";
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        auto value = [&](std::string& into) {
            if (auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) into = arg.substr(eq + 1);
            else if (i + 1 < args.size()) into = args[++i];
            else return false;
            return true;
        };
        auto is = [&](const char* flag) { return arg == flag || arg.rfind(std::string(flag) + "=", 0) == 0; };
        std::string text;
        bool ok = true;
        if (arg == "--help" || arg == "-h") {
            std::cout << "Usage: sluice tap CONNECTOR [--url URL] [--sample S] [--max-rate N] [--limit N] [--cacert FILE]\n"
                         "  Prints the connector's live records, one JSON object per line. Credentials from\n"
                         "  SLUICE_REST_TOKEN, or SLUICE_REST_USER and SLUICE_REST_PASSWORD.\n";
            return kOk;
        } else if (is("--url")) {
            ok = value(a.url);
        } else if (is("--sample")) {
            ok = value(a.sample);
        } else if (is("--max-rate")) {
            ok = value(a.max_rate);
        } else if (is("--cacert")) {
            ok = value(a.cacert);
        } else if (is("--limit")) {
            ok = value(text) && !text.empty() && text.size() < 10 && text.find_first_not_of("0123456789") == std::string::npos;
            if (ok) a.limit = std::stol(text);
        } else if (!arg.empty() && arg[0] == '-') {
            std::cerr << "sluice tap: unknown option '" << arg << "'\n";
            return kUsage;
        } else if (a.connector.empty()) {
            a.connector = arg;
        } else {
            std::cerr << "sluice tap: one CONNECTOR only\n";
            return kUsage;
        }
        if (!ok) {
            std::cerr << "sluice tap: " << arg << " needs a valid value\n";
            return kUsage;
        }
    }
    if (a.connector.empty()) {
        std::cerr << "sluice tap: expected a CONNECTOR name; see sluice tap --help\n";
        return kUsage;
    }
    std::string error;
    auto url = parse_url(a.url, error);
    if (!url) {
        std::cerr << "sluice tap: " << error << "\n";
        return kUsage;
    }
    try {
        asio::io_context ioc;
        tcp::resolver resolver(ioc);
        auto endpoints = resolver.resolve(url->host, url->port);
        if (!url->tls) {
            beast::tcp_stream stream(ioc);
            stream.connect(endpoints);
            return stream_records(stream, a, *url);
        }
        ssl::context ctx(ssl::context::tls_client);
        if (a.cacert.empty()) ctx.set_default_verify_paths();
        else ctx.load_verify_file(a.cacert);
        ctx.set_verify_mode(ssl::verify_peer);
        beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
        SSL_set_tlsext_host_name(stream.native_handle(), url->host.c_str());
        stream.set_verify_callback(ssl::host_name_verification(url->host));
        beast::get_lowest_layer(stream).connect(endpoints);
        stream.handshake(ssl::stream_base::client);
        return stream_records(stream, a, *url);
    } catch (const std::exception& e) {
        std::cerr << "sluice tap: " << a.url << ": " << e.what() << "\n";
        return kRuntimeFailure;
    }
}

}  // namespace sluice::app
