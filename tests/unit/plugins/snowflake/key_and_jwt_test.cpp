// Key loading, the public key fingerprint and JWTs, checked against the openssl command
// line (keys generated at test time), and the token cache's renewal timing on a fake clock.
#include "base64.hpp"
#include "jwt.hpp"
#include "key_pair.hpp"
#include "process.hpp"
#include "temp_dir.hpp"
#include "test_keys.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace sluice::snowflake;
using sluice::testing::make_test_key_pair;
using sluice::testing::read_file;
using sluice::testing::TempDir;
using sluice::testing::TestKeyPair;
using sluice::testing::write_file;

namespace {

// One key pair for the whole file: RSA generation is the slow part.
const TestKeyPair& key_pair() {
    static TempDir dir;
    static TestKeyPair k = make_test_key_pair(dir.path().string(), "unit");
    return k;
}

nlohmann::json segment(const std::string& token, int index) {
    std::size_t start = 0;
    for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
    std::size_t end = token.find('.', start);
    auto bytes = base64url_decode(token.substr(start, end == std::string::npos ? std::string::npos : end - start));
    REQUIRE(bytes);
    return nlohmann::json::parse(*bytes);
}

}  // namespace

TEST_CASE("the fingerprint is base64 SHA-256 of the public key DER, as openssl computes it") {
    const TestKeyPair& k = key_pair();
    PrivateKey key = PrivateKey::from_pem(k.private_key_pem, "", "test");
    CHECK(key.bits() == 2048);
    CHECK(key.fingerprint() == k.fingerprint);
    CHECK(k.fingerprint.size() == std::string("SHA256:").size() + 44);
}

TEST_CASE("an encrypted PKCS#8 key loads with its passphrase and gives the same fingerprint") {
    const TestKeyPair& k = key_pair();
    const std::string pem = read_file(k.encrypted_key_file);
    REQUIRE(pem.find("ENCRYPTED PRIVATE KEY") != std::string::npos);
    CHECK(PrivateKey::from_pem(pem, k.passphrase, "enc").fingerprint() == k.fingerprint);

    auto message = [&](const std::string& passphrase) {
        try {
            PrivateKey::from_pem(pem, passphrase, "private_key_file 'k.p8'");
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(message("") == "private_key_file 'k.p8': the private key is encrypted; set private.key.passphrase");
    CHECK(message("wrong").find("wrong private.key.passphrase?") != std::string::npos);
}

TEST_CASE("keys Snowflake cannot use are refused with the reason") {
    const TestKeyPair& k = key_pair();
    auto message = [](const std::string& pem) {
        try {
            PrivateKey::from_pem(pem, "", "private_key");
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(message("not a key") == "private_key: not a PEM private key (no '-----BEGIN' line)");
    CHECK(message(k.public_key_pem) == "private_key: holds a public key; the sink needs the user's private key");
    CHECK(message("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").find("cannot read the private key") !=
          std::string::npos);

    TempDir dir;
    TestKeyPair small = make_test_key_pair(dir.path().string(), "small", 1024);
    CHECK(message(small.private_key_pem) == "private_key: RSA key of 1024 bits; Snowflake needs at least 2048");
    sluice::testing::RunResult ec = sluice::testing::run(
        {"/bin/sh", "-c", "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + dir.file("ec.pem")},
        dir.path().string());
    REQUIRE(ec.status.code == 0);
    CHECK(message(read_file(dir.file("ec.pem"))) == "private_key: not an RSA key; Snowflake key-pair authentication needs RSA");
}

TEST_CASE("claims: account without region or cloud, account and user upper-cased") {
    CHECK(account_for_jwt("xy12345.us-east-2.aws") == "XY12345");
    CHECK(account_for_jwt("myorg-myaccount") == "MYORG-MYACCOUNT");
    CHECK(account_for_jwt("xy12345") == "XY12345");
    JwtClaims c = make_claims("xy12345.us-east-2.aws", "kafka_loader", "SHA256:abc=", 1700000000, 3600);
    CHECK(c.iss == "XY12345.KAFKA_LOADER.SHA256:abc=");
    CHECK(c.sub == "XY12345.KAFKA_LOADER");
    CHECK(c.iat == 1700000000);
    CHECK(c.exp == 1700003600);
}

TEST_CASE("the JWT is RS256, carries the claims, and its signature verifies with openssl") {
    const TestKeyPair& k = key_pair();
    PrivateKey key = PrivateKey::from_pem(k.private_key_pem, "", "test");
    JwtClaims claims = make_claims("myorg-acct", "loader", key.fingerprint(), 1700000000, 3600);
    const std::string token = encode_jwt(key, claims);
    CHECK(token.find('=') == std::string::npos);  // base64url without padding
    CHECK(segment(token, 0) == nlohmann::json{{"alg", "RS256"}, {"typ", "JWT"}});
    CHECK(segment(token, 1) == nlohmann::json{{"iss", "MYORG-ACCT.LOADER." + k.fingerprint},
                                              {"sub", "MYORG-ACCT.LOADER"},
                                              {"iat", 1700000000},
                                              {"exp", 1700003600}});

    TempDir dir;
    const std::size_t last_dot = token.rfind('.');
    write_file(dir.file("input"), token.substr(0, last_dot));
    auto signature = base64url_decode(token.substr(last_dot + 1));
    REQUIRE(signature);
    CHECK(signature->size() == 256);
    write_file(dir.file("sig"), *signature);
    write_file(dir.file("pub.pem"), k.public_key_pem);
    auto verify = [&] {
        return sluice::testing::run({"openssl", "dgst", "-sha256", "-verify", dir.file("pub.pem"), "-signature",
                                     dir.file("sig"), dir.file("input")},
                                    dir.path().string());
    };
    auto good = verify();
    CHECK(good.status.code == 0);
    CHECK(good.out.find("Verified OK") != std::string::npos);
    write_file(dir.file("input"), token.substr(0, last_dot) + "x");  // tampered
    CHECK(verify().status.code != 0);
}

TEST_CASE("tokens are cached and renewed 5 minutes before expiry, or at once after invalidate()") {
    const TestKeyPair& k = key_pair();
    auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    TokenSource tokens(PrivateKey::from_pem(k.private_key_pem, "", "t"), "acct", "user", std::chrono::seconds(3600),
                       [&] { return now; });
    CHECK(tokens.renew_margin() == std::chrono::seconds(300));
    const std::string first = tokens.token();
    CHECK(tokens.tokens_issued() == 1);
    CHECK(tokens.claims().iat == 1700000000);
    CHECK(tokens.claims().exp == 1700003600);

    now += std::chrono::seconds(3299);
    CHECK(tokens.token() == first);
    CHECK(tokens.tokens_issued() == 1);

    now += std::chrono::seconds(1);  // 300 s left: renew
    const std::string second = tokens.token();
    CHECK(second != first);
    CHECK(tokens.tokens_issued() == 2);
    CHECK(tokens.claims().iat == 1700003300);
    CHECK(tokens.claims().exp == 1700006900);

    now += std::chrono::seconds(1);
    tokens.invalidate();  // a 401: a new token long before the renewal time
    CHECK(tokens.token() != second);
    CHECK(tokens.claims().iat == 1700003301);
    CHECK(tokens.tokens_issued() == 3);

    TokenSource short_lived(PrivateKey::from_pem(k.private_key_pem, "", "t"), "acct", "user", std::chrono::seconds(120),
                            [&] { return now; });
    CHECK(short_lived.renew_margin() == std::chrono::seconds(30));
}

TEST_CASE("base64url round trip, and refusal of other alphabets") {
    for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\xff\xfe\x00\x01", 4)}) {
        auto encoded = base64url_encode(s);
        CHECK(encoded.find('=') == std::string::npos);
        CHECK(base64url_decode(encoded) == s);
    }
    CHECK(base64_encode("\xfb\xff") == "+/8=");
    CHECK(base64url_encode("\xfb\xff") == "-_8");
    CHECK_FALSE(base64url_decode("+/8"));
    CHECK_FALSE(base64url_decode("abcde"));
}
