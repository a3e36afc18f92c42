#include "key_pair.hpp"

#include "base64.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstring>
#include <stdexcept>

namespace sluice::snowflake {
namespace {

struct PassphraseSource {
    std::string_view passphrase;
    bool asked = false;
};

// OpenSSL asks for the passphrase only when the PEM is encrypted.
int passphrase_callback(char* buf, int size, int, void* user) {
    auto* source = static_cast<PassphraseSource*>(user);
    source->asked = true;
    if (source->passphrase.empty() || static_cast<int>(source->passphrase.size()) > size) return -1;
    std::memcpy(buf, source->passphrase.data(), source->passphrase.size());
    return static_cast<int>(source->passphrase.size());
}

}  // namespace

std::string openssl_error() {
    unsigned long code = ERR_get_error();
    std::string text;
    while (code != 0) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        text = buf;  // the last one is the most specific
        code = ERR_get_error();
    }
    return text.empty() ? "unknown OpenSSL error" : text;
}

void PrivateKey::Free::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

PrivateKey PrivateKey::from_pem(std::string_view pem, std::string_view passphrase, const std::string& origin) {
    if (pem.find("-----BEGIN") == std::string_view::npos)
        throw std::runtime_error(origin + ": not a PEM private key (no '-----BEGIN' line)");
    if (pem.find("PUBLIC KEY-----") != std::string_view::npos && pem.find("PRIVATE KEY-----") == std::string_view::npos)
        throw std::runtime_error(origin + ": holds a public key; the sink needs the user's private key");
    const bool encrypted = pem.find("ENCRYPTED") != std::string_view::npos;
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (bio == nullptr) throw std::runtime_error(origin + ": " + openssl_error());
    PassphraseSource source{passphrase};
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, &passphrase_callback, &source);
    BIO_free(bio);
    if (key == nullptr) {
        std::string detail = openssl_error();
        if (encrypted && passphrase.empty())
            throw std::runtime_error(origin + ": the private key is encrypted; set private.key.passphrase");
        if (encrypted)
            throw std::runtime_error(origin + ": cannot decrypt the private key (wrong private.key.passphrase?): " +
                                     detail);
        throw std::runtime_error(origin + ": cannot read the private key: " + detail);
    }
    PrivateKey result(key);  // owns it from here on
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
        throw std::runtime_error(origin + ": not an RSA key; Snowflake key-pair authentication needs RSA");
    if (result.bits() < 2048)
        throw std::runtime_error(origin + ": RSA key of " + std::to_string(result.bits()) +
                                 " bits; Snowflake needs at least 2048");
    return result;
}

int PrivateKey::bits() const { return EVP_PKEY_get_bits(key_.get()); }

std::string PrivateKey::public_key_der() const {
    unsigned char* der = nullptr;
    int length = i2d_PUBKEY(key_.get(), &der);
    if (length <= 0) throw std::runtime_error("cannot encode the public key: " + openssl_error());
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
    return out;
}

std::string PrivateKey::fingerprint() const {
    const std::string der = public_key_der();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(der.data(), der.size(), digest, &size, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed: " + openssl_error());
    return "SHA256:" + base64_encode(std::string_view(reinterpret_cast<const char*>(digest), size));
}

std::string PrivateKey::sign_rs256(std::string_view data) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx == nullptr) throw std::runtime_error("out of memory");
    std::string signature;
    std::size_t size = 0;
    bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_.get()) == 1 &&
              EVP_DigestSign(ctx, nullptr, &size, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
    if (ok) {
        signature.resize(size);
        ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &size,
                            reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
        signature.resize(size);
    }
    EVP_MD_CTX_free(ctx);
    if (!ok) throw std::runtime_error("RS256 signing failed: " + openssl_error());
    return signature;
}

}  // namespace sluice::snowflake
