// Kafka Connect flat maps (REST connector configs) become the same ConnectorSpec a pipeline
// file gives; every problem names its key.
#include "config/connect_flat_config.hpp"
#include "fake_catalog.hpp"

#include <doctest/doctest.h>

using namespace sluice;
using namespace sluice::config;

namespace {

class FlatCatalog : public PluginCatalog {
public:
    FlatCatalog() {
        using T = ValueType;
        add(ConnectorKind::transform, "mask_field", {testing::key("fields", T::list, std::nullopt, true)});
        add(ConnectorKind::transform, "filter", {});
        add(ConnectorKind::predicate, "field_matches", {testing::key("field", T::string, std::nullopt, true), testing::key("value", T::string)});
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
    void add(ConnectorKind kind, std::string name, std::vector<KeyDef> keys) { plugins_[{kind, std::move(name)}] = {Schema(std::move(keys)), 0, {}}; }
    testing::FakeCatalog base_;
    std::map<std::pair<ConnectorKind, std::string>, PluginFacts> plugins_;
};

struct Converted {
    std::optional<ConnectorSpec> spec;
    Diagnostics diags;
    bool has(const std::string& key, const std::string& fragment) const {
        for (const auto& d : diags.items())
            if (d.key == key && d.message.find(fragment) != std::string::npos) return true;
        return false;
    }
};

Converted convert(const std::map<std::string, std::string>& flat, const std::string& name = "traffic-archive") {
    static FlatCatalog catalog;
    Converted c;
    c.spec = connector_from_flat(name, flat, catalog, nullptr, c.diags);
    return c;
}

}  // namespace

TEST_CASE("flat config: a sink with transforms, predicates and errors") {
    auto c = convert({{"connector.class", "file"},
                      {"tasks.max", "1"},
                      {"topics", "traffic.raw, traffic.other"},
                      {"path", "/tmp/out.jsonl"},
                      {"transforms", "mask,drop"},
                      {"transforms.mask.type", "mask_field"},
                      {"transforms.mask.fields", "password, token"},
                      {"transforms.drop.type", "filter"},
                      {"transforms.drop.predicate", "is_unknown"},
                      {"transforms.drop.negate", "true"},
                      {"predicates", "is_unknown"},
                      {"predicates.is_unknown.type", "field_matches"},
                      {"predicates.is_unknown.field", "etat"},
                      {"predicates.is_unknown.value", "INCONNU"},
                      {"errors.tolerance", "all"},
                      {"errors.retry.timeout", "-1"},
                      {"errors.deadletterqueue.topic.name", "traffic.dlq"},
                      {"errors.deadletterqueue.context.headers.enable", "true"},
                      {"errors.log.enable", "true"}});
    REQUIRE_MESSAGE(c.spec, c.diags.format());
    const auto& s = *c.spec;
    CHECK(s.name == "traffic-archive");
    CHECK(s.kind == ConnectorKind::sink);  // `file` is both: topics says sink
    CHECK(s.plugin == "file");
    CHECK(s.topics == std::vector<std::string>{"traffic.raw", "traffic.other"});
    CHECK(s.config.at("path").text == "/tmp/out.jsonl");
    CHECK(s.config.at("format").text == "value");
    REQUIRE(s.transforms.size() == 2);
    CHECK(s.transforms[0].name == "mask");  // in the listed order
    CHECK(s.transforms[0].config.at("fields").items == std::vector<std::string>{"password", "token"});
    CHECK(s.transforms[1].name == "drop");
    CHECK(s.transforms[1].predicate == "is_unknown");
    CHECK(s.transforms[1].negate);
    REQUIRE(s.predicates.size() == 1);
    CHECK(s.predicates[0].config.at("value").text == "INCONNU");
    CHECK(s.errors.tolerance == Tolerance::all);
    CHECK(s.errors.retry_timeout_ms == -1);
    CHECK(s.errors.dlq_topic == "traffic.dlq");
    CHECK(s.errors.dlq_context_headers);
    CHECK(s.errors.log_enable);
}

TEST_CASE("flat config: a source, tasks.max and defaults") {
    auto c = convert({{"connector.class", "datagen"}, {"topic", "t"}, {"tasks.max", "3"}, {"rate", "5"}, {"name", "gen"}}, "gen");
    REQUIRE_MESSAGE(c.spec, c.diags.format());
    CHECK(c.spec->kind == ConnectorKind::source);
    CHECK(c.spec->tasks == 3);
    CHECK(c.spec->topics == std::vector<std::string>{"t"});
    CHECK(c.spec->config.at("rate").text == "5");
    CHECK(c.spec->errors.tolerance == Tolerance::none);
    CHECK(c.spec->transforms.empty());
}

TEST_CASE("flat config: every problem is named by its key") {
    CHECK(convert({{"topics", "a"}}).has("connector.class", "missing required key"));
    CHECK(convert({{"connector.class", "fiel"}, {"topics", "a"}}).has("connector.class", "unknown connector plugin 'fiel' (did you mean 'file'?)"));
    CHECK(convert({{"connector.class", "file"}, {"path", "x"}}).has("connector.class", "is both a source and a sink plugin"));
    CHECK(convert({{"connector.class", "mask_field"}, {"topics", "a"}}).has("connector.class", "'mask_field' is a transform plugin"));
    CHECK(convert({{"connector.class", "blackhole"}}).has("topics", "missing required key"));
    CHECK(convert({{"connector.class", "blackhole"}, {"topic", "a"}}).has("topic", "a sink reads 'topics'"));
    CHECK(convert({{"connector.class", "datagen"}, {"topic", "a,b"}}).has("topic", "exactly one topic"));
    CHECK(convert({{"connector.class", "blackhole"}, {"topics", "a"}, {"tasks.max", "0"}}).has("tasks.max", "expected an integer"));
    CHECK(convert({{"connector.class", "blackhole"}, {"topics", "a"}, {"colour", "red"}}).has("colour", "unknown key"));
    CHECK(convert({{"connector.class", "blackhole"}, {"topics", "a"}, {"name", "other"}}).has("name", "names connector 'other'"));
    CHECK(convert({{"connector.class", "blackhole"}, {"topics", "a"}, {"topics.regex", "a.*"}}).has("topics.regex", "not supported"));
    CHECK(convert({{"connector.class", "blackhole"}, {"topics", "a"}, {"errors.tolerance", "most"}}).has("errors.tolerance", "expected one of none, all"));
    CHECK(convert({{"connector.class", "blackhole"}, {"topics", "a"}, {"errors.deadletterqueue.topic.name", "a"}, {"errors.tolerance", "all"}})
              .has("errors.deadletterqueue.topic.name", "one of this connector's own topics"));
    CHECK(convert({{"connector.class", "blackhole"}, {"topics", "a"}, {"errors.tolerence", "all"}}).has("errors.tolerence", "did you mean 'tolerance'?"));
}

TEST_CASE("flat config: transform and predicate mistakes") {
    const std::map<std::string, std::string> base = {{"connector.class", "blackhole"}, {"topics", "a"}};
    auto with = [&](std::map<std::string, std::string> extra) {
        extra.insert(base.begin(), base.end());
        return convert(extra);
    };
    CHECK(with({{"transforms", "m"}}).has("transforms.m.type", "missing required key"));
    CHECK(with({{"transforms", "m"}, {"transforms.m.type", "mask_feild"}}).has("transforms.m.type", "did you mean 'mask_field'?"));
    CHECK(with({{"transforms", "m"}, {"transforms.m.type", "mask_field"}}).has("transforms.m.fields", "missing required key"));
    CHECK(with({{"transforms", "m"}, {"transforms.m.type", "filter"}, {"transforms.m.colour", "red"}}).has("transforms.m.colour", "unknown key"));
    CHECK(with({{"transforms", "m"}, {"transforms.n.type", "filter"}, {"transforms.m.type", "filter"}})
              .has("transforms.n.type", "'n' is not listed in transforms (m)"));
    CHECK(with({{"transforms", "m"}, {"transforms.m.type", "filter"}, {"transforms.m.predicate", "p"}})
              .has("transforms.m.predicate", "predicate 'p' is not defined"));
    CHECK(with({{"transforms", "m"}, {"transforms.m.type", "filter"}, {"transforms.m.negate", "true"}})
              .has("transforms.m.negate", "this transform has none"));
    CHECK(with({{"transforms", "m"}, {"transforms.m.type", "filter"}, {"transforms.m.predicate", "p"}, {"transforms.m.negate", "sure"},
                {"predicates", "p"}, {"predicates.p.type", "field_matches"}, {"predicates.p.field", "x"}})
              .has("transforms.m.negate", "expected true or false"));
    CHECK(with({{"predicates", "p"}, {"predicates.p.type", "field_matchs"}}).has("predicates.p.type", "did you mean 'field_matches'?"));
    CHECK(with({{"transforms", "m,m"}, {"transforms.m.type", "filter"}}).has("transforms", "'m' is listed twice"));
    CHECK(with({{"transforms", "m"}, {"transforms.m.type", "filter"}, {"transforms.m", "x"}}).has("transforms.m", "expected transforms.<name>.<key>"));
}

TEST_CASE("flat config: restart.* keys set the restart policy, and are checked like any key") {
    auto defaults = convert({{"connector.class", "blackhole"}, {"topics", "a"}});
    REQUIRE(defaults.spec);
    CHECK(defaults.spec->restart.on_failure);  // on by default, unlike Kafka Connect
    CHECK(defaults.spec->restart.backoff_initial_ms == 1000);
    CHECK(defaults.spec->restart.max_attempts == -1);
    auto set = convert({{"connector.class", "blackhole"}, {"topics", "a"}, {"restart.policy", "never"}, {"restart.backoff.initial.ms", "50"},
                        {"restart.backoff.max.ms", "500"}, {"restart.max.attempts", "4"}, {"restart.reset.after.ms", "0"}});
    REQUIRE_MESSAGE(set.spec, set.diags.format());
    CHECK_FALSE(set.spec->restart.on_failure);
    CHECK(set.spec->restart.backoff_initial_ms == 50);
    CHECK(set.spec->restart.backoff_max_ms == 500);
    CHECK(set.spec->restart.max_attempts == 4);
    CHECK(set.spec->restart.reset_after_ms == 0);
    auto zero = convert({{"connector.class", "blackhole"}, {"topics", "a"}, {"restart.max.attempts", "0"}});
    REQUIRE(zero.spec);
    CHECK_FALSE(zero.spec->restart.on_failure);  // 0 attempts: never
    CHECK(convert({{"connector.class", "blackhole"}, {"topics", "a"}, {"restart.policy", "always"}}).has("restart.policy", "expected one of on-failure, never"));
    CHECK(convert({{"connector.class", "blackhole"}, {"topics", "a"}, {"restart.max.attempts", "-2"}}).has("restart.max.attempts", ">= -1"));
    CHECK(convert({{"connector.class", "blackhole"}, {"topics", "a"}, {"restart.backoff.initial.ms", "5000"}, {"restart.backoff.max.ms", "100"}})
              .has("restart.backoff.max.ms", "expected at least restart.backoff.initial.ms (5000), got 100"));
    CHECK(convert({{"connector.class", "blackhole"}, {"topics", "a"}, {"restart.polcy", "never"}}).has("restart.polcy", "did you mean 'policy'?"));
}

TEST_CASE("flat config: the exactly-once keys of a source; refused on a sink") {
    auto defaults = convert({{"connector.class", "datagen"}, {"topic", "a"}});
    REQUIRE_MESSAGE(defaults.spec, defaults.diags.format());
    CHECK_FALSE(defaults.spec->exactly_once.required);
    CHECK(defaults.spec->exactly_once.boundary == TransactionBoundary::poll);
    auto set = convert({{"connector.class", "datagen"}, {"topic", "a"}, {"exactly.once.support", "required"},
                        {"transaction.boundary", "interval"}, {"transaction.boundary.interval.ms", "250"}});
    REQUIRE_MESSAGE(set.spec, set.diags.format());
    CHECK(set.spec->exactly_once.required);
    CHECK(set.spec->exactly_once.boundary == TransactionBoundary::interval);
    CHECK(set.spec->exactly_once.interval_ms == 250);
    CHECK(set.spec->config.count("exactly.once.support") == 0);  // not the plugin's
    CHECK(convert({{"connector.class", "datagen"}, {"topic", "a"}, {"transaction.boundary", "connector"}})
              .has("transaction.boundary", "expected one of poll, interval"));
    CHECK(convert({{"connector.class", "datagen"}, {"topic", "a"}, {"transaction.boundary.interval.ms", "0"}})
              .has("transaction.boundary.interval.ms", ""));
    CHECK(convert({{"connector.class", "blackhole"}, {"topics", "a"}, {"exactly.once.support", "required"}})
              .has("exactly.once.support", "only source connectors write in transactions"));
}
