#include "config/binder.hpp"
#include "config/yaml_file.hpp"
#include "common/log.hpp"
#include "fake_catalog.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace sluice;
using namespace sluice::config;

namespace {

struct Bound {
    Resolved values;
    Diagnostics diags;
};

Bound bind_yaml(const std::string& yaml, const Schema& schema) {
    Bound b;
    auto doc = load_yaml_text(yaml, "test.yaml", b.diags);
    REQUIRE(doc);
    b.values = bind(doc->root, schema, {"test.yaml", ".", "config", {"test.yaml", 1, 1}}, b.diags);
    return b;
}

const Schema& datagen_schema() {
    static testing::FakeCatalog catalog;
    return catalog.find(ConnectorKind::source, "datagen")->schema;
}

}  // namespace

TEST_CASE("values are converted to canonical text and defaults fill the rest") {
    auto b = bind_yaml("rate: +250\nmode: slow\ntags: [a, b]\n", datagen_schema());
    REQUIRE(b.diags.empty());
    CHECK(b.values.at("rate").text == "250");
    CHECK(b.values.at("mode").text == "slow");
    CHECK(b.values.at("tags").items == std::vector<std::string>{"a", "b"});
    CHECK(b.values.at("tags").text == "a,b");
    CHECK(b.values.at("tags").json == R"(["a","b"])");
    CHECK(b.values.at("seed").text == "42");
    CHECK(b.values.at("seed").defaulted);
    CHECK_FALSE(b.values.count("password"));  // no default, not required: absent
}

TEST_CASE("nested maps are the dotted spelling of a key") {
    auto nested = bind_yaml("batch:\n  max:\n    rows: 7\n", datagen_schema());
    REQUIRE(nested.diags.empty());
    CHECK(nested.values.at("batch.max.rows").text == "7");
    auto mixed = bind_yaml("batch:\n  max.rows: 8\n", datagen_schema());
    REQUIRE(mixed.diags.empty());
    CHECK(mixed.values.at("batch.max.rows").text == "8");
}

TEST_CASE("one key spelled twice is an error naming both places") {
    auto b = bind_yaml("batch.max.rows: 1\nbatch:\n  max.rows: 2\n", datagen_schema());
    REQUIRE(b.diags.size() == 1);
    CHECK(b.diags.items()[0].key == "config.batch.max.rows");
    CHECK(b.diags.items()[0].message.find("given twice (also at line 1)") != std::string::npos);
}

TEST_CASE("every error is reported at once with line, column and key") {
    auto b = bind_yaml("rate: fast\nmode: medium\nratez: 3\nseed: [1]\n", datagen_schema());
    REQUIRE(b.diags.size() == 4);
    const auto& d = b.diags.items();
    CHECK(d[0].format() == "test.yaml:1:1: config.rate: expected an integer between 0 and 1000000, got fast");
    CHECK(d[1].format() == "test.yaml:2:1: config.mode: expected one of fast, slow, got medium");
    CHECK(d[2].key == "config.ratez");
    CHECK(d[2].where.line == 3);
    CHECK(d[2].message.find("did you mean 'rate'?") != std::string::npos);
    CHECK(d[2].message.find("valid keys: rate, mode, seed, password, batch.max.rows, tags, settings, layout") != std::string::npos);
    CHECK(d[3].format() == "test.yaml:4:1: config.seed: expected an integer, got a list");
}

TEST_CASE("ranges, enums and booleans are checked") {
    CHECK(bind_yaml("rate: -1\n", datagen_schema()).diags.size() == 1);
    CHECK(bind_yaml("rate: 1000001\n", datagen_schema()).diags.size() == 1);
    CHECK(bind_yaml("rate: 1.5\n", datagen_schema()).diags.size() == 1);
    CHECK(bind_yaml("rate: 99999999999999999999\n", datagen_schema()).diags.size() == 1);
    auto close = bind_yaml("mode: slwo\n", datagen_schema());
    REQUIRE(close.diags.size() == 1);
    CHECK(close.diags.items()[0].message.find("did you mean 'slow'?") != std::string::npos);

    Schema flags({testing::key("on", ValueType::boolean), testing::key("ratio", ValueType::number)});
    auto ok = bind_yaml("on: TRUE\nratio: 0.25\n", flags);
    REQUIRE(ok.diags.empty());
    CHECK(ok.values.at("on").text == "true");
    CHECK(ok.values.at("ratio").text == "0.25");
    CHECK(bind_yaml("on: yes please\n", flags).diags.size() == 1);
    CHECK(bind_yaml("ratio: nan\n", flags).diags.size() == 1);
}

TEST_CASE("required keys are reported missing at the map") {
    Schema s({testing::key("path", ValueType::string, std::nullopt, true)});
    auto b = bind_yaml("{}\n", s);
    REQUIRE(b.diags.size() == 1);
    CHECK(b.diags.items()[0].key == "config.path");
    CHECK(b.diags.items()[0].message.find("missing required key") == 0);
}

TEST_CASE("a required key given with a bad value has that one error, not also 'missing'") {
    Schema s({testing::key("path", ValueType::string, std::nullopt, true),
              testing::key("count", ValueType::integer, std::nullopt, true)});
    auto b = bind_yaml("path: ${env:SLUICE_TEST_SURELY_UNSET}\ncount: many\n", s);
    REQUIRE(b.diags.size() == 2);
    CHECK(b.diags.items()[0].message == "environment variable SLUICE_TEST_SURELY_UNSET is not set");
    CHECK(b.diags.items()[1].key == "config.count");
    CHECK(b.diags.items()[1].message.find("missing") == std::string::npos);
}

TEST_CASE("a plugin without configuration says so for any key") {
    auto b = bind_yaml("anything: 1\n", Schema());
    REQUIRE(b.diags.size() == 1);
    CHECK(b.diags.items()[0].message.find("takes no configuration") != std::string::npos);
}

TEST_CASE("maps flatten nested keys and JSON values keep YAML types") {
    auto b = bind_yaml("settings:\n  ssl:\n    ca.location: /x\n  acks: all\n"
                       "layout:\n  - {name: a, lat: 44.8, on: true, quoted: '12'}\n",
                       datagen_schema());
    REQUIRE(b.diags.empty());
    CHECK(b.values.at("settings").items == std::vector<std::string>{"ssl.ca.location", "/x", "acks", "all"});
    CHECK(b.values.at("layout").json == R"([{"lat":44.8,"name":"a","on":true,"quoted":"12"}])");
}

TEST_CASE("declared secrets are marked and masked in display") {
    auto b = bind_yaml("password: hunter22\n", datagen_schema());
    REQUIRE(b.diags.empty());
    CHECK(b.values.at("password").secret);
    CHECK(b.values.at("password").display() == "****");
    CHECK(b.values.at("rate").display() == "100");
}

TEST_CASE("Kafka Connect flat maps bind to the same values") {
    Diagnostics diags;
    auto r = bind_flat({{"rate", "5"}, {"batch.max.rows", "3"}, {"tags", "x, y"}}, datagen_schema(), {"rest", ".", "", {}}, diags);
    REQUIRE(diags.empty());
    CHECK(r.at("rate").text == "5");
    CHECK(r.at("batch.max.rows").text == "3");
    CHECK(r.at("tags").items == std::vector<std::string>{"x", "y"});
    bind_flat({{"nope", "1"}}, datagen_schema(), {"rest", ".", "", {}}, diags);
    CHECK(diags.size() == 1);
}

TEST_CASE("malformed YAML is reported with its position") {
    Diagnostics diags;
    auto doc = load_yaml_text("source:\n  plugin: [unclosed\n", "bad.yaml", diags);
    CHECK_FALSE(doc);
    REQUIRE(diags.size() == 1);
    CHECK(diags.items()[0].where.file == "bad.yaml");
    CHECK(diags.items()[0].where.line >= 2);
    CHECK(diags.items()[0].message.find("invalid YAML") == 0);
}

namespace {

// A key renamed to Kafka Connect's convention, its former name kept as a deprecated alias.
Schema renamed_schema() {
    KeyDef poll;
    poll.name = "poll.interval.ms";
    poll.type = ValueType::integer;
    poll.default_text = "1000";
    poll.aliases = {"poll_interval_ms"};
    return Schema({poll});
}

struct LogCapture {
    std::vector<std::string> lines;
    LogCapture() { log::set_sink([this](std::string_view l) { lines.emplace_back(l); }); }
    ~LogCapture() { log::set_sink(nullptr); }
    size_t count(const std::string& text) const {
        return static_cast<size_t>(std::count_if(lines.begin(), lines.end(), [&](const auto& l) { return l.find(text) != std::string::npos; }));
    }
};

}  // namespace

TEST_CASE("a former key name binds to the current key, with one warning per place naming both") {
    LogCapture log;
    auto b = bind_yaml("poll_interval_ms: 250\n", renamed_schema());
    REQUIRE(b.diags.empty());
    CHECK(b.values.at("poll.interval.ms").text == "250");
    CHECK(b.values.count("poll_interval_ms") == 0);
    CHECK(log.count("test.yaml:1:1: config.poll_interval_ms: 'poll_interval_ms' is a deprecated name, use 'poll.interval.ms'") == 1);
    bind_yaml("poll_interval_ms: 250\n", renamed_schema());  // the same place again: no second warning
    CHECK(log.count("is a deprecated name") == 1);

    Diagnostics diags;
    auto flat = bind_flat({{"poll_interval_ms", "300"}}, renamed_schema(), {"rest", ".", "", {}}, diags);
    REQUIRE(diags.empty());
    CHECK(flat.at("poll.interval.ms").text == "300");
    CHECK(log.count("'poll_interval_ms' is a deprecated name, use 'poll.interval.ms'") == 2);
}

TEST_CASE("a key given under its current and its former name is an error") {
    auto b = bind_yaml("poll_interval_ms: 250\npoll.interval.ms: 500\n", renamed_schema());
    REQUIRE(b.diags.size() == 1);
    CHECK(b.diags.items()[0].format() == "test.yaml:2:1: config.poll.interval.ms: key given twice (also at line 1)");
    Diagnostics diags;
    bind_flat({{"poll_interval_ms", "1"}, {"poll.interval.ms", "2"}}, renamed_schema(), {"rest", ".", "", {}}, diags);
    CHECK(diags.size() == 1);
}
