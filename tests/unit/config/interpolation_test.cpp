#include "config/interpolation.hpp"

#include "../../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

using sluice::config::interpolate;

TEST_CASE("environment references") {
    setenv("SLUICE_TEST_VAR", "secret-value", 1);
    unsetenv("SLUICE_TEST_MISSING");
    std::string error;
    auto r = interpolate("pw=${env:SLUICE_TEST_VAR}!", ".", nullptr, error);
    REQUIRE(r);
    CHECK(r->text == "pw=secret-value!");
    CHECK(r->used_provider);

    CHECK_FALSE(interpolate("${env:SLUICE_TEST_MISSING}", ".", nullptr, error));
    CHECK(error == "environment variable SLUICE_TEST_MISSING is not set");

    auto fallback = interpolate("${env:SLUICE_TEST_MISSING:-/tmp/x}", ".", nullptr, error);
    REQUIRE(fallback);
    CHECK(fallback->text == "/tmp/x");

    auto plain = interpolate("no references, $ alone, $$", ".", nullptr, error);
    REQUIRE(plain);
    CHECK(plain->text == "no references, $ alone, $$");
    CHECK_FALSE(plain->used_provider);

    auto escaped = interpolate("$${env:SLUICE_TEST_VAR}", ".", nullptr, error);
    REQUIRE(escaped);
    CHECK(escaped->text == "${env:SLUICE_TEST_VAR}");
}

TEST_CASE("bad references are errors, not silent text") {
    std::string error;
    CHECK_FALSE(interpolate("${env:UNTERMINATED", ".", nullptr, error));
    CHECK(error.find("unterminated") != std::string::npos);
    CHECK_FALSE(interpolate("${vault:x}", ".", nullptr, error));
    CHECK(error.find("unknown provider 'vault'") != std::string::npos);
    CHECK_FALSE(interpolate("${env:}", ".", nullptr, error));
}

TEST_CASE("file references read a properties file relative to the config") {
    sluice::testing::TempDir dir;
    std::ofstream(dir.path() / "creds.properties") << "# comment\nuser = alice\npassword=s3cr=t\n";
    std::string error;
    auto r = interpolate("${file:creds.properties:password}", dir.path().string(), nullptr, error);
    REQUIRE(r);
    CHECK(r->text == "s3cr=t");
    CHECK_FALSE(interpolate("${file:creds.properties:missing}", dir.path().string(), nullptr, error));
    CHECK(error.find("key missing not found") != std::string::npos);
    CHECK_FALSE(interpolate("${file:nope.properties:x}", dir.path().string(), nullptr, error));
}
