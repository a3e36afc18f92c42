// The glue behind the export macros, driven through the C ABI as the worker does.
#include "../../support/sdk_harness.hpp"

#include <sluice/sdk.hpp>

#include <doctest/doctest.h>

namespace {

class Probe : public sluice::Source {
public:
    static std::vector<sluice::ConfigKey> config_keys() {
        return {sluice::ConfigKey::string("mode", "What poll does").default_value("ok").one_of({"ok", "retry", "fatal", "record", "other", "unknown"}),
                sluice::ConfigKey::integer("count", "Records per poll").default_value("2").between(0, 10),
                sluice::ConfigKey::string("token", "A credential").secret(),
                sluice::ConfigKey::boolean("explode", "Throw from the constructor").default_value("false")};
    }
    static constexpr int max_tasks = 3;
    Probe(const sluice::Config& c, sluice::TaskContext& ctx) : mode_(c.string("mode")), count_(c.integer("count")), ctx_(ctx) {
        if (c.boolean("explode")) throw std::runtime_error("constructor exploded");
        if (auto stored = ctx.stored_offset(R"({"probe":0})")) next_ = std::stoll(sluice::json::parse_flat(*stored)->at("n")) + 1;
        ctx.info("probe created");
    }
    static void test(const sluice::Config& c, sluice::TaskContext&) {
        if (c.string("mode") == "fatal") throw sluice::FatalError("pre-flight says no");
    }
    void poll(sluice::RecordWriter& out, std::chrono::milliseconds) override {
        if (mode_ == "retry") throw sluice::RetriableError("upstream busy");
        if (mode_ == "fatal") throw sluice::FatalError("state lost");
        if (mode_ == "record") throw sluice::RecordError(1, "record 1 is bad");
        if (mode_ == "other") throw std::out_of_range("index 9");
        if (mode_ == "unknown") throw 42;
        for (int64_t i = 0; i < count_ && !out.full(); ++i, ++next_) {
            std::string offset = sluice::json::Object().add("n", next_).str();
            std::string value = "v" + std::to_string(next_);
            sluice::Header h{"h", std::string_view("x")};
            out.add({.key = std::nullopt, .value = value, .source_partition = R"({"probe":0})", .source_offset = offset,
                     .timestamp_ms = 1000 + next_, .headers = std::span(&h, 1)});
        }
    }
    void commit(std::span<const sluice::CommittedOffset> offsets) override {
        ctx_.info("committed " + std::string(offsets.back().source_offset));
    }

private:
    std::string mode_;
    int64_t count_;
    int64_t next_ = 0;
    sluice::TaskContext& ctx_;
};
SLUICE_SOURCE(Probe, "probe", "2.1.0", "Exercises the SDK glue")

class Keeper : public sluice::Sink {
public:
    Keeper(const sluice::Config&, sluice::TaskContext&) {}
    void put(const sluice::SinkRecords& records) override {
        for (auto r : records) seen_ += std::string(r.value().value_or("<null>")) + ";";
    }
    void flush(std::span<sluice::TopicPartition> positions) override {
        for (auto& p : positions) p.offset -= 1;  // keeps the last record back
    }
    std::string seen_;
};
SLUICE_SINK(Keeper, "keeper", "1.0.0", "Holds back one record per partition")

using namespace sluice::testing;

}  // namespace

TEST_CASE("the manifest lists every exported plugin with its declarations") {
    const sluice_manifest* m = sluice_plugin_manifest(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
    REQUIRE(m != nullptr);
    CHECK(m->abi_major == SLUICE_ABI_MAJOR);
    CHECK(m->abi_minor == SLUICE_ABI_MINOR);
    REQUIRE(m->plugin_count == 2);
    CHECK(std::string(m->plugins[0]->name) == "probe");  // declaration order
    CHECK(std::string(m->plugins[1]->name) == "keeper");
    const auto& d = descriptor(SLUICE_KIND_SOURCE, "probe");
    CHECK(d.max_tasks == 3);
    CHECK(std::string(d.version) == "2.1.0");
    const sluice_config_def* count = config_def(d, "count");
    REQUIRE(count);
    CHECK(count->type == SLUICE_CONFIG_INT);
    CHECK((count->flags & (SLUICE_CONFIG_HAS_MIN | SLUICE_CONFIG_HAS_MAX)) == (SLUICE_CONFIG_HAS_MIN | SLUICE_CONFIG_HAS_MAX));
    CHECK(count->max_value == 10);
    CHECK(std::string(count->default_value) == "2");
    CHECK((config_def(d, "token")->flags & SLUICE_CONFIG_SECRET) != 0);
    CHECK(config_def(d, "mode")->allowed_count == 6);
}

TEST_CASE("records, offsets, headers and logging cross the ABI") {
    FakeHost host;
    host.offsets[R"({"probe":0})"] = R"({"n":41})";
    SourceUnderTest source("probe", {}, host);
    REQUIRE(source.ok());
    CapturingWriter out;
    REQUIRE(source.poll(out).status == SLUICE_OK);
    REQUIRE(out.records.size() == 2);
    CHECK(out.records[0].value == "v42");  // resumed after the stored offset
    CHECK_FALSE(out.records[0].key);
    CHECK(out.records[0].source_offset == R"({"n":42})");
    CHECK(out.records[0].timestamp_ms == 1042);
    REQUIRE(out.records[0].headers.size() == 1);
    CHECK(out.records[0].headers[0].second == "x");
    CHECK(source.commit({{R"({"probe":0})", R"({"n":43})"}}).status == SLUICE_OK);
    CHECK(host.logs.back().second == R"(committed {"n":43})");
    CHECK(host.logs.front().first == SLUICE_LOG_INFO);
}

TEST_CASE("exceptions become statuses with their messages") {
    struct Case {
        const char* mode;
        sluice_status status;
        const char* message;
        int64_t index;
    };
    for (const Case& c : {Case{"retry", SLUICE_RETRY, "upstream busy", -1}, Case{"fatal", SLUICE_FATAL, "state lost", -1},
                          Case{"record", SLUICE_ERROR, "record 1 is bad", 1}, Case{"other", SLUICE_ERROR, "index 9", -1},
                          Case{"unknown", SLUICE_ERROR, "unknown exception", -1}}) {
        FakeHost host;
        SourceUnderTest source("probe", {{"mode", c.mode}}, host);
        REQUIRE(source.ok());
        CapturingWriter out;
        auto r = source.poll(out);
        CHECK_MESSAGE(r.status == c.status, c.mode);
        CHECK(r.message == c.message);
        CHECK(r.record_index == c.index);
    }
}

TEST_CASE("a throwing constructor fails create as FATAL; test() runs the static check") {
    FakeHost host;
    SourceUnderTest exploding("probe", {{"explode", "true"}}, host);
    CHECK(exploding.created.status == SLUICE_FATAL);
    CHECK(exploding.created.message == "constructor exploded");
    CHECK(SourceUnderTest::test("probe", {{"mode", "fatal"}}, host).message == "pre-flight says no");
    CHECK(SourceUnderTest::test("probe", {}, host).status == SLUICE_OK);
}

TEST_CASE("a record without source partition and offset carries none") {
    FakeHost host;
    CapturingWriter out;
    sluice::RecordWriter writer(out.get());
    writer.add({.key = "k", .value = "v"});
    REQUIRE(out.records.size() == 1);
    CHECK_FALSE(out.records[0].has_source_offset);
}

TEST_CASE("a sink may hold offsets back in flush") {
    FakeHost host;
    SinkUnderTest sink("keeper", {}, host);
    REQUIRE(sink.ok());
    CHECK(sink.put({{std::nullopt, "a"}, {std::nullopt, std::nullopt}}).status == SLUICE_OK);
    std::vector<sluice_topic_partition> positions = {{"t", 0, 10}, {"t", 1, 5}};
    REQUIRE(sink.flush(positions).status == SLUICE_OK);
    CHECK(positions[0].offset == 9);
    CHECK(positions[1].offset == 4);
}

TEST_CASE("config accessors read canonical values") {
    FakeHost host;
    const auto& d = descriptor(SLUICE_KIND_SOURCE, "probe");
    ConfigFixture fixture(d, {{"count", "7"}, {"token", "s3cret"}});
    sluice::Config c(fixture.get());
    CHECK(c.integer("count") == 7);
    CHECK(c.string("mode") == "ok");
    CHECK(c.has("token"));
    CHECK_FALSE(c.boolean("explode"));
    CHECK(c.string_or("missing", "fallback") == "fallback");
    CHECK_THROWS_AS(c.string("missing"), sluice::FatalError);
}
