// The config kit: one line per key gives the declaration, the parse and the rules.
#include <sluice/config_kit.hpp>

#include "sdk_harness.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace sluice;

enum class Mode { none, gzip };

struct Connection {
    std::string url;
    std::string password;
};

struct Settings {
    Connection connection;
    std::int64_t flush_size = 0;
    std::size_t max_bytes = 0;
    std::chrono::milliseconds backoff{0};
    bool exactly_once = false;
    bool coordinates = false;
    double ratio = 0;
    Mode mode = Mode::none;
    int level = 0;
    std::optional<std::string> label;
    std::vector<std::string> columns;
    std::vector<std::pair<std::string, std::string>> extra;
    std::string url_host;  // derived
};

config_kit::Spec<Connection> connection_spec() {
    config_kit::Spec<Connection> k;
    k.key("url", &Connection::url, "Where").required();
    k.key("password", &Connection::password, "Secret").default_value("").secret();
    k.rule("url", "url must start with http://", [](const Connection& c) { return c.url.rfind("http://", 0) != 0; });
    return k;
}

const config_kit::Spec<Settings>& spec() {
    static const auto built = [] {
        config_kit::Spec<Settings> k;
        k.include(connection_spec(), [](Settings& s) -> Connection& { return s.connection; });
        k.key("flush.size", &Settings::flush_size, "Records per object").default_value(10000).at_least(1).deprecated("flush_size");
        k.key("batch.max.bytes", &Settings::max_bytes, "Bytes").default_value(1024).between(1, 4096);
        k.key("retry.backoff.ms", &Settings::backoff, "Wait").default_value(std::chrono::milliseconds(200));
        k.key("exactly.once", &Settings::exactly_once, "Once").default_value(true);
        k.key("coordinates", &Settings::coordinates, "Coords").default_value(true);
        k.key("ratio", &Settings::ratio, "Ratio").default_value(0.25);
        k.choice("mode", &Settings::mode, {{"none", Mode::none}, {"gzip", Mode::gzip}}, "Compression").default_value(Mode::none);
        k.key("level", &Settings::level, "Level").default_value(-1).between(-1, 9);
        k.key("label", &Settings::label, "Optional");
        k.key("columns", &Settings::columns, "Columns");
        k.key("extra", &Settings::extra, "Extra");
        k.derive("url", [](Settings& s, const Config&) {
            const auto start = s.connection.url.find("//");
            if (start == std::string::npos) throw std::runtime_error("url has no host");
            s.url_host = s.connection.url.substr(start + 2);
        });
        k.rule("exactly.once", "exactly.once needs coordinates: true",
               [](const Settings& s) { return s.exactly_once && !s.coordinates; });
        k.check("level", [](const Settings& s) {
            return s.mode == Mode::none && s.level != -1 ? "level: only with mode gzip, got " + std::to_string(s.level)
                                                         : std::string();
        });
        return k;
    }();
    return built;
}

// A descriptor carrying the spec's declarations, so the test harness builds configs the way
// the worker does (declared defaults applied, former names bound).
struct Declared {
    std::vector<ConfigKey> keys = spec().keys();
    std::vector<const sluice_config_def*> defs;
    sluice_plugin_descriptor d{};
    Declared() {
        for (auto& k : keys) defs.push_back(k.def());
        d.config = defs.data();
        d.config_count = defs.size();
    }
};

struct Problems {
    std::vector<std::pair<std::string, std::string>> found;
    sluice_config_problems sink{&found, [](void* opaque, const char* key, const char* message) {
                                    static_cast<std::vector<std::pair<std::string, std::string>>*>(opaque)->emplace_back(
                                        key ? key : "", message);
                                }};
};

}  // namespace

TEST_CASE("config kit: one line per key declares name, type, default, range, choices, secret and former names") {
    Declared decl;
    REQUIRE(decl.d.config_count == 13);
    const auto* url = testing::config_def(decl.d, "url");
    CHECK(url->type == SLUICE_CONFIG_STRING);
    CHECK((url->flags & SLUICE_CONFIG_REQUIRED) != 0);
    CHECK((testing::config_def(decl.d, "password")->flags & SLUICE_CONFIG_SECRET) != 0);
    const auto* flush = testing::config_def(decl.d, "flush.size");
    CHECK(flush->type == SLUICE_CONFIG_INT);
    CHECK(std::string(flush->default_value) == "10000");
    CHECK((flush->flags & SLUICE_CONFIG_HAS_MIN) != 0);
    CHECK((flush->flags & SLUICE_CONFIG_HAS_MAX) == 0);
    CHECK(flush->min_value == 1);
    REQUIRE(flush->deprecated_alias_count == 1);
    CHECK(std::string(flush->deprecated_aliases[0]) == "flush_size");
    CHECK(std::string(testing::config_def(decl.d, "retry.backoff.ms")->default_value) == "200");
    CHECK(testing::config_def(decl.d, "exactly.once")->type == SLUICE_CONFIG_BOOL);
    CHECK(std::string(testing::config_def(decl.d, "exactly.once")->default_value) == "true");
    CHECK(testing::config_def(decl.d, "ratio")->type == SLUICE_CONFIG_DOUBLE);
    CHECK(std::string(testing::config_def(decl.d, "ratio")->default_value) == "0.25");
    const auto* mode = testing::config_def(decl.d, "mode");
    REQUIRE(mode->allowed_count == 2);
    CHECK(std::string(mode->allowed[1]) == "gzip");
    CHECK(std::string(mode->default_value) == "none");
    CHECK(testing::config_def(decl.d, "label")->default_value == nullptr);
    CHECK(testing::config_def(decl.d, "columns")->type == SLUICE_CONFIG_LIST);
    CHECK(testing::config_def(decl.d, "extra")->type == SLUICE_CONFIG_MAP);
}

TEST_CASE("config kit: the parse fills every bound field, nested ones and derived ones included") {
    Declared decl;
    testing::ConfigFixture c(decl.d, {{"url", "http://h:1"}, {"flush_size", "7"}, {"mode", "gzip"}, {"level", "3"},
                                      {"columns", "a,b"}, {"extra", "k=v"}, {"ratio", "1.5"}});
    const Settings s = spec().parse(Config(c.get()));
    CHECK(s.connection.url == "http://h:1");
    CHECK(s.connection.password.empty());
    CHECK(s.flush_size == 7);
    CHECK(s.max_bytes == 1024);
    CHECK(s.backoff == std::chrono::milliseconds(200));
    CHECK(s.exactly_once);
    CHECK(s.ratio == 1.5);
    CHECK(s.mode == Mode::gzip);
    CHECK(s.level == 3);
    CHECK_FALSE(s.label.has_value());
    CHECK(s.columns == std::vector<std::string>{"a", "b"});
    REQUIRE(s.extra.size() == 1);
    CHECK(s.extra[0].second == "v");
    CHECK(s.url_host == "h:1");

    testing::ConfigFixture labelled(decl.d, {{"url", "http://h"}, {"label", "x"}});
    CHECK(spec().parse(Config(labelled.get())).label == std::optional<std::string>("x"));
}

TEST_CASE("config kit: parse throws the first problem; validate reports every one at its key") {
    Declared decl;
    testing::ConfigFixture c(decl.d, {{"url", "ftp:x"}, {"coordinates", "false"}, {"level", "4"}});
    CHECK_THROWS_WITH_AS(spec().parse(Config(c.get())), "url has no host", FatalError);

    Problems p;
    ConfigProblems problems(&p.sink);
    spec().validate(Config(c.get()), problems);
    CHECK(problems.count() == 4);
    REQUIRE(p.found.size() == 4);
    // Steps first, then rules in declaration order (the included spec's first).
    CHECK(p.found[0] == std::pair<std::string, std::string>{"url", "url has no host"});
    CHECK(p.found[1] == std::pair<std::string, std::string>{"url", "url must start with http://"});
    CHECK(p.found[2] == std::pair<std::string, std::string>{"exactly.once", "exactly.once needs coordinates: true"});
    // A message that starts with its key loses the prefix: validate prints the key already.
    CHECK(p.found[3] == std::pair<std::string, std::string>{"level", "only with mode gzip, got 4"});

    Problems none;
    ConfigProblems clean(&none.sink);
    testing::ConfigFixture good(decl.d, {{"url", "http://h"}});
    CHECK(spec().parse_or_report(Config(good.get()), clean).has_value());
    CHECK(none.found.empty());
}

TEST_CASE("config kit: a default that is not one of the choices is a programming error") {
    config_kit::Spec<Settings> k;
    CHECK_THROWS_AS(k.choice("mode", &Settings::mode, {{"none", Mode::none}}, "doc").default_value(Mode::gzip),
                    std::logic_error);
    CHECK_THROWS_AS(k.at("nope"), std::logic_error);
}

TEST_CASE("config kit: a declared range is checked again at parse, for hosts that do not") {
    Declared decl;
    testing::ConfigFixture c(decl.d, {{"url", "http://h"}, {"mode", "gzip"}, {"level", "12"}, {"flush.size", "0"}});
    Problems p;
    ConfigProblems problems(&p.sink);
    spec().validate(Config(c.get()), problems);
    REQUIRE(p.found.size() == 2);
    CHECK(p.found[0] == std::pair<std::string, std::string>{"flush.size", "flush.size must be at least 1, got 0"});
    CHECK(p.found[1] == std::pair<std::string, std::string>{"level", "level must be between -1 and 9, got 12"});
}
