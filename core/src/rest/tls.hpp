// The REST listener's TLS context (Boost.Asio over OpenSSL): TLS 1.2 and newer, the PEM
// certificate chain and key of rest.tls.*, optionally the authorities whose client
// certificates are required. A new context is built when the files change (looked at no
// more than once a second, as connections arrive) or on SIGHUP; connections already open
// keep the context they started with; a change that does not load is logged and the
// previous context stays in use.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sluice::rest {

class TlsContext {
public:
    struct Files {
        std::string cert;
        std::string key;
        std::string client_ca;  // empty: no client certificates asked for
    };
    // Loads now; nullptr with `error` naming the file when something does not load.
    static std::shared_ptr<TlsContext> create(Files files, std::string& error);

    // The context new connections use.
    std::shared_ptr<boost::asio::ssl::context> current();
    // Builds a new context now (SIGHUP); false with `error` (the previous one stays).
    bool reload(std::string& error);

private:
    using Stamps = std::vector<std::optional<std::filesystem::file_time_type>>;
    Stamps stamps() const;
    std::shared_ptr<boost::asio::ssl::context> build(std::string& error) const;

    Files files_;
    std::mutex mutex_;
    std::shared_ptr<boost::asio::ssl::context> context_;
    Stamps stamps_;
    std::chrono::steady_clock::time_point next_check_{};
};

}  // namespace sluice::rest
