// The chain executor against real transform and predicate .so files (the raw-ABI fixtures of
// tests/fixtures/plugins/chain_plugins.cpp), loaded by the real loader: predicates and
// negate decide, documents are serialised once and released exactly once whatever the
// outcome, drops and failures are reported, RETRY is retried per errors.retry.timeout.
#include "common/log.hpp"
#include "config/transform_config.hpp"
#include "plugin/registry.hpp"
#include "runtime/transform_chain.hpp"

#include <doctest/doctest.h>

#include <dlfcn.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

using namespace sluice;
using namespace sluice::runtime;
using namespace std::chrono_literals;

namespace {

const std::string kChainSo = std::filesystem::weakly_canonical(std::string(SLUICE_CHAIN_PLUGIN_DIR) + "/chain.so").string();

plugin::Registry& registry() {
    static plugin::Registry r;
    static const bool loaded = [] {
        log::set_level(log::Level::error);
        r.add_file(kChainSo);
        return true;
    }();
    (void)loaded;
    return r;
}

struct DocCounts {
    int64_t made = 0, serialized = 0, released = 0;
};
DocCounts doc_counts() {
    registry();
    void* handle = dlopen(kChainSo.c_str(), RTLD_NOW | RTLD_NOLOAD);
    REQUIRE(handle != nullptr);
    auto fn = reinterpret_cast<void (*)(int64_t*, int64_t*, int64_t*)>(dlsym(handle, "fixture_chain_counters"));
    const bool found = fn != nullptr;
    REQUIRE(found);
    DocCounts c;
    fn(&c.made, &c.serialized, &c.released);
    dlclose(handle);
    return c;
}

// A connector whose chain is given in YAML (the `transforms:` and `predicates:` values).
struct Fixture {
    config::ConnectorSpec spec;
    ErrorCounters counters;
    std::unique_ptr<ErrorHandler> handler;
    std::unique_ptr<Retrier> retrier;
    std::unique_ptr<TransformChain> chain;
    std::atomic<bool> stop{false};

    Fixture(const std::string& transforms, const std::string& predicates = "", config::ErrorPolicy policy = {}) {
        config::Diagnostics diags;
        auto doc = config::load_yaml_text("transforms: " + transforms + "\npredicates: " + (predicates.empty() ? "{}" : predicates) + "\n",
                                          "chain.yaml", diags);
        REQUIRE(doc);
        auto parsed = config::parse_chain_yaml(*doc, doc->root["transforms"], doc->root["predicates"], "sinks[0]", {}, registry(), diags);
        REQUIRE_MESSAGE(diags.empty(), diags.format());
        spec.name = "demo.chain";
        spec.kind = config::ConnectorKind::sink;
        spec.transforms = parsed.transforms;
        spec.predicates = parsed.predicates;
        spec.errors = policy;
        ChainPlugins plugins;
        for (const auto& t : spec.transforms) plugins.transforms.push_back(registry().get(config::ConnectorKind::transform, t.type));
        for (const auto& p : spec.predicates) plugins.predicates.push_back(registry().get(config::ConnectorKind::predicate, p.type));
        std::string error;
        chain = TransformChain::create(spec, plugins, "w1", 0, &stop, error);
        REQUIRE_MESSAGE(chain, error);
        handler = std::make_unique<ErrorHandler>(policy, spec.name, 0, counters);
        retrier = std::make_unique<Retrier>(policy, false);
    }

    struct Run {
        TransformChain::Result result;
        ChainOutput out;
        ErrantCause cause;
    };
    std::unique_ptr<Run> run(const std::string& value, int64_t offset = 7) {
        static const std::string topic = "traffic.raw";
        sluice_record r{};
        r.struct_size = sizeof r;
        r.value = {value.data(), value.size()};
        r.topic = {topic.data(), topic.size()};
        r.partition = 0;
        r.offset = offset;
        sluice_transform_record t = transform_input(r, false);
        auto out = std::make_unique<Run>();
        out->result = chain->run(t, out->out, out->cause, *retrier, *handler, [](std::chrono::milliseconds d) {
            std::this_thread::sleep_for(d);
            return true;
        });
        return out;
    }
};

std::string text(const sluice_bytes& b) { return b.data ? std::string(b.data, b.size) : std::string("<null>"); }

}  // namespace

TEST_CASE("chain: a kept record carries the final document, serialised once and released once") {
    auto before = doc_counts();
    {
        Fixture f("[{type: fixture_json_check, field: speed}, {type: fixture_route, topic: traffic.clean}]");
        auto r = f.run(R"({"speed":42})");
        REQUIRE(r->result == TransformChain::Result::keep);
        CHECK(text(r->out.record().value) == R"({"checked":true,"speed":42})");
        CHECK(text(r->out.record().topic) == "traffic.clean");
        CHECK(r->out.record().offset == 7);
    }
    auto after = doc_counts();
    CHECK(after.made - before.made == 1);
    CHECK(after.serialized - before.serialized == 1);
    CHECK(after.released - before.released == 1);
}

TEST_CASE("chain: two documents in a row, the first replaced by the second, each released once") {
    auto before = doc_counts();
    Fixture f("[{type: fixture_json_check, field: speed}, {type: fixture_json_check, name: again, field: checked_not}]");
    auto r = f.run(R"({"speed":1})");
    // The second check fails on the first one's document: both documents are gone.
    REQUIRE(r->result == TransformChain::Result::failed);
    CHECK(r->cause.message == "transform 'again': field 'checked_not' is missing");
    auto after = doc_counts();
    CHECK(after.made - before.made == 1);
    CHECK(after.serialized - before.serialized == 0);
    CHECK(after.released - before.released == 1);
}

TEST_CASE("chain: a failing transform names its stage, plugin and message; the record's document is released") {
    Fixture f("[{type: fixture_json_check, field: speed}]");
    auto bad_json = f.run("not json");
    REQUIRE(bad_json->result == TransformChain::Result::failed);
    CHECK(bad_json->cause.stage == ErrorStage::transformation);
    CHECK(bad_json->cause.plugin == "fixture_json_check");
    CHECK(bad_json->cause.exception == "sluice.TransformError");
    CHECK(bad_json->cause.message == "transform 'fixture_json_check': value is not a JSON object: not json");
    auto wrong_type = f.run(R"({"speed":"fast"})");
    REQUIRE(wrong_type->result == TransformChain::Result::failed);
    CHECK(wrong_type->cause.message == "transform 'fixture_json_check': field 'speed' is a string, expected a number");
    // The chain goes on with the next record.
    CHECK(f.run(R"({"speed":3})")->result == TransformChain::Result::keep);
}

TEST_CASE("chain: a predicate with negate decides whether a transform applies") {
    const std::string predicates = "{poison: {type: fixture_value_contains, text: POISON}}";
    SUBCASE("drop the records that match") {
        Fixture f("[{type: fixture_drop, predicate: poison}]", predicates);
        CHECK(f.run("a POISON b")->result == TransformChain::Result::drop);
        auto kept = f.run("clean");
        REQUIRE(kept->result == TransformChain::Result::keep);
        CHECK(text(kept->out.record().value) == "clean");
    }
    SUBCASE("negate: drop the records that do not match") {
        Fixture f("[{type: fixture_drop, predicate: poison, negate: true}]", predicates);
        CHECK(f.run("a POISON b")->result == TransformChain::Result::keep);
        CHECK(f.run("clean")->result == TransformChain::Result::drop);
    }
    SUBCASE("an inline predicate; it sees the document an earlier transform made") {
        Fixture f("[{type: fixture_json_check, field: speed}, {type: fixture_drop, predicate: {type: fixture_value_contains, text: checked}}]");
        CHECK(f.run(R"({"speed":1})")->result == TransformChain::Result::drop);
    }
}

TEST_CASE("chain: RETRY is retried until errors.retry.timeout, counted, then a failure") {
    config::ErrorPolicy policy;
    SUBCASE("retried within the timeout: kept") {
        policy.retry_timeout_ms = 5000;
        policy.retry_delay_max_ms = 2;
        Fixture f("[{type: fixture_retry, times: 3}]", "", policy);
        auto r = f.run("x");
        CHECK(r->result == TransformChain::Result::keep);
        CHECK(f.counters.snapshot().at(ErrorStage::transformation).records_retried == 3);
    }
    SUBCASE("no retry by default (Kafka Connect's retry.timeout 0)") {
        Fixture f("[{type: fixture_retry, times: 1}]", "", policy);
        auto r = f.run("x");
        REQUIRE(r->result == TransformChain::Result::failed);
        CHECK(r->cause.exception == "sluice.RetriesExhausted");
        CHECK(r->cause.message.find("apply still asked to retry after 0 retries (errors.retry.timeout): upstream busy") !=
              std::string::npos);
    }
    SUBCASE("bounded: a transform that keeps asking fails after the timeout") {
        policy.retry_timeout_ms = 150;
        policy.retry_delay_max_ms = 40;
        Fixture f("[{type: fixture_retry, times: 1000000}]", "", policy);
        const auto start = std::chrono::steady_clock::now();
        auto r = f.run("x");
        const auto elapsed = std::chrono::steady_clock::now() - start;
        CHECK(r->result == TransformChain::Result::failed);
        CHECK(elapsed >= 140ms);
        CHECK(elapsed < 600ms);
        CHECK(f.counters.snapshot().at(ErrorStage::transformation).records_retried >= 3);
    }
}

TEST_CASE("chain: FATAL from a transform is fatal, not a record failure") {
    Fixture f("[{type: fixture_fatal}]");
    auto r = f.run("x");
    CHECK(r->result == TransformChain::Result::fatal);
    CHECK(r->cause.message == "transform 'fixture_fatal': cannot go on");
}

TEST_CASE("chain: tombstones and headers pass through") {
    Fixture f("[{type: fixture_json_check, field: speed}]");
    const std::string topic = "t";
    sluice_header h{{"source", 6}, {"bdx", 3}};
    const sluice_header* hp[] = {&h};
    sluice_record r{};
    r.struct_size = sizeof r;
    r.value = {nullptr, 0};
    r.headers = hp;
    r.header_count = 1;
    r.topic = {topic.data(), topic.size()};
    r.offset = 3;
    sluice_transform_record t = transform_input(r, false);
    ChainOutput out;
    ErrantCause cause;
    auto result = f.chain->run(t, out, cause, *f.retrier, *f.handler, [](std::chrono::milliseconds) { return true; });
    REQUIRE(result == TransformChain::Result::keep);
    CHECK(out.record().value.data == nullptr);
    REQUIRE(out.record().header_count == 1);
    CHECK(text(out.record().headers[0]->key) == "source");
    CHECK(text(out.record().headers[0]->value) == "bdx");
}
