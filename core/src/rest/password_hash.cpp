#include "rest/password_hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace sluice::rest {
namespace {

constexpr std::string_view kScheme = "$pbkdf2-sha256$";
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

std::string derive(std::string_view password, std::string_view salt, int iterations) {
    std::string out(kHashBytes, '\0');
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), reinterpret_cast<const unsigned char*>(salt.data()),
                          static_cast<int>(salt.size()), iterations, EVP_sha256(), static_cast<int>(out.size()),
                          reinterpret_cast<unsigned char*>(out.data())) != 1)
        throw std::runtime_error("PBKDF2 failed");
    return out;
}

struct Parsed {
    int iterations = 0;
    std::string salt;
    std::string hash;
};

std::optional<Parsed> parse(std::string_view encoded, std::string& error) {
    if (encoded.substr(0, kScheme.size()) != kScheme) {
        error = "expected a hash starting with $pbkdf2-sha256$ (written by `sluice passwd`)";
        return std::nullopt;
    }
    encoded.remove_prefix(kScheme.size());
    auto d1 = encoded.find('$');
    auto d2 = d1 == std::string_view::npos ? d1 : encoded.find('$', d1 + 1);
    if (d2 == std::string_view::npos) {
        error = "expected $pbkdf2-sha256$ITERATIONS$SALT$HASH";
        return std::nullopt;
    }
    Parsed p;
    std::string_view digits = encoded.substr(0, d1);
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoi(std::string(digits)) < kMinPasswordIterations) {
        error = "expected at least " + std::to_string(kMinPasswordIterations) + " iterations";
        return std::nullopt;
    }
    p.iterations = std::stoi(std::string(digits));
    auto salt = base64_decode(encoded.substr(d1 + 1, d2 - d1 - 1));
    auto hash = base64_decode(encoded.substr(d2 + 1));
    if (!salt || salt->size() < 8 || !hash || hash->size() != kHashBytes) {
        error = "the salt or the hash is not valid base64 of the expected length";
        return std::nullopt;
    }
    p.salt = std::move(*salt);
    p.hash = std::move(*hash);
    return p;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(static_cast<size_t>(n));
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    if (text.empty()) return std::string();
    std::string out(3 * text.size() / 4, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    if (n < 0) return std::nullopt;
    // EVP_DecodeBlock counts the padding as zero bytes.
    size_t padding = 0;
    for (size_t i = text.size(); i > 0 && text[i - 1] == '=' && padding < 2; --i) ++padding;
    out.resize(static_cast<size_t>(n) - padding);
    return out;
}

std::string hash_password(std::string_view password, int iterations) {
    if (iterations < kMinPasswordIterations) iterations = kMinPasswordIterations;
    std::string salt(kSaltBytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1)
        throw std::runtime_error("no random bytes for a salt");
    return std::string(kScheme) + std::to_string(iterations) + "$" + base64_encode(salt) + "$" +
           base64_encode(derive(password, salt, iterations));
}

std::optional<std::string> password_hash_problem(std::string_view encoded) {
    std::string error;
    if (parse(encoded, error)) return std::nullopt;
    return error;
}

bool verify_password(std::string_view password, std::string_view encoded, std::string* error) {
    std::string problem;
    auto p = parse(encoded, problem);
    if (!p) {
        if (error) *error = problem;
        return false;
    }
    std::string derived = derive(password, p->salt, p->iterations);
    return CRYPTO_memcmp(derived.data(), p->hash.data(), kHashBytes) == 0;
}

}  // namespace sluice::rest
