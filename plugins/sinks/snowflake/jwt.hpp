// Key-pair JWTs for Snowflake's REST APIs (RS256), and a cache that renews them before
// they expire.
//
// Snowflake's rules: the issuer is "<ACCOUNT>.<USER>.<fingerprint>" and the subject
// "<ACCOUNT>.<USER>", both upper-case, where ACCOUNT is the account identifier without any
// region or cloud suffix ("xy12345.us-east-2.aws" -> "XY12345"; an organization account is
// written "ORG-ACCOUNT"); exp may be at most one hour after iat.
#pragma once

#include "key_pair.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace sluice::snowflake {

std::string upper_ascii(std::string_view text);
// The account as it appears in JWT claims: up to the first '.', upper-cased.
std::string account_for_jwt(std::string_view account);

struct JwtClaims {
    std::string iss;
    std::string sub;
    std::int64_t iat = 0;  // seconds since the epoch
    std::int64_t exp = 0;
};

JwtClaims make_claims(std::string_view account, std::string_view user, const std::string& fingerprint,
                      std::int64_t now_s, std::int64_t lifetime_s);
// header.payload.signature, each base64url without padding.
std::string encode_jwt(const PrivateKey& key, const JwtClaims& claims);

// The token to send; a new one once the current one is within `renew_margin()` of its
// expiry, or after invalidate() (a 401 from the server).
class TokenSource {
public:
    using Clock = std::function<std::chrono::system_clock::time_point()>;

    TokenSource(PrivateKey key, std::string account, std::string user, std::chrono::seconds lifetime,
                Clock clock = [] { return std::chrono::system_clock::now(); });

    const std::string& token();
    void invalidate() { valid_ = false; }

    const JwtClaims& claims() const { return claims_; }
    std::chrono::seconds renew_margin() const { return margin_; }
    int tokens_issued() const { return issued_; }
    const std::string& fingerprint() const { return fingerprint_; }

private:
    PrivateKey key_;
    std::string account_, user_, fingerprint_;
    std::chrono::seconds lifetime_, margin_;
    Clock clock_;
    std::string token_;
    JwtClaims claims_;
    bool valid_ = false;
    int issued_ = 0;
};

}  // namespace sluice::snowflake
