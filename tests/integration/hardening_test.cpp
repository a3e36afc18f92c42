// What an outside fuzzing run broke, through the real binary: hostile files refused by
// `sluice validate` with file:line:col and without hanging; configurations sent over REST
// confined to what the worker file allows and never echoing a provider's value; everything
// checkable without I/O refused at create, not by a task failing later; names and internal
// topics; a thousand tasks stopped within bounds.
#include "rest_client.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

using namespace sluice::it;
using sluice::testing::RunResult;
using sluice::testing::write_file;

namespace {

constexpr int kInvalidConfig = 1;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

RunResult validate(const TempDir& dir, const std::string& file) {
    return run_sluice(dir, {"validate", "--plugin-dir", plugin_dir(), file}, 10s);
}

}  // namespace

TEST_CASE("hardening: sluice validate refuses invalid UTF-8, a second document, devices, FIFOs and huge files, at once") {
    TempDir dir;
    struct Case {
        std::string name, content, expected;
    };
    for (const Case& c : {Case{"utf8-value.yaml", "name: u\nsource:\n  plugin: datagen\n  topic: t\n  config:\n    start.time: \"\xff\"\n",
                               ":6:18: byte 0xFF is not valid UTF-8"},
                          Case{"utf8-comment.yaml", "name: u\n# caf\xe9\nsource:\n  plugin: datagen\n  topic: t\n", ":2:6: byte 0xE9 is not valid UTF-8"},
                          Case{"two.yaml", "name: u\nsource:\n  plugin: datagen\n  topic: t\n---\nname: v\n",
                               ":6:1: a second YAML document starts here"}}) {
        CAPTURE(c.name);
        const std::string file = dir.file(c.name);
        write_file(file, c.content);
        auto r = validate(dir, file);
        CHECK_MESSAGE(r.status == exited(kInvalidConfig), r.status.describe() << "\n" << r.err);
        CHECK_MESSAGE(has(r.err, file + c.expected), r.err);
    }
    const std::string fifo = dir.file("fifo.yaml"), sparse = dir.file("sparse.yaml");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    { std::ofstream(sparse).close(); }
    REQUIRE(::truncate(sparse.c_str(), 1L << 30) == 0);
    for (const std::string& file : {std::string("/dev/zero"), std::string("/dev/urandom"), fifo, sparse}) {
        CAPTURE(file);
        const auto started = std::chrono::steady_clock::now();
        auto r = validate(dir, file);
        CHECK(std::chrono::steady_clock::now() - started < 5s);
        CHECK_MESSAGE(r.status == exited(kInvalidConfig), r.status.describe() << "\n" << r.err);
        CHECK_MESSAGE(has(r.err, "regular files of at most 4 MiB"), r.err);
    }
}

TEST_CASE("hardening: what a plugin can check without I/O is refused by validate and at create, not by a failing task") {
    TempDir dir;
    const std::string file = dir.file("bad.yaml");
    write_file(file, "name: b\nsource:\n  plugin: datagen\n  topic: t\n  config:\n    start.time: x\n"
                     "sinks:\n  - plugin: file\n    config: {path: \"\"}\n");
    auto r = validate(dir, file);
    CHECK(r.status == exited(kInvalidConfig));
    CHECK_MESSAGE(has(r.err, file + ":6:5: source.config.start.time: start.time must be a UTC time"), r.err);
    CHECK_MESSAGE(has(r.err, file + ":9:14: sinks[0].config.path: must name the file to append to"), r.err);

    RestWorker w(dir, write_rest_worker_file(dir, "", "rest.file.allowed.paths: [\"/dev\", \"" + dir.path().string() + "\"]\n"));
    auto create = [&](const std::string& name, std::map<std::string, std::string> config) {
        return w.call("POST", "/connectors", connector_body(name, std::move(config)));
    };
    auto start = create("s", {{"connector.class", "datagen"}, {"topic", "t"}, {"start.time", "x"}});
    CHECK(start.status == 400);
    CHECK_MESSAGE(has(start.json.value("message", ""), "start.time must be a UTC time"), start.body);
    auto huge = create("h", {{"connector.class", "datagen"}, {"topic", "t"}, {"start.time", std::string(512 * 1024, 'x')}});
    CHECK(huge.status == 400);
    CHECK(huge.body.size() < 4096);  // described, not echoed
    auto empty_path = create("e", {{"connector.class", "file"}, {"topics", "t"}, {"path", ""}});
    CHECK(empty_path.status == 400);
    auto device = create("z", {{"connector.class", "file"}, {"topic", "t"}, {"path", "/dev/zero"}});
    CHECK(device.status == 400);
    CHECK_MESSAGE(has(device.json.value("message", ""), "'/dev/zero' is not a regular file"), device.body);
    CHECK(w.get("/connectors").body == "[]");
}

TEST_CASE("hardening: configurations sent over REST read only allowed files and variables, and never echo a value") {
    TempDir dir, secrets;
    const std::string canary = "canary-4f1d9a7e";
    write_file(secrets.file("app.properties"), "rate=" + canary + "\nsensors=7\n");
    write_file(dir.file("outside.properties"), "rate=" + canary + "\n");
    sluice::testing::SpawnOptions env;
    env.env["SLUICE_IT_ALLOWED"] = "5";
    env.env["SLUICE_IT_SECRET"] = canary;
    RestWorker w(dir,
                 write_rest_worker_file(dir, "", "config.providers.file.allowed.paths: [\"" + secrets.path().string() + "\"]\n"
                                                 "config.providers.env.allowed: [SLUICE_IT_ALLOWED]\n"),
                 {}, env);
    auto create = [&](const std::string& name, const std::string& key, const std::string& value) {
        return w.call("POST", "/connectors", connector_body(name, {{"connector.class", "datagen"}, {"topic", "t"}, {key, value}}));
    };
    std::vector<Reply> answers;
    // Allowed: the value is used, and shown masked.
    auto ok = create("ok", "sensors", "${file:" + secrets.file("app.properties") + ":sensors}");
    REQUIRE_MESSAGE(ok.status == 201, ok.body);
    CHECK(ok.json["config"]["sensors"] == "****");
    auto ok_env = create("ok-env", "rate", "${env:SLUICE_IT_ALLOWED}");
    CHECK_MESSAGE(ok_env.status == 201, ok_env.body);
    // Allowed file, wrong value: the error says where it came from, never what it is.
    answers.push_back(create("bad", "rate", "${file:" + secrets.file("app.properties") + ":rate}"));
    CHECK(answers.back().status == 400);
    CHECK(has(answers.back().body, "the value from ${file:"));
    // Not allowed: refused before anything is read; same answer whether the file exists or not.
    for (const std::string& path : {dir.file("outside.properties"), dir.file("missing.properties"), std::string("/etc/shadow")}) {
        answers.push_back(create("out", "rate", "${file:" + path + ":rate}"));
        CHECK(answers.back().status == 400);
        CHECK(has(answers.back().body, "config.providers.file.allowed.paths"));
        CHECK_FALSE(has(answers.back().body, "No such file"));
    }
    answers.push_back(create("env", "rate", "${env:SLUICE_IT_SECRET}"));
    CHECK(answers.back().status == 400);
    CHECK(has(answers.back().body, "config.providers.env.allowed"));
    // validate masks a provider reference; pipelines are held to the same rules.
    answers.push_back(w.call("PUT", "/connector-plugins/datagen/config/validate",
                             nlohmann::json{{"connector.class", "datagen"}, {"topic", "t"},
                                            {"rate", "${file:" + secrets.file("app.properties") + ":rate}"}}
                                 .dump()));
    CHECK(answers.back().status == 200);
    for (const auto& c : answers.back().json["configs"])
        if (c["value"]["name"] == "rate") CHECK(c["value"]["value"] == "****");
    answers.push_back(w.call("PUT", "/pipelines/p",
                             "source:\n  plugin: datagen\n  topic: t\n  config:\n    rate: ${env:SLUICE_IT_SECRET}\n", "application/yaml"));
    CHECK(answers.back().status == 400);
    // A file sink over REST writes only under rest.file.allowed.paths (none here).
    answers.push_back(w.call("POST", "/connectors",
                             connector_body("sink", {{"connector.class", "file"}, {"topics", "t"}, {"path", dir.file("out.jsonl")}})));
    CHECK(answers.back().status == 400);
    CHECK(has(answers.back().body, "rest.file.allowed.paths"));
    for (const auto& a : answers) CHECK_MESSAGE(!has(a.body, canary), a.body);
    CHECK_FALSE(has(w.sluice().log(), canary));
}

TEST_CASE("hardening: names, internal topics and tasks.max") {
    TempDir dir;
    RestWorker w(dir, write_rest_worker_file(dir, "", "rest.lifecycle.wait.ms: 1000\n"));
    // Names: ASCII letters, digits, '_' and '-' (they name consumer groups, metrics labels and
    // log contexts); reserved device names of other systems mean nothing here.
    for (const std::string& name : {std::string("CON"), std::string("_"), std::string("-"), std::string("NUL")}) {
        CAPTURE(name);
        auto r = w.call("POST", "/connectors", connector_body(name, {{"connector.class", "blackhole"}, {"topics", "t"}}));
        CHECK_MESSAGE(r.status == 201, r.body);
    }
    CHECK(w.get("/connectors/CON/status").status == 200);
    auto accented = w.call("POST", "/connectors", connector_body("trafic-é", {{"connector.class", "blackhole"}, {"topics", "t"}}));
    CHECK(accented.status == 400);
    CHECK(has(accented.body, "a name uses only letters, digits, '_' and '-'"));
    CHECK(w.call("DELETE", "/connectors/-").status == 204);
    CHECK(w.get("/connectors/%ff%fe").status == 400);  // not UTF-8 once decoded: the client's mistake
    // A sink may not read Kafka's or the worker's own topics unless it says so.
    for (const std::string& topic : {std::string("__consumer_offsets"), std::string("sluice-offsets")}) {
        auto r = w.call("POST", "/connectors", connector_body("internal", {{"connector.class", "blackhole"}, {"topics", topic}}));
        CHECK(r.status == 400);
        CHECK_MESSAGE(has(r.body, "read.internal.topics"), r.body);
    }
    auto forced = w.call("POST", "/connectors", connector_body("internal", {{"connector.class", "blackhole"},
                                                                           {"topics", "sluice-offsets"},
                                                                           {"read.internal.topics", "true"}}));
    CHECK_MESSAGE(forced.status == 201, forced.body);
    // tasks.max: at most what the plugin runs, and 1000 at most (a task is a thread and a client).
    auto too_many = w.call("POST", "/connectors", connector_body("many", {{"connector.class", "blackhole"}, {"topics", "t"}, {"tasks.max", "1001"}}));
    CHECK(too_many.status == 400);
    auto file_two = w.call("POST", "/connectors", connector_body("two", {{"connector.class", "file"}, {"topic", "t"}, {"tasks.max", "2"}}));
    CHECK(file_two.status == 400);
    CHECK_MESSAGE(has(file_two.body, "tasks.max: expected an integer between 1 and 1, got 2"), file_two.body);
}

TEST_CASE("hardening: a thousand sink tasks are deleted within the REST bound and stopped by SIGTERM in time") {
    TempDir dir;
    RestWorker w(dir, write_rest_worker_file(dir, "", "rest.lifecycle.wait.ms: 2000\n"));
    auto create = w.call("POST", "/connectors", connector_body("many", {{"connector.class", "blackhole"}, {"topics", "a,b"}, {"tasks.max", "1000"}}));
    REQUIRE_MESSAGE(create.status == 201, create.body);
    auto running = w.wait_status("many", [](const nlohmann::json& s) { return task_states(s).size() == 1000; }, 60s);
    REQUIRE(task_states(running).size() == 1000);
    auto t0 = std::chrono::steady_clock::now();
    CHECK(w.call("DELETE", "/connectors/many").status == 204);
    CHECK(std::chrono::steady_clock::now() - t0 < 10s);  // rest.lifecycle.wait.ms, then the rest goes on in the background
    // A second one is running when SIGTERM comes: the worker stops within shutdown.timeout.ms (10 s here).
    REQUIRE(w.call("POST", "/connectors", connector_body("again", {{"connector.class", "blackhole"}, {"topics", "a,b"}, {"tasks.max", "1000"}}))
                .status == 201);
    w.wait_status("again", [](const nlohmann::json& s) { return task_states(s).size() == 1000; }, 60s);
    t0 = std::chrono::steady_clock::now();
    auto status = w.sluice().stop(40s);
    REQUIRE(status);
    CHECK(std::chrono::steady_clock::now() - t0 < 20s);
    CHECK_MESSAGE(*status == exited(0), status->describe() << "\n" << w.sluice().log().substr(0, 2000));
}
