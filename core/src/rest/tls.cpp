#include "rest/tls.hpp"

#include "common/log.hpp"

#include <openssl/ssl.h>

namespace sluice::rest {

namespace ssl = boost::asio::ssl;

std::shared_ptr<TlsContext> TlsContext::create(Files files, std::string& error) {
    auto t = std::make_shared<TlsContext>();
    t->files_ = std::move(files);
    t->stamps_ = t->stamps();
    t->context_ = t->build(error);
    if (!t->context_) return nullptr;
    return t;
}

TlsContext::Stamps TlsContext::stamps() const {
    Stamps out;
    for (const auto* f : {&files_.cert, &files_.key, &files_.client_ca}) {
        std::error_code ec;
        auto t = f->empty() ? std::filesystem::file_time_type{} : std::filesystem::last_write_time(*f, ec);
        out.push_back(ec ? std::nullopt : std::optional(t));
    }
    return out;
}

std::shared_ptr<ssl::context> TlsContext::build(std::string& error) const {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    boost::system::error_code ec;
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                     ec);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    auto fail = [&](const std::string& what, const std::string& file) {
        error = "rest.tls: cannot " + what + " " + file + ": " + ec.message();
        return nullptr;
    };
    if (ctx->use_certificate_chain_file(files_.cert, ec)) return fail("load the certificate chain", files_.cert);
    if (ctx->use_private_key_file(files_.key, ssl::context::pem, ec)) return fail("load the private key", files_.key);
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
        error = "rest.tls: the private key " + files_.key + " does not match the certificate " + files_.cert;
        return nullptr;
    }
    if (!files_.client_ca.empty()) {
        if (ctx->load_verify_file(files_.client_ca, ec)) return fail("load the client certificate authorities", files_.client_ca);
        ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
        // Tell clients which authorities are accepted.
        if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files_.client_ca.c_str()))
            SSL_CTX_set_client_CA_list(ctx->native_handle(), names);
    }
    return ctx;
}

bool TlsContext::reload(std::string& error) {
    std::lock_guard lock(mutex_);
    stamps_ = stamps();
    auto ctx = build(error);
    if (!ctx) return false;
    context_ = std::move(ctx);
    return true;
}

std::shared_ptr<ssl::context> TlsContext::current() {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    if (now >= next_check_) {
        next_check_ = now + std::chrono::seconds(1);
        if (auto s = stamps(); s != stamps_) {
            stamps_ = s;
            std::string error;
            if (auto ctx = build(error)) {
                context_ = std::move(ctx);
                log::info("REST TLS certificate reloaded from ", files_.cert);
            } else {
                log::error(error, "; the previous certificate stays in use");
            }
        }
    }
    return context_;
}

}  // namespace sluice::rest
