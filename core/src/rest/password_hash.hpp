// Salted password hashes for the REST users file: PBKDF2-HMAC-SHA256 from OpenSSL, written
//   $pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>
// (the layout of passlib's and Django's PBKDF2 hashes). No hand-written cryptography: the
// derivation, the random salt, the encoding and the comparison are OpenSSL's.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sluice::rest {

inline constexpr int kDefaultPasswordIterations = 600000;  // OWASP's 2023 figure for PBKDF2-HMAC-SHA256
inline constexpr int kMinPasswordIterations = 1000;

// A new hash with a fresh 16-byte random salt.
std::string hash_password(std::string_view password, int iterations = kDefaultPasswordIterations);

// Whether `password` matches `encoded` (compared in constant time). False, with `error`
// set, when `encoded` is not a hash of this format.
bool verify_password(std::string_view password, std::string_view encoded, std::string* error = nullptr);

// Checks the format alone: nullopt when well formed, else what is wrong.
std::optional<std::string> password_hash_problem(std::string_view encoded);

// Standard base64 (with padding) through OpenSSL's EVP_EncodeBlock / EVP_DecodeBlock.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace sluice::rest
