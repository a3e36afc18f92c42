// Pipeline YAML: transforms, predicates and errors per connector, bound against what each
// transform and predicate declares, every problem at file:line:col with its key.
#include "config/pipeline_config.hpp"
#include "fake_catalog.hpp"

#include <doctest/doctest.h>

using namespace sluice;
using namespace sluice::config;

namespace {

// Sources and sinks of the FakeCatalog plus transforms and predicates.
class ChainCatalog : public PluginCatalog {
public:
    ChainCatalog() {
        using T = ValueType;
        auto op = testing::key("op", T::string, "==");
        op.allowed = {"==", "!="};
        add(ConnectorKind::transform, "mask_field", {testing::key("fields", T::list, std::nullopt, true)});
        add(ConnectorKind::transform, "filter", {});
        add(ConnectorKind::transform, "insert_field", {testing::key("static.field", T::string), testing::key("static.value", T::string)});
        add(ConnectorKind::predicate, "field_matches",
            {testing::key("field", T::string, std::nullopt, true), op, testing::key("value", T::string)});
        add(ConnectorKind::predicate, "record_is_tombstone", {});
    }
    const PluginFacts* find(ConnectorKind kind, std::string_view name) const override {
        if (kind == ConnectorKind::source || kind == ConnectorKind::sink) return base_.find(kind, name);
        auto it = plugins_.find({kind, std::string(name)});
        return it == plugins_.end() ? nullptr : &it->second;
    }
    std::vector<std::string> names(ConnectorKind kind) const override {
        if (kind == ConnectorKind::source || kind == ConnectorKind::sink) return base_.names(kind);
        std::vector<std::string> out;
        for (const auto& [k, v] : plugins_)
            if (k.first == kind) out.push_back(k.second);
        return out;
    }

private:
    void add(ConnectorKind kind, std::string name, std::vector<KeyDef> keys) {
        plugins_[{kind, std::move(name)}] = {Schema(std::move(keys)), 0, {}};
    }
    testing::FakeCatalog base_;
    std::map<std::pair<ConnectorKind, std::string>, PluginFacts> plugins_;
};

struct Parsed {
    std::optional<PipelineSpec> spec;
    Diagnostics diags;
    // The diagnostic for `key` containing `fragment`, or nullptr.
    const Diagnostic* find(const std::string& key, const std::string& fragment) const {
        for (const auto& d : diags.items())
            if (d.key == key && d.message.find(fragment) != std::string::npos) return &d;
        return nullptr;
    }
};

Parsed parse(const std::string& yaml) {
    static ChainCatalog catalog;
    Parsed p;
    auto doc = load_yaml_text(yaml, "pipelines/chain.yaml", p.diags);
    if (doc) p.spec = parse_pipeline(*doc, catalog, p.diags);
    return p;
}

}  // namespace

TEST_CASE("chain config: transforms, named and inline predicates, errors") {
    auto p = parse(R"(source:
  plugin: datagen
  topic: traffic.raw
  transforms:
    - type: mask_field
      fields: [password, token]
    - type: mask_field
      fields: "a, b"
    - type: filter
      name: drop-unknown
      predicate: is_unknown
      negate: true
    - type: filter
      predicate: {type: record_is_tombstone}
  predicates:
    is_unknown: {type: field_matches, field: etat, value: INCONNU}
  errors:
    tolerance: all
    retry.timeout: 30000
    retry.delay.max.ms: 500
    deadletterqueue.topic.name: traffic.dlq
    deadletterqueue.topic.replication.factor: 1
    deadletterqueue.context.headers.enable: true
    log.enable: true
    log.include.messages: true
)");
    REQUIRE_MESSAGE(p.diags.empty(), p.diags.format());
    const auto& c = p.spec->connectors.at(0);
    REQUIRE(c.transforms.size() == 4);
    CHECK(c.transforms[0].name == "mask_field");
    CHECK(c.transforms[1].name == "mask_field-2");
    CHECK(c.transforms[0].config.at("fields").items == std::vector<std::string>{"password", "token"});
    CHECK(c.transforms[1].config.at("fields").items == std::vector<std::string>{"a", "b"});  // Connect's comma list
    CHECK(c.transforms[2].name == "drop-unknown");
    CHECK(c.transforms[2].predicate == "is_unknown");
    CHECK(c.transforms[2].negate);
    CHECK(c.transforms[2].config.empty());  // type, name, predicate, negate are not the transform's keys
    CHECK(c.transforms[3].name == "filter");
    CHECK(c.transforms[3].predicate == "filter-predicate");
    CHECK_FALSE(c.transforms[3].negate);
    REQUIRE(c.predicates.size() == 2);
    CHECK(c.predicates[0].name == "is_unknown");
    CHECK(c.predicates[0].config.at("op").text == "==");  // default applied
    CHECK(c.predicates[1].name == "filter-predicate");
    CHECK(c.predicates[1].type == "record_is_tombstone");
    CHECK(c.errors.tolerance == Tolerance::all);
    CHECK(c.errors.retry_timeout_ms == 30000);
    CHECK(c.errors.retry_delay_max_ms == 500);
    CHECK(c.errors.dlq_topic == "traffic.dlq");
    CHECK(c.errors.dlq_replication_factor == 1);
    CHECK(c.errors.dlq_context_headers);
    CHECK(c.errors.log_enable);
    CHECK(c.errors.log_include_messages);
}

TEST_CASE("chain config: no transforms and no errors give Connect's defaults") {
    auto p = parse("sinks:\n  - plugin: blackhole\n    topics: [a]\n");
    REQUIRE_MESSAGE(p.diags.empty(), p.diags.format());
    const auto& c = p.spec->connectors.at(0);
    CHECK(c.transforms.empty());
    CHECK(c.predicates.empty());
    CHECK(c.errors.tolerance == Tolerance::none);
    CHECK(c.errors.retry_timeout_ms == 0);
    CHECK(c.errors.retry_delay_max_ms == 60000);
    CHECK_FALSE(c.errors.has_dlq());
    CHECK_FALSE(c.errors.log_enable);
}

TEST_CASE("chain config: an unknown transform type names the closest one, at its position") {
    auto p = parse("source:\n  plugin: datagen\n  topic: t\n  transforms:\n    - type: mask_feild\n");
    CHECK_FALSE(p.spec);
    auto* d = p.find("source.transforms[0].type", "unknown transform type 'mask_feild' (did you mean 'mask_field'?)");
    REQUIRE_MESSAGE(d, p.diags.format());
    CHECK(d->where.file == "pipelines/chain.yaml");
    CHECK(d->where.line == 5);
    CHECK(d->where.column == 13);
    CHECK(d->message.find("available: filter, insert_field, mask_field") != std::string::npos);
}

TEST_CASE("chain config: a predicate given as a transform type is named as such") {
    auto p = parse("source:\n  plugin: datagen\n  topic: t\n  transforms:\n    - type: field_matches\n");
    CHECK(p.find("source.transforms[0].type", "'field_matches' is a predicate, not a transform"));
}

TEST_CASE("chain config: a transform's unknown key and bad value are reported at their lines") {
    auto p = parse(R"(sinks:
  - plugin: blackhole
    topics: [a]
    transforms:
      - type: mask_field
        feilds: [x]
      - type: field_matches_not
)");
    auto* unknown = p.find("sinks[0].transforms[0].feilds", "unknown key (did you mean 'fields'?)");
    REQUIRE_MESSAGE(unknown, p.diags.format());
    CHECK(unknown->where.line == 6);
    auto* missing = p.find("sinks[0].transforms[0].fields", "missing required key");
    REQUIRE_MESSAGE(missing, p.diags.format());
    CHECK(missing->where.line == 5);
    CHECK(p.find("sinks[0].transforms[1].type", "unknown transform type 'field_matches_not'"));
}

TEST_CASE("chain config: a predicate that is not defined, with the closest defined one") {
    auto p = parse(R"(source:
  plugin: datagen
  topic: t
  transforms:
    - {type: filter, predicate: is_unknwn}
  predicates:
    is_unknown: {type: field_matches, field: etat}
)");
    auto* d = p.find("source.transforms[0].predicate", "predicate 'is_unknwn' is not defined (did you mean 'is_unknown'?)");
    REQUIRE_MESSAGE(d, p.diags.format());
    CHECK(d->where.line == 5);
}

TEST_CASE("chain config: structural mistakes") {
    SUBCASE("transforms must be a list") {
        auto p = parse("source:\n  plugin: datagen\n  topic: t\n  transforms: {type: filter}\n");
        CHECK(p.find("source.transforms", "expected a list of transforms"));
    }
    SUBCASE("a transform needs a type") {
        auto p = parse("source:\n  plugin: datagen\n  topic: t\n  transforms:\n    - name: x\n");
        CHECK(p.find("source.transforms[0].type", "missing required key: the transform plugin (available: filter"));
    }
    SUBCASE("negate without a predicate") {
        auto p = parse("source:\n  plugin: datagen\n  topic: t\n  transforms:\n    - {type: filter, negate: true}\n");
        CHECK(p.find("source.transforms[0].negate", "negate applies to a predicate"));
    }
    SUBCASE("negate must be a boolean") {
        auto p = parse("source:\n  plugin: datagen\n  topic: t\n  transforms:\n    - {type: filter, predicate: p, negate: maybe}\n"
                       "  predicates:\n    p: {type: record_is_tombstone}\n");
        CHECK(p.find("source.transforms[0].negate", "expected true or false, got maybe"));
    }
    SUBCASE("two transforms with the same name") {
        auto p = parse("source:\n  plugin: datagen\n  topic: t\n  transforms:\n    - {type: filter, name: f}\n    - {type: filter, name: f}\n");
        CHECK(p.find("source.transforms[1].name", "transform name 'f' is used twice"));
    }
    SUBCASE("a predicate needs a known type") {
        auto p = parse("source:\n  plugin: datagen\n  topic: t\n  predicates:\n    p: {type: field_match, field: x}\n");
        CHECK(p.find("source.predicates.p.type", "unknown predicate type 'field_match' (did you mean 'field_matches'?)"));
    }
    SUBCASE("a predicate's own keys are checked") {
        auto p = parse("source:\n  plugin: datagen\n  topic: t\n  predicates:\n    p: {type: field_matches, field: x, op: '<>'}\n");
        CHECK(p.find("source.predicates.p.op", "expected one of ==, !="));
    }
}

TEST_CASE("chain config: bad errors.* values") {
    auto bad = [](const std::string& errors) { return parse("source:\n  plugin: datagen\n  topic: t\n  errors:\n" + errors); };
    auto p = bad("    tolerance: some\n");
    auto* d = p.find("source.errors.tolerance", "expected one of none, all");
    REQUIRE_MESSAGE(d, p.diags.format());
    CHECK(d->where.line == 5);
    CHECK(bad("    retry.timeout: -2\n").find("source.errors.retry.timeout", "-2"));
    CHECK(bad("    retry.timeout: soon\n").find("source.errors.retry.timeout", "expected an integer"));
    CHECK(bad("    tolerance: all\n    retry.delay.max.ms: -1\n").find("source.errors.retry.delay.max.ms", "-1"));
    CHECK(bad("    tolerance: al\n").find("source.errors.tolerance", "expected one of none, all"));
    CHECK(bad("    tolerence: all\n").find("source.errors.tolerence", "did you mean 'tolerance'?"));
    CHECK(bad("    deadletterqueue.topic.name: dlq\n").find("source.errors.deadletterqueue.topic.name", "needs source.errors.tolerance: all"));
    CHECK(bad("    tolerance: all\n    deadletterqueue.topic.name: t\n")
              .find("source.errors.deadletterqueue.topic.name", "is one of this connector's own topics"));
    CHECK(bad("    tolerance: all\n    deadletterqueue.topic.name: 'a b'\n")
              .find("source.errors.deadletterqueue.topic.name", "a topic name uses only letters"));
    CHECK(bad("    tolerance: all\n    deadletterqueue.topic.replication.factor: 0\n")
              .find("source.errors.deadletterqueue.topic.replication.factor", "got 0"));
    CHECK(bad("    log.enable: yes please\n").find("source.errors.log.enable", "expected true or false"));
    auto list = parse("source:\n  plugin: datagen\n  topic: t\n  errors: [all]\n");
    CHECK(list.find("source.errors", "expected a map of keys"));
}
