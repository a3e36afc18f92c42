// RSA key pairs for Snowflake tests, made with the openssl command line at test time (so the
// plugin's key handling is checked against OpenSSL's tool, not against itself).
#pragma once

#include <string>

namespace sluice::testing {

struct TestKeyPair {
    std::string private_key_file;    // PKCS#8 PEM, unencrypted
    std::string encrypted_key_file;  // the same key, PKCS#8 encrypted with `passphrase`
    std::string passphrase;
    std::string private_key_pem;     // contents of private_key_file
    std::string public_key_pem;      // SubjectPublicKeyInfo PEM (what ALTER USER ... SET RSA_PUBLIC_KEY takes)
    std::string fingerprint;         // "SHA256:" + base64(sha256(public key DER)), by openssl
};

// Generates an RSA key of `bits` bits into `dir` (files named after `name`). Throws
// std::runtime_error with openssl's output when a command fails.
TestKeyPair make_test_key_pair(const std::string& dir, const std::string& name, int bits = 2048);

}  // namespace sluice::testing
