// Bad input through the command line: every mistake gets the right exit code and a
// message on stderr that names the file, line, column, key and what was expected; and a
// pre-flight failure starts nothing at all.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <set>

using namespace sluice::it;
using sluice::testing::RunResult;
using sluice::testing::write_file;

namespace {

constexpr int kInvalidConfig = 1, kUsage = 2, kPreflightFailed = 3;

std::string pipeline_file(const TempDir& dir, const std::string& name, const std::string& yaml) {
    std::string path = dir.file(name);
    write_file(path, yaml);
    return path;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// `sluice validate` and `sluice run` on the same file: both refuse it with exit code 1,
// the same diagnostics on stderr and nothing on stdout; run never reaches Kafka.
RunResult both_refuse(const TempDir& dir, const std::string& file, sluice::testing::SpawnOptions options = {}) {
    RunResult validate = run_sluice(dir, {"validate", "--plugin-dir", plugin_dir(), file}, 30s, options);
    CHECK_MESSAGE(validate.status == exited(kInvalidConfig), validate.status.describe() << "\n" << validate.err);
    CHECK(validate.out.empty());
    RunResult run = run_sluice(dir, {"run", "--plugin-dir", plugin_dir(), file}, 30s, options);
    CHECK_MESSAGE(run.status == exited(kInvalidConfig), run.status.describe() << "\n" << run.err);
    CHECK(run.err == validate.err);
    CHECK_FALSE(has(run.err, "EMBEDDED"));  // refused before any Kafka cluster was started
    return validate;
}

}  // namespace

TEST_CASE("bad input: malformed YAML names file, line and column") {
    TempDir dir;
    auto file = pipeline_file(dir, "broken.yaml", "name: broken\nsource:\n  plugin: datagen\n  topic: t\n  config: {rate: 5\n");
    auto r = both_refuse(dir, file);
    CHECK_MESSAGE(has(r.err, file + ":6:1: invalid YAML: "), r.err);
    CHECK(has(r.err, "1 error in the pipeline configuration"));
}

TEST_CASE("bad input: a wrong type names the key, its line and what was expected") {
    TempDir dir;
    auto file = pipeline_file(dir, "type.yaml", "name: type\nsource:\n  plugin: datagen\n  topic: t\n  config:\n    rate: fast\n");
    auto r = both_refuse(dir, file);
    CHECK_MESSAGE(has(r.err, file + ":6:5: source.config.rate: expected an integer"), r.err);
    CHECK(has(r.err, "got fast"));
}

TEST_CASE("bad input: an unknown plugin lists the available ones and suggests the close name") {
    TempDir dir;
    auto file = pipeline_file(dir, "plugin.yaml", "name: plugin\nsource:\n  plugin: datagem\n  topic: t\n");
    auto r = both_refuse(dir, file);
    CHECK_MESSAGE(has(r.err, file + ":3:11: source.plugin: unknown source plugin 'datagem' (did you mean 'datagen'?); "
                                    "available: datagen, datagouv, file, http, mysql, opendatasoft, postgres, weather"),
                  r.err);
}

TEST_CASE("bad input: a missing required key") {
    TempDir dir;
    auto file = pipeline_file(dir, "required.yaml",
                              "name: required\nsinks:\n  - plugin: file\n    topics: [t]\n    config:\n      format: envelope\n");
    auto r = both_refuse(dir, file);
    CHECK_MESSAGE(has(r.err, file + ":6:7: sinks[0].config.path: missing required key (a string)"), r.err);
}

TEST_CASE("bad input: an unknown key lists the valid keys") {
    TempDir dir;
    auto file = pipeline_file(dir, "unknown.yaml", "name: unknown\nsource:\n  plugin: datagen\n  topic: t\n  config:\n    sensor: 5\n");
    auto r = both_refuse(dir, file);
    CHECK_MESSAGE(has(r.err, file + ":6:5: source.config.sensor: unknown key (did you mean 'sensors'?); valid keys: "
                                    "sensors, rate, seed, interval.ms, start.time, max.records, batch.size"),
                  r.err);
}

TEST_CASE("bad input: several errors in one file are all reported, in one run, in file order") {
    TempDir dir;
    auto file = pipeline_file(dir, "many.yaml",
                              "name: many\n"                  // 1
                              "source:\n"                     // 2
                              "  plugin: datagen\n"           // 3
                              "  topic: t\n"                  // 4
                              "  config:\n"                   // 5
                              "    rate: fast\n"              // 6
                              "    sensor: 5\n"               // 7
                              "sinks:\n"                      // 8
                              "  - plugin: fiel\n"            // 9
                              "    topics: [t]\n"             // 10
                              "  - plugin: file\n"            // 11
                              "    topics: [t]\n"             // 12
                              "    config: {format: xml}\n"   // 13
                              "    colour: blue\n");          // 14
    auto r = both_refuse(dir, file);
    const std::vector<std::string> expected = {
        file + ":6:5: source.config.rate: expected an integer",
        file + ":7:5: source.config.sensor: unknown key (did you mean 'sensors'?)",
        file + ":9:13: sinks[0].plugin: unknown sink plugin 'fiel' (did you mean 'file'?); available: blackhole, clickhouse, dynamodb, file, mysql, postgres, redis, s3, snowflake",
        file + ":13:14: sinks[1].config.format: expected one of value, envelope, raw, got xml",
        file + ":13:13: sinks[1].config.path: missing required key",
        file + ":14:5: sinks[1].colour: unknown key; valid keys: name, plugin, topics, tasks, config",
    };
    for (const auto& e : expected) CHECK_MESSAGE(has(r.err, e), "missing: " << e << "\nin:\n" << r.err);
    CHECK_MESSAGE(has(r.err, std::to_string(expected.size()) + " errors in the pipeline configuration"), r.err);
    // One line per error plus the summary.
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == static_cast<long>(expected.size() + 1));
}

TEST_CASE("bad input: ${env:MISSING} is one clear error") {
    TempDir dir;
    auto file = pipeline_file(dir, "env.yaml",
                              "name: env\nsource:\n  plugin: file\n  topic: t\n  config:\n    path: ${env:SLUICE_IT_UNSET_VARIABLE}/in.txt\n");
    sluice::testing::SpawnOptions options;
    options.unset_env = {"SLUICE_IT_UNSET_VARIABLE"};
    auto r = both_refuse(dir, file, options);
    CHECK_MESSAGE(r.err == file + ":6:5: source.config.path: environment variable SLUICE_IT_UNSET_VARIABLE is not set\n"
                               "1 error in the pipeline configuration\n",
                  r.err);
}

TEST_CASE("bad input: an unreadable source file fails the pre-flight check and nothing is written") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "pf.lines:2"});
    const std::string missing = dir.file("no-such-dir/in.txt"), output = dir.file("out/out.jsonl");
    auto file = pipeline_file(dir, "pf.yaml",
                              "name: pf\n"
                              "source:\n"
                              "  name: in\n"
                              "  plugin: file\n"
                              "  topic: pf.lines\n"
                              "  config: {path: '" + missing + "'}\n"
                              "sinks:\n"
                              "  - name: out\n"
                              "    plugin: file\n"
                              "    config: {path: '" + output + "'}\n");
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    for (const char* command : {"check", "run"}) {
        CAPTURE(command);
        RunResult r = run_sluice(dir, {command, "--worker", worker, "--plugin-dir", plugin_dir(), file});
        CHECK_MESSAGE(r.status == exited(kPreflightFailed), r.status.describe() << "\n" << r.err);
        CHECK_MESSAGE(has(r.err, "pre-flight check failed: pf.in (source plugin file): cannot read '" + missing +
                                     "': No such file or directory"),
                      r.err);
        CHECK(has(r.err, "1 connector failed the pre-flight check; nothing was started"));
    }
    // Nothing was started: no output file (not even its directory), no record in the topic,
    // no offsets.
    CHECK_FALSE(std::filesystem::exists(dir.file("out")));
    CHECK(kcat_read(dir, kafka.bootstrap(), "pf.lines").empty());
    CHECK(kcat_read(dir, kafka.bootstrap(), "sluice-offsets").empty());
}

// The file plugin's validate() sees a directory before anything starts: the error points at the
// path's line and column in the pipeline file, like any other invalid value.
TEST_CASE("bad input: a directory as the input file is an invalid configuration, named at its line") {
    TempDir dir;
    std::filesystem::create_directories(dir.file("input-dir"));
    auto file = pipeline_file(dir, "pfdir.yaml",
                              "name: pfdir\nsource:\n  name: in\n  plugin: file\n  topic: t\n  config: {path: '" +
                                  dir.file("input-dir") + "'}\n");
    RunResult r = run_sluice(dir, {"run", "--plugin-dir", plugin_dir(), file});
    CHECK_MESSAGE(r.status == exited(kInvalidConfig), r.status.describe() << "\n" << r.err);
    CHECK_MESSAGE(has(r.err, "pfdir.yaml:6:12: source.config.path: '" + dir.file("input-dir") +
                                 "' is a directory, expected a regular file"),
                  r.err);
    CHECK_FALSE(has(r.err, "EMBEDDED"));  // pre-flight runs before Kafka is reached
}

// What a user copies must work as shipped: every example pipeline validates with the worker
// file next to it, with no environment variable set (each ${env:...} has a working default),
// and uses only current key names (a deprecated one would print a warning).
TEST_CASE("good input: every shipped pipeline validates as shipped, with current key names") {
    TempDir dir;
    int checked = 0;
    for (const char* folder : {"/configs/pipelines", "/configs/docker/pipelines"}) {
        const std::filesystem::path pipelines = source_dir() + folder;
        const std::string worker = (pipelines.parent_path() / "worker.yaml").string();
        for (const auto& entry : std::filesystem::directory_iterator(pipelines)) {
            if (entry.path().extension() != ".yaml") continue;
            const std::string file = entry.path().string();
            RunResult v = run_sluice(dir, {"validate", "--worker", worker, "--plugin-dir", plugin_dir(), file});
            CHECK_MESSAGE(v.status == exited(0), file << ": " << v.status.describe() << "\n" << v.err);
            CHECK_MESSAGE(has(v.out, file + ": valid"), file << "\n" << v.out);
            CHECK_MESSAGE(!has(v.err, "deprecated"), file << "\n" << v.err);
            ++checked;
        }
    }
    CHECK(checked >= 10);
}

// A configuration written with a key's former name still works for one release: it binds to
// the current key, and validate warns once, naming both.
TEST_CASE("good input: a former key name is accepted with a warning that names the current one") {
    TempDir dir;
    auto file = pipeline_file(dir, "former.yaml",
                              "name: former\nsource:\n  name: portal\n  plugin: opendatasoft\n  topic: t\n"
                              "  config:\n    base_url: http://127.0.0.1:9\n    dataset: d\n    timestamp_field: ts\n"
                              "    key_fields: [id]\n    poll_interval_ms: 1000\n");
    RunResult v = run_sluice(dir, {"validate", "--plugin-dir", plugin_dir(), file});
    CHECK_MESSAGE(v.status == exited(0), v.status.describe() << "\n" << v.err);
    CHECK_MESSAGE(has(v.err, "former.yaml:11:5: source.config.poll_interval_ms: 'poll_interval_ms' is a deprecated name, "
                             "use 'poll.interval.ms'"),
                  v.err);
    CHECK(has(v.err, "'base_url' is a deprecated name, use 'base.url'"));

    // Both names at once: one value too many, said where.
    auto both = pipeline_file(dir, "both.yaml",
                              "name: both\nsource:\n  name: portal\n  plugin: opendatasoft\n  topic: t\n"
                              "  config:\n    base.url: http://127.0.0.1:9\n    dataset: d\n    timestamp.field: ts\n"
                              "    key.fields: [id]\n    poll_interval_ms: 1000\n    poll.interval.ms: 2000\n");
    RunResult b = run_sluice(dir, {"validate", "--plugin-dir", plugin_dir(), both});
    CHECK_MESSAGE(b.status == exited(kInvalidConfig), b.status.describe() << "\n" << b.err);
    CHECK_MESSAGE(has(b.err, "poll.interval.ms: key given twice"), b.err);
}

TEST_CASE("good input: the demo pipeline validates, plugins lists every built-in plugin") {
    TempDir dir;
    const std::string demo = source_dir() + "/configs/pipelines/demo.yaml";
    RunResult v = run_sluice(dir, {"validate", "--plugin-dir", plugin_dir(), demo});
    CHECK_MESSAGE(v.status == exited(0), v.status.describe() << "\n" << v.err);
    CHECK(has(v.out, demo + ": valid"));
    CHECK(has(v.out, "demo.traffic: source datagen -> traffic.readings"));
    CHECK(has(v.out, "demo.archive: sink file <- traffic.readings"));

    RunResult p = run_sluice(dir, {"plugins", "--plugin-dir", plugin_dir()});
    CHECK_MESSAGE(p.status == exited(0), p.status.describe() << "\n" << p.err);
    for (const char* line : {"source datagen ", "source file ", "sink file ", "sink blackhole ", "source opendatasoft ",
                             "source datagouv ", "source weather ", "sink clickhouse ", "sink snowflake ", "transform cast ",
                             "predicate field_matches "})
        CHECK_MESSAGE(has(p.out, std::string("\n") + line), "missing " << line << " in:\n" << p.out);
    CHECK_FALSE(has(p.out, "Refused files"));

    RunResult j = run_sluice(dir, {"plugins", "--json", "--plugin-dir", plugin_dir()});
    REQUIRE(j.status == exited(0));
    auto listing = nlohmann::json::parse(j.out);
    std::set<std::string> names;
    for (const auto& plugin : listing.at("plugins")) names.insert(plugin.at("kind").get<std::string>() + " " + plugin.at("name").get<std::string>());
    for (const char* expected : {"source datagen", "source file", "sink file", "sink blackhole", "source opendatasoft",
                                 "source datagouv", "source weather", "sink clickhouse", "sink snowflake", "transform geo_point",
                                 "transform traffic_status", "predicate field_matches"}) {
        CAPTURE(expected);
        CHECK(names.count(expected) == 1);
    }
    CHECK(listing.at("refused").empty());
}

TEST_CASE("usage errors: exit code 2") {
    TempDir dir;
    // (`run` without a pipeline is a REST-managed worker: see rest_api_test.cpp.)
    RunResult none = run_sluice(dir, {"validate", "--plugin-dir", plugin_dir()});
    CHECK(none.status == exited(kUsage));
    CHECK(none.err == "sluice: validate needs at least one PIPELINE.yaml\n");
    RunResult unknown = run_sluice(dir, {"frobnicate"});
    CHECK(unknown.status == exited(kUsage));
    CHECK(has(unknown.err, "unknown command 'frobnicate'"));
    RunResult option = run_sluice(dir, {"validate", "--colour", "x.yaml"});
    CHECK(option.status == exited(kUsage));
    CHECK(has(option.err, "unknown option '--colour' for validate"));
}
