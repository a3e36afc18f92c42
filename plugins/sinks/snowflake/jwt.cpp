#include "jwt.hpp"

#include "base64.hpp"

#include <sluice/sdk.hpp>

#include <algorithm>

namespace sluice::snowflake {

std::string upper_ascii(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

std::string account_for_jwt(std::string_view account) {
    return upper_ascii(account.substr(0, account.find('.')));
}

JwtClaims make_claims(std::string_view account, std::string_view user, const std::string& fingerprint,
                      std::int64_t now_s, std::int64_t lifetime_s) {
    const std::string qualified = account_for_jwt(account) + "." + upper_ascii(user);
    return {qualified + "." + fingerprint, qualified, now_s, now_s + lifetime_s};
}

std::string encode_jwt(const PrivateKey& key, const JwtClaims& claims) {
    const std::string header = R"({"alg":"RS256","typ":"JWT"})";
    const std::string payload =
        json::Object().add("iss", claims.iss).add("sub", claims.sub).add("iat", claims.iat).add("exp", claims.exp).str();
    std::string signing_input = base64url_encode(header) + "." + base64url_encode(payload);
    const std::string signature = key.sign_rs256(signing_input);
    return signing_input + "." + base64url_encode(signature);
}

TokenSource::TokenSource(PrivateKey key, std::string account, std::string user, std::chrono::seconds lifetime,
                         Clock clock)
    : key_(std::move(key)),
      account_(std::move(account)),
      user_(std::move(user)),
      fingerprint_(key_.fingerprint()),
      lifetime_(lifetime),
      // Renew with room for a slow request and some clock skew: 5 minutes, or a quarter of
      // a short lifetime.
      margin_(std::min<std::chrono::seconds>(std::chrono::seconds(300), lifetime / 4)),
      clock_(std::move(clock)) {}

const std::string& TokenSource::token() {
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(clock_().time_since_epoch()).count();
    if (!valid_ || now >= claims_.exp - margin_.count()) {
        claims_ = make_claims(account_, user_, fingerprint_, now, lifetime_.count());
        token_ = encode_jwt(key_, claims_);
        valid_ = true;
        ++issued_;
    }
    return token_;
}

}  // namespace sluice::snowflake
