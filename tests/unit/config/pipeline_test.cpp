#include "config/pipeline_config.hpp"
#include "fake_catalog.hpp"

#include <doctest/doctest.h>

#include <list>

using namespace sluice;
using namespace sluice::config;

namespace {

struct Parsed {
    std::optional<PipelineSpec> spec;
    Diagnostics diags;
    bool has(const std::string& key, const std::string& fragment) const {
        for (const auto& d : diags.items())
            if (d.key == key && d.message.find(fragment) != std::string::npos) return true;
        return false;
    }
};

Parsed parse(const std::string& yaml, const std::string& file = "pipelines/demo.yaml") {
    static testing::FakeCatalog catalog;
    Parsed p;
    auto doc = load_yaml_text(yaml, file, p.diags);
    if (doc) p.spec = parse_pipeline(*doc, catalog, p.diags);
    return p;
}

}  // namespace

TEST_CASE("a source and a sink with defaults") {
    auto p = parse(R"(
source:
  plugin: datagen
  topic: traffic
sinks:
  - plugin: file
    config: {path: /tmp/out.jsonl}
)");
    REQUIRE(p.diags.empty());
    REQUIRE(p.spec);
    CHECK(p.spec->name == "demo");  // from the file name
    REQUIRE(p.spec->connectors.size() == 2);
    const auto& source = p.spec->connectors[0];
    CHECK(source.name == "demo.datagen-source");
    CHECK(source.kind == ConnectorKind::source);
    CHECK(source.topics == std::vector<std::string>{"traffic"});
    CHECK(source.tasks == 1);
    CHECK(source.config.at("rate").text == "100");
    const auto& sink = p.spec->connectors[1];
    CHECK(sink.name == "demo.file-sink");
    CHECK(sink.topics == std::vector<std::string>{"traffic"});  // defaulted to the source's topic
    CHECK(sink.config.at("path").text == "/tmp/out.jsonl");
    CHECK(sink.config.at("format").text == "value");
}

TEST_CASE("the same plugin as source and sink gets distinct default names") {
    auto p = parse("source: {plugin: file, topic: t, config: {path: a}}\nsinks: [{plugin: file, config: {path: b}}]\n");
    REQUIRE(p.diags.empty());
    CHECK(p.spec->connectors[0].name == "demo.file-source");
    CHECK(p.spec->connectors[1].name == "demo.file-sink");
}

TEST_CASE("a typo in a plugin name is located and a close name suggested") {
    auto p = parse("name: x\nsource:\n  plugin: datagne\n  topic: t\n");
    CHECK_FALSE(p.spec);
    REQUIRE(p.diags.size() == 1);
    const auto& d = p.diags.items()[0];
    CHECK(d.where.line == 3);
    CHECK(d.where.column == 11);
    CHECK(d.key == "source.plugin");
    CHECK(d.message == "unknown source plugin 'datagne' (did you mean 'datagen'?); available: datagen, file");
}

TEST_CASE("a sink plugin used as a source is named as such") {
    auto p = parse("source: {plugin: blackhole, topic: t}\n");
    CHECK(p.has("source.plugin", "'blackhole' is a sink plugin, not a source plugin"));
}

TEST_CASE("every problem of a file is reported in one pass") {
    auto p = parse(R"(name: demo
source:
  plugin: datagen
  topik: t
  config:
    rate: fast
sinks:
  - plugin: file
    tasks: 4
  - plugin: blackhole
    topics: [ok, "bad topic"]
extra: 1
)");
    CHECK_FALSE(p.spec);
    CHECK(p.has("source.topik", "did you mean 'topic'?"));
    CHECK(p.has("source.topic", "missing required key"));
    CHECK(p.has("source.config.rate", "expected an integer"));
    CHECK(p.has("sinks[0].tasks", "plugin file runs at most 1 task, got 4"));
    CHECK(p.has("sinks[0].config.path", "missing required key"));
    CHECK(p.has("sinks[1].topics", "topic name uses only letters"));
    CHECK(p.has("extra", "valid keys: name, description, source, sinks"));
    CHECK(p.diags.size() == 7);
}

TEST_CASE("structure errors: wrong shapes and empty pipelines") {
    CHECK(parse("- a\n- b\n").has("", "a pipeline file is a map"));
    CHECK(parse("name: x\n").has("", "needs a source, sinks, or both"));
    CHECK(parse("sinks: {plugin: file}\n").has("sinks", "expected a list of sinks"));
    CHECK(parse("sinks:\n  - plugin: blackhole\n").has("sinks[0].topics", "no source in this pipeline"));
    CHECK(parse("name: has.dot\nsinks: [{plugin: blackhole, topics: t}]\n").has("name", "only letters, digits"));
    CHECK(parse("source: {plugin: datagen, topic: t, name: a}\nsinks: [{plugin: blackhole, name: a}]\n")
              .has("name", "is used twice"));
}

TEST_CASE("a file name that cannot be a pipeline name needs an explicit name") {
    CHECK(parse("sinks: [{plugin: blackhole, topics: t}]\n", "my pipeline.yaml").has("name", "no 'name' given"));
    CHECK(parse("name: ok\nsinks: [{plugin: blackhole, topics: t}]\n", "my pipeline.yaml").diags.empty());
}

TEST_CASE("topics accept the comma-separated Connect spelling") {
    auto p = parse("sinks: [{plugin: blackhole, topics: 'a, b.c'}]\n");
    REQUIRE(p.diags.empty());
    CHECK(p.spec->connectors[0].topics == std::vector<std::string>{"a", "b.c"});
}

TEST_CASE("connector names must be unique across pipelines") {
    auto a = parse("name: p\nsinks: [{plugin: blackhole, topics: t}]\n", "a.yaml");
    auto b = parse("name: p\nsinks: [{plugin: blackhole, topics: u}]\n", "b.yaml");
    REQUIRE(a.spec);
    REQUIRE(b.spec);
    Diagnostics diags;
    check_pipelines({*a.spec, *b.spec}, {"sluice-offsets"}, diags);
    REQUIRE(diags.size() == 1);
    CHECK(diags.items()[0].where.file == "b.yaml");
    CHECK(diags.items()[0].message.find("also defined in a.yaml") != std::string::npos);
}

TEST_CASE("topic and name rules") {
    CHECK_FALSE(topic_name_problem("traffic.readings-2_x"));
    CHECK(topic_name_problem(""));
    CHECK(topic_name_problem(".."));
    CHECK(topic_name_problem(std::string(250, 'a')));
    CHECK(topic_name_problem("a/b"));
    CHECK_FALSE(name_problem("demo-1_x"));
    CHECK(name_problem("a.b"));
}

TEST_CASE("restart: a connector's restart policy, checked with file, line and key") {
    auto p = parse(R"(
source:
  plugin: datagen
  topic: traffic
  restart: {policy: never}
sinks:
  - plugin: file
    config: {path: /tmp/out.jsonl}
    restart:
      backoff.initial.ms: 200
      max.attempts: 3
)");
    REQUIRE_MESSAGE(p.diags.empty(), p.diags.format());
    CHECK_FALSE(p.spec->connectors[0].restart.on_failure);
    CHECK(p.spec->connectors[1].restart.on_failure);
    CHECK(p.spec->connectors[1].restart.backoff_initial_ms == 200);
    CHECK(p.spec->connectors[1].restart.max_attempts == 3);

    auto bad = parse(R"(
source:
  plugin: datagen
  topic: traffic
  restart: {policy: sometimes, backoff.max.ms: -5}
)");
    CHECK(bad.has("source.restart.policy", "expected one of on-failure, never"));
    CHECK(bad.has("source.restart.backoff.max.ms", ""));
    CHECK(bad.diags.format().find("pipelines/demo.yaml:5:") != std::string::npos);
}

TEST_CASE("exactly once: a source's keys beside plugin, dotted or nested; refused on sinks; required checked against the worker") {
    auto p = parse(R"(
source:
  plugin: datagen
  topic: traffic
  exactly.once.support: required
  transaction:
    boundary: interval
    boundary.interval.ms: 2000
sinks:
  - plugin: file
    config: {path: /tmp/out.jsonl}
)");
    REQUIRE_MESSAGE(p.diags.empty(), p.diags.format());
    const auto& eos = p.spec->connectors[0].exactly_once;
    CHECK(eos.required);
    CHECK(eos.boundary == TransactionBoundary::interval);
    CHECK(eos.interval_ms == 2000);
    CHECK_FALSE(p.spec->connectors[1].exactly_once.required);

    auto defaults = parse("source: {plugin: datagen, topic: t}\n");
    REQUIRE(defaults.spec);
    CHECK_FALSE(defaults.spec->connectors[0].exactly_once.required);
    CHECK(defaults.spec->connectors[0].exactly_once.boundary == TransactionBoundary::poll);
    CHECK_FALSE(defaults.spec->connectors[0].exactly_once.interval_ms);

    // Required on a worker without support: refused at the connector's place.
    Diagnostics refused;
    check_exactly_once({*p.spec}, false, refused);
    CHECK(refused.size() == 1);
    CHECK(refused.format().find("pipelines/demo.yaml:3:") != std::string::npos);
    CHECK(refused.format().find("exactly.once.source.support is disabled") != std::string::npos);
    Diagnostics fine;
    check_exactly_once({*p.spec}, true, fine);
    CHECK(fine.empty());

    auto bad = parse(R"(
source:
  plugin: datagen
  topic: traffic
  exactly.once.support: always
  transaction.boundary.interval.ms: 100
  transaction: {boundry: poll}
sinks:
  - plugin: file
    config: {path: /tmp/out.jsonl}
    exactly.once.support: required
)");
    CHECK(bad.has("source.exactly.once.support", "expected one of requested, required"));
    CHECK(bad.has("source.transaction.boundary.interval.ms", "applies only with transaction.boundary: interval"));
    CHECK(bad.has("source.transaction.boundry", "did you mean 'transaction.boundary'?"));
    CHECK(bad.has("sinks[0].exactly.once.support", "only source connectors write in transactions"));
    CHECK(bad.diags.format().find("pipelines/demo.yaml:5:") != std::string::npos);
}

namespace {
// Runs each connector's validate() "elsewhere": a problem saying for which connector and
// with which plugin.isolation the parser asked (a plugin host, in the worker).
class WhereValidatedCatalog : public testing::FakeCatalog {
public:
    const PluginFacts* find_for(ConnectorKind kind, std::string_view name, const CheckedConnector& connector) const override {
        const PluginFacts* facts = find(kind, name);
        if (facts == nullptr) return nullptr;
        PluginFacts& checked = asked_.emplace_back(*facts);
        const std::string says = std::string(connector.name) + " with plugin.isolation " +
                                 (connector.isolation.mode ? std::string(isolation_name(*connector.isolation.mode)) : "unset");
        checked.validate = [says](const Schema&, const Resolved&) { return std::vector<ConfigProblem>{{"", "validated for " + says}}; };
        return &checked;
    }

private:
    mutable std::list<PluginFacts> asked_;
};
}  // namespace

TEST_CASE("validate() is asked for through find_for, with the connector's name and its own plugin.isolation, before its errors") {
    WhereValidatedCatalog catalog;
    Diagnostics diags;
    auto doc = load_yaml_text(R"(
source:
  name: src
  plugin: datagen
  topic: traffic
  plugin.isolation: process
  config: {rate: 5}
sinks:
  - plugin: file
    config: {path: /tmp/out.jsonl}
)", "pipelines/demo.yaml", diags);
    REQUIRE(doc);
    auto spec = parse_pipeline(*doc, catalog, diags);
    const std::string text = diags.format();
    CHECK_MESSAGE(text.find("pipelines/demo.yaml:7:11: source.config: validated for demo.src with plugin.isolation process") !=
                      std::string::npos, text);
    CHECK_MESSAGE(text.find("sinks[0].config: validated for demo.file-sink with plugin.isolation unset") != std::string::npos, text);
}
