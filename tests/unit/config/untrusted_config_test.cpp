// Configuration from places the worker cannot trust: files that are not text or not files
// at all, YAML streams with a second document, ${file:}/${env:} references and local paths
// in configurations sent over REST (AccessPolicy), values from providers that must never be
// written back, and a plugin's own validate() placed at its key like any binding error.
#include "config/binder.hpp"
#include "config/connect_flat_config.hpp"
#include "config/interpolation.hpp"
#include "config/pipeline_config.hpp"
#include "config/yaml_file.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

using namespace sluice;
using namespace sluice::config;

namespace {

KeyDef key(std::string name, ValueType type, std::optional<std::string> def = std::nullopt) {
    KeyDef k;
    k.name = std::move(name);
    k.type = type;
    k.default_text = std::move(def);
    return k;
}

// "window" (a source) checks that `to` comes after `from`; "archive" (a sink) names a
// local file.
class Catalog : public PluginCatalog {
public:
    Catalog() {
        auto rate = key("rate", ValueType::integer, "100");
        rate.min = 0;
        PluginFacts window{Schema({key("from", ValueType::integer, "0"), key("to", ValueType::integer, "10"), rate,
                                   key("layout", ValueType::json), key("labels", ValueType::map)}),
                           0, {}};
        window.validate = [](const Schema&, const Resolved& v) {
            std::vector<ConfigProblem> out;
            if (std::stoll(v.at("to").text) <= std::stoll(v.at("from").text))
                out.push_back({"to", "must be after from (" + v.at("from").text + ")"});
            return out;
        };
        plugins_[{ConnectorKind::source, "window"}] = window;
        auto path = key("path", ValueType::string);
        path.local_path = true;
        plugins_[{ConnectorKind::sink, "archive"}] = PluginFacts{Schema({path}), 0, {}};
    }
    const PluginFacts* find(ConnectorKind kind, std::string_view name) const override {
        auto it = plugins_.find({kind, std::string(name)});
        return it == plugins_.end() ? nullptr : &it->second;
    }
    std::vector<std::string> names(ConnectorKind kind) const override {
        std::vector<std::string> out;
        for (const auto& [k, v] : plugins_)
            if (k.first == kind) out.push_back(k.second);
        return out;
    }

private:
    std::map<std::pair<ConnectorKind, std::string>, PluginFacts> plugins_;
};

struct Loaded {
    std::optional<PipelineSpec> spec;
    Diagnostics diags;
    std::string text() const { return diags.format(); }
};

Loaded parse_text(const std::string& yaml, const AccessPolicy* access = nullptr) {
    static Catalog catalog;
    Loaded l;
    auto doc = load_yaml_text(yaml, "p.yaml", l.diags);
    if (!doc) return l;
    doc->access = access;
    l.spec = parse_pipeline(*doc, catalog, l.diags);
    return l;
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

AccessPolicy rest_policy(const testing::TempDir& allowed) {
    AccessPolicy p;
    p.restricted = true;
    p.origin = "configurations sent over REST";
    p.file_dirs = {allowed.path().string()};
    p.env_names = {"SLUICE_UNTRUSTED_OK"};
    p.local_path_dirs = {allowed.path().string()};
    return p;
}

}  // namespace

TEST_CASE("yaml files: only regular UTF-8 text files of bounded size, one document") {
    testing::TempDir dir;
    Diagnostics d;
    const auto started = std::chrono::steady_clock::now();
    CHECK_FALSE(load_yaml_file("/dev/zero", d));
    CHECK_FALSE(load_yaml_file("/dev/urandom", d));
    const std::string fifo = dir.file("fifo.yaml");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK_FALSE(load_yaml_file(fifo, d));  // opening it must not wait for a writer
    const std::string sparse = dir.file("sparse.yaml");
    { std::ofstream(sparse).close(); }
    REQUIRE(::truncate(sparse.c_str(), 1L << 30) == 0);
    CHECK_FALSE(load_yaml_file(sparse, d));
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
    REQUIRE(d.size() == 4);
    for (size_t i = 0; i < 3; ++i) CHECK(d.items()[i].message.find("not a regular file") != std::string::npos);
    CHECK(d.items()[3].message.find("larger than the 4 MiB allowed") != std::string::npos);
    for (const auto& item : d.items()) CHECK(item.message.find("regular files of at most 4 MiB") != std::string::npos);
}

TEST_CASE("yaml text: invalid UTF-8 (even in a comment), control characters and a second document, each at its line:col") {
    struct Case {
        std::string text;
        int line, column;
        std::string message;
    };
    for (const Case& c : {Case{"name: x\nsource:\n  rate: \"\xff\"\n", 3, 10, "byte 0xFF is not valid UTF-8"},
                          Case{"name: x\n# caf\xe9\n", 2, 6, "byte 0xE9 is not valid UTF-8"},
                          Case{"name: x\nsource: {plugin: \"a\x01\"}\n", 2, 20, "control character U+0001"},
                          Case{std::string("name: x\0y\n", 10), 1, 8, "control character U+0000"},
                          Case{"name: x\n---\nname: y\n", 3, 1, "a second YAML document starts here"},
                          Case{"name: x\n---\n", 2, 1, "a second YAML document starts here"},
                          // yaml-cpp's LoadAll loops for ever on these (found by the fuzzer)
                          Case{",", 1, 1, "invalid YAML: unexpected ','"},
                          Case{"name: x\n---\n,\n", 2, 1, "a second YAML document starts here"},
                          // no '---': a tagged scalar, then a map (yaml-cpp reads two documents)
                          Case{"!t x\n# c\nsinks:\n  - a\n", 3, 1, "a second YAML document starts here"}}) {
        CAPTURE(c.text);
        Diagnostics d;
        CHECK_FALSE(load_yaml_text(c.text, "p.yaml", d));
        REQUIRE(d.size() == 1);
        CHECK(d.items()[0].where.line == c.line);
        CHECK(d.items()[0].where.column == c.column);
        CHECK(d.items()[0].message.find(c.message) != std::string::npos);
    }
    Diagnostics ok;
    CHECK(load_yaml_text("---\nname: x  # café, tab\there\n...\n", "p.yaml", ok));
    CHECK(ok.empty());
}

TEST_CASE("a plugin's validate() problems are located at their key, and skipped when binding failed") {
    auto l = parse_text("name: p\nsource:\n  plugin: window\n  topic: t\n  config:\n    from: 5\n    to: 3\n");
    REQUIRE(l.diags.size() == 1);
    CHECK(l.diags.items()[0].key == "source.config.to");
    CHECK(l.diags.items()[0].where.line == 7);
    CHECK(l.diags.items()[0].message == "must be after from (5)");
    auto bad_binding = parse_text("name: p\nsource:\n  plugin: window\n  topic: t\n  config:\n    from: x\n    to: 3\n");
    REQUIRE(bad_binding.diags.size() == 1);
    CHECK(bad_binding.diags.items()[0].key == "source.config.from");
    Diagnostics flat;
    static Catalog catalog;
    CHECK_FALSE(connector_from_flat("w", {{"connector.class", "window"}, {"topic", "t"}, {"to", "0"}}, catalog, nullptr, flat));
    REQUIRE(flat.size() == 1);
    CHECK(flat.items()[0].key == "to");
}

TEST_CASE("providers in configurations sent over REST: only allowed files and variables, decided before any read") {
    testing::TempDir allowed, outside;
    const AccessPolicy policy = rest_policy(allowed);
    write(allowed.file("creds.properties"), "rate=25\npassword=s3cret-canary\n");
    write(outside.file("creds.properties"), "rate=25\n");
    ::setenv("SLUICE_UNTRUSTED_OK", "30", 1);
    ::setenv("SLUICE_UNTRUSTED_NO", "secret-env-canary", 1);
    std::string error;

    CHECK(interpolate("${file:" + allowed.file("creds.properties") + ":rate}", ".", &policy, error)->text == "25");
    CHECK(interpolate("${env:SLUICE_UNTRUSTED_OK}", ".", &policy, error)->text == "30");

    // Refused, with the same message whether the file exists or not: nothing is revealed.
    for (const std::string& path : {outside.file("creds.properties"), outside.file("missing"), std::string("/etc/shadow"),
                                    allowed.path().string() + "/../" + outside.path().filename().string() + "/creds.properties"}) {
        CAPTURE(path);
        CHECK_FALSE(interpolate("${file:" + path + ":rate}", ".", &policy, error));
        CHECK(error.find("is refused in configurations sent over REST") != std::string::npos);
        CHECK(error.find("config.providers.file.allowed.paths") != std::string::npos);
        CHECK(error.find("No such file") == std::string::npos);
    }
    CHECK_FALSE(interpolate("${file:creds.properties:rate}", allowed.path().string(), &policy, error));
    CHECK(error.find("must be an absolute path") != std::string::npos);
    // A link inside the allowed directory that leads out of it is refused too.
    std::filesystem::create_symlink(outside.file("creds.properties"), allowed.file("link.properties"));
    CHECK_FALSE(interpolate("${file:" + allowed.file("link.properties") + ":rate}", ".", &policy, error));
    CHECK(error.find("is refused") != std::string::npos);

    CHECK_FALSE(interpolate("${env:SLUICE_UNTRUSTED_NO}", ".", &policy, error));
    CHECK(error.find("config.providers.env.allowed") != std::string::npos);
    CHECK(error.find("secret-env-canary") == std::string::npos);
    CHECK_FALSE(interpolate("${env:SLUICE_UNTRUSTED_NO:-x}", ".", &policy, error));  // a default does not help

    // The operator's own files (no policy) read anything.
    CHECK(interpolate("${file:" + outside.file("creds.properties") + ":rate}", ".", nullptr, error)->text == "25");
}

TEST_CASE("providers: a device, a FIFO or a binary file is refused, without waiting and without its bytes") {
    testing::TempDir dir;
    write(dir.file("binary.properties"), std::string("k=\xff\xfe\x01" "canary\n"));
    const std::string fifo = dir.file("fifo");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    std::string error;
    CHECK_FALSE(interpolate("${file:/dev/zero:k}", ".", nullptr, error));
    CHECK(error.find("not a regular file") != std::string::npos);
    CHECK_FALSE(interpolate("${file:" + fifo + ":k}", ".", nullptr, error));
    CHECK(error.find("not a regular file") != std::string::npos);
    CHECK_FALSE(interpolate("${file:" + dir.file("binary.properties") + ":k}", ".", nullptr, error));
    CHECK(error.find("is not valid UTF-8") != std::string::npos);
    CHECK(error.find("canary") == std::string::npos);
}

TEST_CASE("a value from a provider is never written back, not even when it is wrong") {
    testing::TempDir allowed;
    const AccessPolicy policy = rest_policy(allowed);
    write(allowed.file("p.properties"), "rate=*:20228:0:99999:7:::canary\n");
    const std::string ref = "${file:" + allowed.file("p.properties") + ":rate}";
    auto l = parse_text("name: p\nsource:\n  plugin: window\n  topic: t\n  config:\n    rate: " + ref + "\n", &policy);
    REQUIRE(l.diags.size() == 1);
    CHECK(l.text().find("canary") == std::string::npos);
    CHECK(l.text().find("the value from " + ref) != std::string::npos);
    CHECK(l.text().find("expected an integer") != std::string::npos);
}

TEST_CASE("local paths in configurations sent over REST: only under rest.file.allowed.paths") {
    testing::TempDir allowed;
    const AccessPolicy policy = rest_policy(allowed);
    auto sink = [&](const std::string& path) {
        return parse_text("name: p\nsinks:\n  - plugin: archive\n    topics: [t]\n    config:\n      path: " + path + "\n", &policy);
    };
    CHECK(sink(allowed.file("out.jsonl")).diags.empty());
    for (const std::string& bad : {std::string("/etc/cron.d/x"), std::string("relative/out.jsonl"),
                                   allowed.path().string() + "/../escape.jsonl"}) {
        CAPTURE(bad);
        auto l = sink(bad);
        REQUIRE(l.diags.size() == 1);
        CHECK(l.diags.items()[0].key == "sinks[0].config.path");
        CHECK(l.text().find("rest.file.allowed.paths") != std::string::npos);
    }
    // The operator's pipeline file may write anywhere.
    CHECK(parse_text("name: p\nsinks:\n  - plugin: archive\n    topics: [t]\n    config:\n      path: /tmp/x\n").diags.empty());
}

TEST_CASE("yaml aliases cannot expand a value past 100000 elements (the billion laughs)") {
    std::string laughs = "name: p\nsource:\n  plugin: window\n  topic: t\n  config:\n    layout:\n      - &a0 [x,x,x,x,x,x,x,x,x,x]\n";
    for (int i = 1; i <= 8; ++i) {
        const std::string prev = "*a" + std::to_string(i - 1);
        laughs += "      - &a" + std::to_string(i) + " [";
        for (int j = 0; j < 10; ++j) laughs += (j ? "," : "") + prev;
        laughs += "]\n";
    }
    const auto started = std::chrono::steady_clock::now();
    auto l = parse_text(laughs);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
    REQUIRE(l.diags.size() == 1);
    CHECK(l.diags.items()[0].key == "source.config.layout");
    CHECK(l.text().find("more than 100000 elements") != std::string::npos);
    // Maps too.
    std::string maps = "name: p\nsource:\n  plugin: window\n  topic: t\n  config:\n    labels:\n      m0: &m0 {a: x, b: x, c: x, d: x, e: x, f: x, g: x, h: x, i: x, j: x}\n";
    for (int i = 1; i <= 8; ++i) {
        maps += "      m" + std::to_string(i) + ": &m" + std::to_string(i) + " {";
        for (int j = 0; j < 10; ++j) maps += std::string(j ? ", " : "") + "k" + std::to_string(j) + ": *m" + std::to_string(i - 1);
        maps += "}\n";
    }
    auto m = parse_text(maps);
    REQUIRE(m.diags.size() == 1);
    CHECK(m.text().find("more than 100000 elements") != std::string::npos);
}
