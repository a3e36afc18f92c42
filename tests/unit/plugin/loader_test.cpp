// The plugin loader against real broken .so files (tests/fixtures/plugins): every refusal
// names the file and its cause, the good plugins load, and a plugin whose create throws
// (through the SDK or straight across the C ABI) gives a failed Outcome, not a crash.
#include "common/log.hpp"
#include "plugin/instance.hpp"
#include "plugin/registry.hpp"
#include "runtime/task_host.hpp"

#include <sluice/abi.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <string>

using sluice::config::ConnectorKind;

namespace {

const std::string kDir = std::filesystem::weakly_canonical(SLUICE_FIXTURE_PLUGIN_DIR).string();

// The registry also logs each refusal as a warning; these tests read them from refused().
[[maybe_unused]] const bool quiet = [] {
    sluice::log::set_level(sluice::log::Level::error);
    return true;
}();

std::string file(const std::string& name) { return kDir + "/" + name; }

std::string abi(unsigned major, unsigned minor) { return std::to_string(major) + "." + std::to_string(minor); }

std::map<std::string, std::string> refusals(const sluice::plugin::Registry& registry) {
    std::map<std::string, std::string> out;
    for (const auto& r : registry.refused()) out[r.file] = r.reason;
    return out;
}

}  // namespace

TEST_CASE("plugin loader: every broken fixture is refused with its file and cause") {
    sluice::plugin::Registry registry;
    auto report = registry.scan({kDir});
    auto refused = refusals(registry);
    CHECK(report.refused.size() == refused.size());

    const std::map<std::string, std::string> expected = {
        {file("bad.so"), "not an ELF shared object (a plugin is a .so built with the sluice SDK)"},
        {file("no_manifest.so"),
         "has no sluice_plugin_manifest symbol: not a sluice plugin (export one with SLUICE_SOURCE or SLUICE_SINK from "
         "sluice/sdk.hpp)"},
        {file("wrong_major.so"), "built for plugin ABI " + abi(SLUICE_ABI_MAJOR + 1, 0) + ", this worker speaks ABI " +
                                     std::to_string(SLUICE_ABI_MAJOR) + ".x: rebuild the plugin against this SDK"},
        {file("newer_minor.so"), "built for plugin ABI " + abi(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR + 1) +
                                     ", newer than this worker's " + abi(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR) +
                                     ": upgrade sluice or build against an older SDK"},
        {file("good_duplicate.so"),
         "declares the source plugin 'fixture_good', already provided by " + file("good.so")},
    };
    for (const auto& [path, reason] : expected) {
        CAPTURE(path);
        REQUIRE(refused.count(path) == 1);
        CHECK(refused.at(path) == reason);
    }
    CHECK(refused.size() == expected.size());

    // The good and the throwing plugins load: throwing happens only at create.
    std::map<std::string, std::string> loaded;
    for (const auto& p : registry.all()) loaded[p->name] = p->file;
    CHECK(loaded == std::map<std::string, std::string>{{"fixture_good", file("good.so")},
                                                        {"fixture_throws_raw", file("throws_raw.so")},
                                                        {"fixture_throws_sdk", file("throws_sdk.so")}});
    auto good = registry.get(ConnectorKind::source, "fixture_good");
    REQUIRE(good != nullptr);
    CHECK(good->version == "0.1.0");
    CHECK(good->facts.schema.find("count") != nullptr);
    CHECK(registry.names(ConnectorKind::source) ==
          std::vector<std::string>{"fixture_good", "fixture_throws_raw", "fixture_throws_sdk"});
    CHECK(registry.names(ConnectorKind::sink).empty());

    // A rescan loads nothing new and refuses the same files again, with the same reasons.
    auto again = registry.scan({kDir});
    CHECK(again.added.empty());
    CHECK(refusals(registry) == refused);
}

TEST_CASE("plugin loader: a missing plugin directory is reported, not fatal") {
    sluice::plugin::Registry registry;
    auto report = registry.scan({kDir + "/does-not-exist", kDir});
    REQUIRE_FALSE(report.refused.empty());
    CHECK(report.refused.front().file == kDir + "/does-not-exist");
    CHECK(report.refused.front().reason == "plugin directory does not exist or is not a directory");
    CHECK(registry.get(ConnectorKind::source, "fixture_good") != nullptr);
}

TEST_CASE("plugin loader: create that throws gives a failed outcome with the exception's message") {
    sluice::plugin::Registry registry;
    registry.scan({kDir});
    sluice::runtime::TaskHost host("test-worker", "p.c", "x", 0, 1, nullptr, nullptr);

    SUBCASE("SDK plugin: the constructor's exception becomes FATAL") {
        auto plugin = registry.get(ConnectorKind::source, "fixture_throws_sdk");
        REQUIRE(plugin != nullptr);
        auto created = sluice::plugin::SourceInstance::create(plugin, {}, host.get());
        auto* outcome = std::get_if<sluice::plugin::Outcome>(&created);
        REQUIRE(outcome != nullptr);
        CHECK(outcome->status == SLUICE_FATAL);
        CHECK(outcome->message == "fixture_throws_sdk (" + file("throws_sdk.so") +
                                      "): create failed: fixture_throws_sdk: the constructor refuses to start");
    }
    SUBCASE("raw C ABI plugin: an exception thrown across the ABI is caught by the worker") {
        auto plugin = registry.get(ConnectorKind::source, "fixture_throws_raw");
        REQUIRE(plugin != nullptr);
        auto created = sluice::plugin::SourceInstance::create(plugin, {}, host.get());
        auto* outcome = std::get_if<sluice::plugin::Outcome>(&created);
        REQUIRE(outcome != nullptr);
        CHECK(outcome->status == SLUICE_FATAL);
        CHECK(outcome->message == "fixture_throws_raw (" + file("throws_raw.so") +
                                      "): create failed: create threw across the plugin ABI: fixture_throws_raw: create "
                                      "throws straight across the C ABI");
    }
    SUBCASE("the good plugin creates an instance") {
        auto plugin = registry.get(ConnectorKind::source, "fixture_good");
        REQUIRE(plugin != nullptr);
        sluice::config::Resolved config;
        sluice::config::Value count;
        count.text = "3";
        count.json = "3";
        config.emplace("count", count);
        auto created = sluice::plugin::SourceInstance::create(plugin, config, host.get());
        CHECK(std::holds_alternative<std::unique_ptr<sluice::plugin::SourceInstance>>(created));
    }
}

TEST_CASE("plugin loader: transforms and predicates (ABI 1.1) load, broken ones are refused, names are unique per kind") {
    const std::string dir = std::filesystem::weakly_canonical(SLUICE_CHAIN_PLUGIN_DIR).string();
    sluice::plugin::Registry registry;
    registry.scan({dir});
    auto refused = refusals(registry);
    const std::map<std::string, std::string> expected = {
        {dir + "/chain_duplicate.so", "declares the transform plugin 'fixture_json_check', already provided by " + dir + "/chain.so"},
        {dir + "/no_apply.so", "plugin 'fixture_no_apply' transform vtable lacks create, destroy or apply"},
        {dir + "/short_vtable.so", "plugin 'fixture_short_vtable' predicate vtable too small"},
    };
    CHECK(refused == expected);
    CHECK(registry.names(ConnectorKind::transform) ==
          std::vector<std::string>{"fixture_drop", "fixture_fatal", "fixture_json_check", "fixture_retry", "fixture_route"});
    CHECK(registry.names(ConnectorKind::predicate) == std::vector<std::string>{"fixture_value_contains"});
    CHECK(registry.names(ConnectorKind::source) == std::vector<std::string>{"fixture_errant_source"});  // errant.so
    auto check = registry.get(ConnectorKind::transform, "fixture_json_check");
    REQUIRE(check != nullptr);
    CHECK(check->transform != nullptr);
    CHECK(check->source == nullptr);
    CHECK(check->facts.schema.find("field")->required);
    CHECK(registry.get(ConnectorKind::predicate, "fixture_json_check") == nullptr);  // per kind
    auto contains = registry.get(ConnectorKind::predicate, "fixture_value_contains");
    REQUIRE(contains != nullptr);
    CHECK(contains->predicate != nullptr);

    // Instances are created and destroyed through the ABI like sources and sinks.
    sluice::runtime::TaskHost host("test-worker", "p.c", "fixture_value_contains", 0, 1, nullptr, nullptr);
    sluice::config::Resolved config;
    sluice::config::Value text;
    text.text = "x";
    text.json = "\"x\"";
    config.emplace("text", text);
    auto created = sluice::plugin::PredicateInstance::create(contains, config, host.get());
    REQUIRE(std::holds_alternative<std::unique_ptr<sluice::plugin::PredicateInstance>>(created));
    auto missing = sluice::plugin::PredicateInstance::create(contains, {}, host.get());
    REQUIRE(std::holds_alternative<sluice::plugin::Outcome>(missing));
    CHECK(std::get<sluice::plugin::Outcome>(missing).message.find("create failed: text is not set") != std::string::npos);
}

TEST_CASE("plugin loader: a plugin built against ABI 1.0 still loads; it has no validate()") {
    const std::string path = std::string(SLUICE_OLD_ABI_PLUGIN_DIR) + "/abi_1_0.so";
    auto loaded = sluice::plugin::load_plugin_file(path);
    auto* plugins = std::get_if<std::vector<sluice::plugin::PluginPtr>>(&loaded);
    REQUIRE_MESSAGE(plugins != nullptr, std::get<sluice::plugin::Refusal>(loaded).reason);
    REQUIRE(plugins->size() == 1);
    CHECK(plugins->front()->name == "fixture_abi_1_0");
    CHECK_FALSE(plugins->front()->facts.validate);
}
