// Real broken plugin files (tests/fixtures/plugins) through the worker: `sluice plugins`
// lists the good ones and every refused file with the reason, and plugins that throw at
// create fail their own task while another connector of the same worker keeps running.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <sluice/abi.h>

#include <algorithm>
#include <filesystem>
#include <map>

using namespace sluice::it;
using sluice::testing::count_lines;
using sluice::testing::wait_until;
using sluice::testing::write_file;

namespace {

std::string fixture(const std::string& name) {
    return (std::filesystem::weakly_canonical(fixture_plugin_dir()) / name).string();
}

std::string abi(unsigned major, unsigned minor) { return std::to_string(major) + "." + std::to_string(minor); }

// File -> the reason the loader gives (see core/src/plugin/loader.cpp and registry.cpp).
std::map<std::string, std::string> expected_refusals() {
    return {
        {fixture("bad.so"), "not an ELF shared object (a plugin is a .so built with the sluice SDK)"},
        {fixture("no_manifest.so"), "has no sluice_plugin_manifest symbol: not a sluice plugin (export one with "
                                    "SLUICE_SOURCE or SLUICE_SINK from sluice/sdk.hpp)"},
        {fixture("wrong_major.so"), "built for plugin ABI " + abi(SLUICE_ABI_MAJOR + 1, 0) + ", this worker speaks ABI " +
                                        std::to_string(SLUICE_ABI_MAJOR) + ".x: rebuild the plugin against this SDK"},
        {fixture("newer_minor.so"), "built for plugin ABI " + abi(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR + 1) +
                                        ", newer than this worker's " + abi(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR) +
                                        ": upgrade sluice or build against an older SDK"},
        {fixture("good_duplicate.so"), "declares the source plugin 'fixture_good', already provided by " + fixture("good.so")},
    };
}

}  // namespace

TEST_CASE("plugin loading: sluice plugins lists the good plugins and every refused file with its reason") {
    TempDir dir;
    auto r = run_sluice(dir, {"plugins", "--plugin-dir", fixture_plugin_dir()});
    CHECK_MESSAGE(r.status == exited(0), r.status.describe() << "\n" << r.err);
    for (const char* line : {"\nsource fixture_good 0.1.0  (good.so)\n", "\nsource fixture_throws_sdk 0.1.0  (throws_sdk.so)\n",
                             "\nsource fixture_throws_raw 0.1.0  (throws_raw.so)\n", "    count (integer, default 10"})
        CHECK_MESSAGE(r.out.find(line) != std::string::npos, "missing '" << line << "' in:\n" << r.out);
    REQUIRE_MESSAGE(r.out.find("\nRefused files:\n") != std::string::npos, r.out);
    const std::string refused = r.out.substr(r.out.find("\nRefused files:\n"));
    for (const auto& [file, reason] : expected_refusals())
        CHECK_MESSAGE(refused.find("\n  " + file + ": " + reason + "\n") != std::string::npos,
                      "missing refusal of " << file << " (" << reason << ") in:\n" << refused);
    CHECK(std::count(refused.begin(), refused.end(), '\n') == 2 + static_cast<long>(expected_refusals().size()));  // heading + one line each
    // The refusals are warnings in the log too; none of them is fatal.
    for (const auto& [file, reason] : expected_refusals())
        CHECK(r.err.find("plugin file " + file + " refused: " + reason) != std::string::npos);

    auto j = run_sluice(dir, {"plugins", "--json", "--plugin-dir", fixture_plugin_dir()});
    REQUIRE(j.status == exited(0));
    auto listing = nlohmann::json::parse(j.out);
    std::map<std::string, std::string> names, refusals;
    for (const auto& p : listing.at("plugins")) names[p.at("name").get<std::string>()] = p.at("file").get<std::string>();
    for (const auto& x : listing.at("refused")) refusals[x.at("file").get<std::string>()] = x.at("reason").get<std::string>();
    CHECK(names == std::map<std::string, std::string>{{"fixture_good", fixture("good.so")},
                                                       {"fixture_throws_raw", fixture("throws_raw.so")},
                                                       {"fixture_throws_sdk", fixture("throws_sdk.so")}});
    CHECK(refusals == expected_refusals());
}

TEST_CASE("plugin loading: plugins throwing at create fail their task; another connector keeps producing") {
    TempDir dir;
    const std::string output = dir.file("ok.jsonl");
    // Both directories on the plugin path, the embedded cluster (no bootstrap servers).
    const std::string worker = dir.file("worker.yaml");
    write_file(worker, "plugin.path: ['" + plugin_dir() + "', '" + fixture_plugin_dir() + "']\n"
                       "log.progress.interval.ms: 200\n");
    const std::string sdk = dir.file("sdk.yaml"), raw = dir.file("raw.yaml"), ok = dir.file("ok.yaml");
    // restart.policy never: each fails once, as the assertions below count.
    write_file(sdk, "name: sdk\nsource: {name: src, plugin: fixture_throws_sdk, topic: pl.sdk, restart: {policy: never}}\n");
    write_file(raw, "name: raw\nsource: {name: src, plugin: fixture_throws_raw, topic: pl.raw, restart: {policy: never}}\n");
    write_file(ok, "name: ok\n"
                   "source: {name: gen, plugin: datagen, topic: pl.ok, config: {rate: 2000}}\n"
                   "sinks:\n"
                   "  - name: out\n"
                   "    plugin: file\n"
                   "    config: {path: '" + output + "'}\n");
    Sluice run(dir, {"run", "--worker", worker, sdk, raw, ok});

    REQUIRE_MESSAGE(run.wait_for_log("[sdk.src/0] task failed: ", 20s), "log:\n" << run.log());
    REQUIRE_MESSAGE(run.wait_for_log("[raw.src/0] task failed: ", 20s), "log:\n" << run.log());
    const std::string log = run.log();
    CHECK_MESSAGE(log.find("[sdk.src/0] task failed: fixture_throws_sdk (" + fixture("throws_sdk.so") +
                           "): create failed: fixture_throws_sdk: the constructor refuses to start") != std::string::npos,
                  log);
    CHECK_MESSAGE(log.find("[raw.src/0] task failed: fixture_throws_raw (" + fixture("throws_raw.so") +
                           "): create failed: create threw across the plugin ABI: fixture_throws_raw: create throws "
                           "straight across the C ABI") != std::string::npos,
                  log);
    // The refused fixture files were logged and skipped.
    CHECK(log.find("plugin file " + fixture("bad.so") + " refused") != std::string::npos);

    expect_output_keeps_growing(run, output);

    auto status = run.stop(20s);
    REQUIRE(status);
    CHECK_MESSAGE(*status == exited(4), status->describe() << "; log:\n" << run.log());
    CHECK(run.log().find("[sdk.src/0] ended FAILED: ") != std::string::npos);
    CHECK(run.log().find("[raw.src/0] ended FAILED: ") != std::string::npos);
}
