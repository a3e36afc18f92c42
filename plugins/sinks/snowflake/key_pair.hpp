// The RSA private key a Snowflake user authenticates with (key-pair authentication), and
// what is derived from it: the public key's fingerprint Snowflake stores as
// RSA_PUBLIC_KEY_FP, and RS256 signatures for JWTs.
#pragma once

#include <memory>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;

namespace sluice::snowflake {

class PrivateKey {
public:
    // `pem` is a PKCS#8 ("BEGIN PRIVATE KEY" / "BEGIN ENCRYPTED PRIVATE KEY") or PKCS#1
    // ("BEGIN RSA PRIVATE KEY") RSA key of at least 2048 bits. `passphrase` decrypts an
    // encrypted key. `origin` names where the key came from in error messages (a file path,
    // or the config key). Throws std::runtime_error saying what is wrong, never the key.
    static PrivateKey from_pem(std::string_view pem, std::string_view passphrase, const std::string& origin);

    // The DER encoding of the public key as a SubjectPublicKeyInfo.
    std::string public_key_der() const;
    // "SHA256:" + base64 of SHA-256 over public_key_der(): what DESCRIBE USER shows as
    // RSA_PUBLIC_KEY_FP and what the JWT issuer carries.
    std::string fingerprint() const;
    // PKCS#1 v1.5 signature with SHA-256 (JWS "RS256") of `data`.
    std::string sign_rs256(std::string_view data) const;
    int bits() const;

private:
    struct Free {
        void operator()(EVP_PKEY* key) const;
    };
    explicit PrivateKey(EVP_PKEY* key) : key_(key, Free{}) {}
    std::shared_ptr<EVP_PKEY> key_;
};

// The last OpenSSL error of this thread as text (and clears the queue): for messages.
std::string openssl_error();

}  // namespace sluice::snowflake
