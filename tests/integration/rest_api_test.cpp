// The REST admin API against a real `sluice run`, driven with curl: every endpoint of Kafka
// Connect's API that sluice serves, sluice's additions (pipelines, plugin rescan), the bad
// requests, secrets masked, and connectors surviving a restart with their target state.
#include "rest_client.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

using namespace sluice::it;
namespace fs = std::filesystem;

namespace {

bool has_error_shape(const Reply& r, long status) {
    return r.status == status && r.is_json() && r.json.is_object() && r.json.value("error_code", 0) == status &&
           r.json.contains("message") && r.json["message"].is_string() && !r.json["message"].get<std::string>().empty();
}

bool all_tasks(const nlohmann::json& status, const std::string& state, size_t count = 1) {
    auto states = task_states(status);
    return states.size() == count && std::all_of(states.begin(), states.end(), [&](const auto& s) { return s == state; });
}

std::string message(const Reply& r) { return r.is_json() && r.json.is_object() ? r.json.value("message", "") : ""; }

}  // namespace

TEST_CASE("rest: root, health, connector plugins, plugin config and validation") {
    TempDir dir;
    RestWorker w(dir, write_rest_worker_file(dir));

    auto root = w.get("/");
    REQUIRE(root.status == 200);
    CHECK(root.json["version"] == SLUICE_VERSION_TEXT);
    auto health = w.get("/health");
    CHECK(health.status == 200);
    CHECK(health.json["status"] == "healthy");

    auto plugins = w.get("/connector-plugins");
    REQUIRE(plugins.status == 200);
    auto has = [&](const nlohmann::json& list, const std::string& cls, const std::string& type) {
        return std::any_of(list.begin(), list.end(), [&](const auto& p) { return p["class"] == cls && p["type"] == type; });
    };
    CHECK(has(plugins.json, "datagen", "source"));
    CHECK(has(plugins.json, "blackhole", "sink"));
    CHECK(has(plugins.json, "file", "source"));
    CHECK(has(plugins.json, "file", "sink"));
    for (const auto& p : plugins.json) CHECK((p["type"] == "source" || p["type"] == "sink"));
    auto all = w.get("/connector-plugins?connectorsOnly=false");
    REQUIRE(all.status == 200);
    CHECK(has(all.json, "mask_field", "transformation"));  // plugins/transforms/standard
    CHECK(has(all.json, "field_matches", "predicate"));
    CHECK(has(all.json, "datagen", "source"));
    CHECK(!has(plugins.json, "mask_field", "transformation"));
    CHECK(w.get("/connector-plugins/mask_field/config").status == 200);
    CHECK(has_error_shape(w.get("/connector-plugins?connectorsOnly=maybe"), 400));

    auto config = w.get("/connector-plugins/datagen/config");
    REQUIRE(config.status == 200);
    REQUIRE(config.json.is_array());
    auto rate = std::find_if(config.json.begin(), config.json.end(), [](const auto& k) { return k["name"] == "rate"; });
    REQUIRE(rate != config.json.end());
    CHECK((*rate)["type"] == "LONG");
    CHECK((*rate)["required"] == false);
    CHECK(has_error_shape(w.get("/connector-plugins/nope/config"), 404));

    // Valid: no errors. Invalid: one error per bad key, on that key, as Connect answers.
    auto ok = w.call("PUT", "/connector-plugins/datagen/config/validate",
                     R"({"connector.class":"datagen","name":"v","topic":"t","rate":"10"})");
    REQUIRE(ok.status == 200);
    CHECK(ok.json["name"] == "datagen");
    CHECK(ok.json["error_count"] == 0);
    auto bad = w.call("PUT", "/connector-plugins/datagen/config/validate",
                      R"({"connector.class":"datagen","name":"v","topic":"t","rate":"fast","bogus":"1"})");
    REQUIRE(bad.status == 200);
    CHECK(bad.json["error_count"] == 2);
    std::map<std::string, size_t> errors;
    for (const auto& c : bad.json["configs"]) errors[c["value"]["name"]] = c["value"]["errors"].size();
    CHECK(errors["rate"] == 1);
    CHECK(errors["bogus"] == 1);
    CHECK(errors["topic"] == 0);
    auto missing = w.call("PUT", "/connector-plugins/datagen/config/validate", R"({"connector.class":"datagen","name":"v"})");
    CHECK(missing.json["error_count"] == 1);  // topic
    CHECK(has_error_shape(w.call("PUT", "/connector-plugins/nope/config/validate", "{}"), 404));

    // Metrics on the same port, REST requests counted by route pattern.
    auto metrics = w.get("/metrics");
    CHECK(metrics.status == 200);
    CHECK(metrics.headers["content-type"].find("text/plain") == 0);
    CHECK(metrics.body.find("/connector-plugins/{plugin}/config") != std::string::npos);
}

TEST_CASE("rest: a source and a sink created, paused, resumed, restarted, stopped, their offsets changed and deleted") {
    TempDir dir;
    RestWorker w(dir, write_rest_worker_file(dir));

    auto created = w.call("POST", "/connectors",
                          connector_body("gen", {{"connector.class", "datagen"}, {"topic", "rest.t"}, {"rate", "200"}, {"tasks.max", "1"}}));
    REQUIRE_MESSAGE(created.status == 201, created.describe());
    CHECK(created.headers["location"] == "/connectors/gen");
    CHECK(created.json["name"] == "gen");
    CHECK(created.json["type"] == "source");
    CHECK(created.json["config"]["connector.class"] == "datagen");
    CHECK(created.json["tasks"] == nlohmann::json::parse(R"([{"connector":"gen","task":0}])"));
    CHECK(has_error_shape(w.call("POST", "/connectors", connector_body("gen", {{"connector.class", "datagen"}, {"topic", "x"}})), 409));

    // PUT config creates (201) a sink reading the source's topic.
    auto sink = w.call("PUT", "/connectors/sink/config", R"({"connector.class":"blackhole","topics":"rest.t"})");
    REQUIRE_MESSAGE(sink.status == 201, sink.describe());
    CHECK(sink.json["type"] == "sink");

    auto list = w.get("/connectors");
    CHECK(list.json == nlohmann::json::parse(R"(["gen","sink"])"));
    auto expanded = w.get("/connectors?expand=status&expand=info");
    REQUIRE(expanded.status == 200);
    CHECK(expanded.json["gen"]["info"]["config"]["topic"] == "rest.t");
    CHECK(expanded.json["sink"]["status"]["type"] == "sink");
    CHECK(w.get("/connectors?expand=status").json["gen"].contains("info") == false);
    CHECK(w.get("/connectors/gen").json["config"] == w.get("/connectors/gen/config").json);

    auto running = w.wait_status("gen", [](const auto& s) { return connector_state(s) == "RUNNING" && all_tasks(s, "RUNNING"); });
    REQUIRE(all_tasks(running, "RUNNING"));
    CHECK(running["tasks"][0]["worker_id"] == running["connector"]["worker_id"]);
    CHECK(running["tasks"][0]["worker_id"].get<std::string>().find(':') != std::string::npos);
    auto tasks = w.get("/connectors/gen/tasks");
    REQUIRE(tasks.status == 200);
    CHECK(tasks.json[0]["id"] == nlohmann::json::parse(R"({"connector":"gen","task":0})"));
    CHECK(tasks.json[0]["config"]["topic"] == "rest.t");
    CHECK(w.get("/connectors/gen/tasks/0/status").json["state"] == "RUNNING");
    CHECK(has_error_shape(w.get("/connectors/gen/tasks/3/status"), 404));

    // Pause keeps the tasks (PAUSED, not gone); resume runs them again.
    auto pause = w.call("PUT", "/connectors/gen/pause");
    CHECK(pause.status == 202);
    auto paused = w.wait_status("gen", [](const auto& s) { return all_tasks(s, "PAUSED"); });
    CHECK(connector_state(paused) == "PAUSED");
    CHECK(all_tasks(paused, "PAUSED"));
    CHECK(w.call("PUT", "/connectors/gen/resume").status == 202);
    CHECK(all_tasks(w.wait_status("gen", [](const auto& s) { return all_tasks(s, "RUNNING"); }), "RUNNING"));

    // Restarts.
    CHECK(w.call("POST", "/connectors/gen/restart").status == 204);
    auto restart = w.call("POST", "/connectors/gen/restart?includeTasks=true&onlyFailed=false");
    CHECK(restart.status == 202);
    CHECK(restart.json["name"] == "gen");
    CHECK(w.call("POST", "/connectors/gen/restart?includeTasks=yes").status == 400);
    CHECK(w.call("POST", "/connectors/gen/tasks/0/restart").status == 204);
    CHECK(has_error_shape(w.call("POST", "/connectors/gen/tasks/9/restart"), 404));
    CHECK(all_tasks(w.wait_status("gen", [](const auto& s) { return all_tasks(s, "RUNNING"); }), "RUNNING"));

    // The sink consumes and commits; its offsets are the group's committed offsets.
    Reply sink_offsets;
    REQUIRE(sluice::testing::wait_until(
        [&] {
            sink_offsets = w.get("/connectors/sink/offsets");
            return sink_offsets.status == 200 && !sink_offsets.json["offsets"].empty();
        },
        30s, 200ms));
    for (const auto& o : sink_offsets.json["offsets"]) {
        CHECK(o["partition"]["kafka_topic"] == "rest.t");
        CHECK(o["partition"]["kafka_partition"].is_number_integer());
        CHECK(o["offset"]["kafka_offset"].get<int64_t>() > 0);
    }
    // Offsets change only when STOPPED.
    const std::string patch = R"({"offsets":[{"partition":{"kafka_topic":"rest.t","kafka_partition":0},"offset":{"kafka_offset":3}}]})";
    auto refused = w.call("PATCH", "/connectors/sink/offsets", patch);
    CHECK(has_error_shape(refused, 400));
    CHECK(message(refused).find("STOPPED") != std::string::npos);
    CHECK(has_error_shape(w.call("DELETE", "/connectors/sink/offsets"), 400));

    // Stop frees the tasks; the connector stays, with no tasks.
    CHECK(w.call("PUT", "/connectors/sink/stop").status == 202);
    auto stopped = w.wait_status("sink", [](const auto& s) { return connector_state(s) == "STOPPED"; });
    CHECK(connector_state(stopped) == "STOPPED");
    CHECK(stopped["tasks"].empty());
    CHECK(w.get("/connectors/sink").json["tasks"].empty());
    auto altered = w.call("PATCH", "/connectors/sink/offsets", patch);
    REQUIRE_MESSAGE(altered.status == 200, altered.describe());
    CHECK(message(altered) == "The offsets for this connector have been altered successfully");
    auto after = w.get("/connectors/sink/offsets").json["offsets"];
    auto p0 = std::find_if(after.begin(), after.end(), [](const auto& o) { return o["partition"]["kafka_partition"] == 0; });
    REQUIRE(p0 != after.end());
    CHECK((*p0)["offset"]["kafka_offset"] == 3);
    CHECK(has_error_shape(w.call("PATCH", "/connectors/sink/offsets",
                                 R"({"offsets":[{"partition":{"kafka_topic":"other","kafka_partition":0},"offset":{"kafka_offset":1}}]})"),
                          400));
    CHECK(has_error_shape(w.call("PATCH", "/connectors/sink/offsets", R"({"offsets":[{"partition":{"kafka_topic":"rest.t"}}]})"), 400));
    auto null_offset = w.call("PATCH", "/connectors/sink/offsets",
                              R"({"offsets":[{"partition":{"kafka_topic":"rest.t","kafka_partition":0},"offset":null}]})");
    REQUIRE_MESSAGE(null_offset.status == 200, null_offset.describe());
    after = w.get("/connectors/sink/offsets").json["offsets"];
    p0 = std::find_if(after.begin(), after.end(), [](const auto& o) { return o["partition"]["kafka_partition"] == 0; });
    REQUIRE(p0 != after.end());
    CHECK((*p0)["offset"]["kafka_offset"] == 0);  // the partition's earliest offset
    auto reset = w.call("DELETE", "/connectors/sink/offsets");
    REQUIRE_MESSAGE(reset.status == 200, reset.describe());
    for (const auto& o : w.get("/connectors/sink/offsets").json["offsets"]) CHECK(o["offset"]["kafka_offset"] == 0);

    // Source offsets: as stored in the offsets topic; written and reset while STOPPED.
    CHECK(w.call("PUT", "/connectors/gen/stop").status == 202);
    w.wait_status("gen", [](const auto& s) { return connector_state(s) == "STOPPED"; });
    auto set = w.call("PATCH", "/connectors/gen/offsets", R"({"offsets":[{"partition":{"task":0},"offset":{"seq":41}}]})");
    REQUIRE_MESSAGE(set.status == 200, set.describe());
    auto source_offsets = w.get("/connectors/gen/offsets").json["offsets"];
    CHECK(std::any_of(source_offsets.begin(), source_offsets.end(),
                      [](const auto& o) { return o["partition"] == nlohmann::json{{"task", 0}} && o["offset"] == nlohmann::json{{"seq", 41}}; }));
    CHECK(w.call("DELETE", "/connectors/gen/offsets").status == 200);
    CHECK(w.get("/connectors/gen/offsets").json["offsets"].empty());

    // A stopped connector resumes with fresh tasks.
    CHECK(w.call("PUT", "/connectors/gen/resume").status == 202);
    CHECK(all_tasks(w.wait_status("gen", [](const auto& s) { return all_tasks(s, "RUNNING"); }), "RUNNING"));

    // Update: 200, the new configuration answered and applied.
    auto updated = w.call("PUT", "/connectors/gen/config", R"({"connector.class":"datagen","topic":"rest.t","rate":"50","tasks.max":"2"})");
    REQUIRE_MESSAGE(updated.status == 200, updated.describe());
    CHECK(updated.json["config"]["rate"] == "50");
    CHECK(all_tasks(w.wait_status("gen", [](const auto& s) { return all_tasks(s, "RUNNING", 2); }), "RUNNING", 2));

    // Delete: 204, gone (404 in Connect's shape), offsets kept for a connector of the same name.
    CHECK(w.call("DELETE", "/connectors/sink").status == 204);
    CHECK(has_error_shape(w.get("/connectors/sink"), 404));
    CHECK(has_error_shape(w.get("/connectors/sink/status"), 404));
    CHECK(has_error_shape(w.call("DELETE", "/connectors/sink"), 404));
    CHECK(w.get("/connectors").json == nlohmann::json::parse(R"(["gen"])"));
    CHECK(w.call("PUT", "/connectors/sink/config", R"({"connector.class":"blackhole","topics":"rest.t"})").status == 201);
    CHECK(w.call("PUT", "/connectors/sink/stop").status == 202);
    w.wait_status("sink", [](const auto& s) { return connector_state(s) == "STOPPED"; });
    CHECK(!w.get("/connectors/sink/offsets").json["offsets"].empty());
}

TEST_CASE("rest: bad requests answer Connect's error shape with the right status") {
    TempDir dir;
    RestWorker w(dir, write_rest_worker_file(dir));

    auto malformed = w.call("POST", "/connectors", R"({"name": "x", "config": {)");
    CHECK(has_error_shape(malformed, 400));
    CHECK(message(malformed).find("malformed JSON") != std::string::npos);
    CHECK(has_error_shape(w.call("POST", "/connectors", R"({"name":"x","config":{}})", "application/x-www-form-urlencoded"), 415));
    CHECK(has_error_shape(w.call("POST", "/connectors", R"({"name":"x","config":{}})", ""), 415));
    CHECK(has_error_shape(w.call("POST", "/connectors", R"({"config":{"connector.class":"datagen"}})"), 400));
    CHECK(has_error_shape(w.call("POST", "/connectors", R"(["x"])"), 400));

    auto unknown_class = w.call("POST", "/connectors", connector_body("x", {{"connector.class", "datagne"}, {"topic", "t"}}));
    CHECK(has_error_shape(unknown_class, 400));
    CHECK(message(unknown_class).find("connector.class") != std::string::npos);
    CHECK(message(unknown_class).find("datagen") != std::string::npos);  // the suggestion
    auto bad_value = w.call("POST", "/connectors", connector_body("x", {{"connector.class", "datagen"}, {"topic", "t"}, {"rate", "-3"}}));
    CHECK(has_error_shape(bad_value, 400));
    CHECK(message(bad_value).find("rate") != std::string::npos);
    auto unknown_key = w.call("PUT", "/connectors/x/config", R"({"connector.class":"datagen","topic":"t","rat":"1"})");
    CHECK(has_error_shape(unknown_key, 400));
    CHECK(message(unknown_key).find("rat") != std::string::npos);
    CHECK(has_error_shape(w.call("PUT", "/connectors/x/config", R"({"connector.class":"datagen","topic":"t","rate":{"a":1}})"), 400));
    CHECK(has_error_shape(w.call("PUT", "/connectors/x/config", R"({"connector.class":"datagen","topic":"t","name":"y"})"), 400));
    CHECK(w.get("/connectors").json.empty());  // nothing half-created

    auto wrong_method = w.call("DELETE", "/connectors");
    CHECK(has_error_shape(wrong_method, 405));
    CHECK(wrong_method.headers["allow"] == "GET, POST");
    CHECK(has_error_shape(w.call("POST", "/connectors/x/pause"), 405));
    CHECK(has_error_shape(w.get("/no/such/thing"), 404));
    auto missing = w.get("/connectors/ghost");
    CHECK(has_error_shape(missing, 404));
    CHECK(message(missing) == "Connector ghost not found");
    for (const char* path : {"/connectors/ghost/pause", "/connectors/ghost/resume", "/connectors/ghost/stop"})
        CHECK(has_error_shape(w.call("PUT", path), 404));
    CHECK(has_error_shape(w.call("POST", "/connectors/ghost/restart"), 404));
    CHECK(has_error_shape(w.get("/connectors/ghost/offsets"), 404));
    CHECK(has_error_shape(w.get("/connectors/ghost/tasks/zero/status"), 400));

    // A body over the limit (1 MiB) is refused before it is read.
    std::string huge = R"({"name":"big","config":{"connector.class":"datagen","topic":"t","start.time":")" + std::string(2 << 20, 'a') + "\"}}";
    CHECK(has_error_shape(w.call("POST", "/connectors", huge), 413));
    CHECK(w.get("/health").status == 200);  // and the server is fine

    // Names that cannot be a path segment or a connector name.
    const std::string config = R"({"connector.class":"datagen","topic":"t"})";
    for (const char* name : {"a%2Fb", "..", "%2E%2E", "a%20b", "tab%09", "a%5Cb"}) {
        auto r = w.call("PUT", std::string("/connectors/") + name + "/config", config);
        CHECK_MESSAGE(r.status == 400, std::string(name), " -> ", r.describe());
        CHECK(r.json.value("error_code", 0) == 400);
    }
    for (const char* name : {"a/b", "..", "a b"}) {
        auto r = w.call("POST", "/connectors", connector_body(name, {{"connector.class", "datagen"}, {"topic", "t"}}));
        CHECK_MESSAGE(has_error_shape(r, 400), std::string(name), " -> ", r.describe());
    }
    CHECK(has_error_shape(w.get("/connectors/%zz"), 400));
    CHECK(w.get("/connectors").json.empty());
}

TEST_CASE("rest: secrets from ${env:...} are masked in every answer, and a masked value PUT back is kept") {
    TempDir dir;
    sluice::testing::SpawnOptions env;
    env.env["SLUICE_IT_SENSORS"] = "17";
    // Configurations sent over REST read only the variables the worker file allows.
    RestWorker w(dir, write_rest_worker_file(dir, "", "config.providers.env.allowed: [SLUICE_IT_SENSORS]\n"), {}, env);
    auto created = w.call("POST", "/connectors",
                          connector_body("masked", {{"connector.class", "datagen"}, {"topic", "m"}, {"sensors", "${env:SLUICE_IT_SENSORS}"}}));
    REQUIRE_MESSAGE(created.status == 201, created.describe());
    for (const auto& r : {created, w.get("/connectors/masked"), w.get("/connectors/masked/config"), w.get("/connectors?expand=info"),
                          w.get("/connectors/masked/tasks")}) {
        CHECK(r.body.find("****") != std::string::npos);
        CHECK(r.body.find("SLUICE_IT_SENSORS") == std::string::npos);
        CHECK(r.body.find("17") == std::string::npos);
    }
    // GET, edit another key, PUT back: the masked value stays what it was.
    auto config = w.get("/connectors/masked/config").json;
    config["rate"] = "5";
    auto put = w.call("PUT", "/connectors/masked/config", config.dump());
    REQUIRE_MESSAGE(put.status == 200, put.describe());
    CHECK(put.json["config"]["sensors"] == "****");
    CHECK(w.wait_status("masked", [](const auto& s) { return all_tasks(s, "RUNNING"); })["tasks"][0]["state"] == "RUNNING");
    CHECK(w.sluice().log().find("17 sensors") != std::string::npos);
}

TEST_CASE("rest: pipelines taken as YAML, with validation errors by line and key") {
    TempDir dir;
    RestWorker w(dir, write_rest_worker_file(dir));
    const std::string yaml =
        "source:\n"
        "  plugin: datagen\n"
        "  topic: pipe.t\n"
        "  config: {rate: 100}\n"
        "sinks:\n"
        "  - plugin: blackhole\n";
    auto created = w.call("PUT", "/pipelines/demo", yaml, "application/yaml");
    REQUIRE_MESSAGE(created.status == 201, created.describe());
    CHECK(created.json["name"] == "demo");
    REQUIRE(created.json["connectors"].size() == 2);
    auto names = w.get("/connectors").json;
    CHECK(std::find(names.begin(), names.end(), "demo.datagen-source") != names.end());
    CHECK(std::find(names.begin(), names.end(), "demo.blackhole-sink") != names.end());
    CHECK(all_tasks(w.wait_status("demo.datagen-source", [](const auto& s) { return all_tasks(s, "RUNNING"); }), "RUNNING"));
    CHECK(w.get("/pipelines").json == nlohmann::json::parse(R"(["demo"])"));
    CHECK(w.get("/pipelines/demo").json["connectors"][0]["status"]["connector"]["state"] == "RUNNING");
    // Its connectors are changed through the pipeline, not one by one.
    CHECK(has_error_shape(w.call("DELETE", "/connectors/demo.blackhole-sink"), 409));
    CHECK(w.call("PUT", "/connectors/demo.datagen-source/pause").status == 202);

    auto invalid = w.call("PUT", "/pipelines/broken", "source:\n  plugin: datagen\n  topic: x\n  config:\n    rate: fast\n", "application/yaml");
    CHECK(has_error_shape(invalid, 400));
    REQUIRE(invalid.json["errors"].size() == 1);
    CHECK(invalid.json["errors"][0]["line"] == 5);
    CHECK(invalid.json["errors"][0]["key"] == "source.config.rate");
    auto not_yaml = w.call("PUT", "/pipelines/broken", "source: [unclosed\n", "application/yaml");
    CHECK(has_error_shape(not_yaml, 400));
    CHECK(not_yaml.json["errors"][0]["line"].get<int>() >= 1);
    CHECK(has_error_shape(w.call("PUT", "/pipelines/demo", yaml, "application/json"), 415));
    CHECK(has_error_shape(w.call("PUT", "/pipelines/other", "name: demo2\n" + yaml, "application/yaml"), 400));
    CHECK(has_error_shape(w.get("/pipelines/broken"), 404));

    // Replacing: 200, the new definition in place.
    auto replaced = w.call("PUT", "/pipelines/demo", "source:\n  plugin: datagen\n  topic: pipe.t\n", "application/yaml");
    CHECK(replaced.status == 200);
    CHECK(replaced.json["connectors"].size() == 1);
    CHECK(has_error_shape(w.get("/connectors/demo.blackhole-sink"), 404));
    CHECK(w.call("DELETE", "/pipelines/demo").status == 204);
    CHECK(has_error_shape(w.get("/connectors/demo.datagen-source"), 404));
    CHECK(has_error_shape(w.call("DELETE", "/pipelines/demo"), 404));
}

TEST_CASE("rest: connectors created over REST come back after a restart, with their target state") {
    TempDir dir;
    MockKafka kafka(dir, {});
    const std::string worker_file = write_rest_worker_file(dir, kafka.bootstrap());
    {
        RestWorker w(dir, worker_file);
        REQUIRE(w.call("POST", "/connectors", connector_body("run", {{"connector.class", "datagen"}, {"topic", "k.a"}, {"rate", "50"}})).status == 201);
        REQUIRE(w.call("POST", "/connectors", connector_body("hold", {{"connector.class", "datagen"}, {"topic", "k.b"}})).status == 201);
        REQUIRE(w.call("POST", "/connectors", R"({"name":"off","config":{"connector.class":"blackhole","topics":"k.a"},"initial_state":"STOPPED"})").status == 201);
        REQUIRE(w.call("PUT", "/pipelines/pipe", "sinks:\n  - plugin: blackhole\n    topics: k.b\n", "application/yaml").status == 201);
        REQUIRE(w.call("PUT", "/connectors/hold/pause").status == 202);
        REQUIRE(w.call("PUT", "/connectors/pipe.blackhole-sink/pause").status == 202);
        REQUIRE(w.call("POST", "/connectors", connector_body("gone", {{"connector.class", "datagen"}, {"topic", "k.c"}})).status == 201);
        REQUIRE(w.call("DELETE", "/connectors/gone").status == 204);
        CHECK(connector_state(w.wait_status("off", [](const auto& s) { return connector_state(s) == "STOPPED"; })) == "STOPPED");
        auto stopped = w.sluice().stop();
        REQUIRE(stopped);
        CHECK(*stopped == exited(0));
    }
    const std::string state_file = dir.file("worker.connectors.json");
    REQUIRE(fs::exists(state_file));
    CHECK((fs::status(state_file).permissions() & fs::perms::others_read) == fs::perms::none);
    CHECK(!fs::exists(state_file + ".tmp"));

    RestWorker again(dir, worker_file);
    auto names = again.get("/connectors").json;
    CHECK(names == nlohmann::json::parse(R"(["hold","off","pipe.blackhole-sink","run"])"));
    CHECK(all_tasks(again.wait_status("run", [](const auto& s) { return all_tasks(s, "RUNNING"); }), "RUNNING"));
    auto hold = again.wait_status("hold", [](const auto& s) { return all_tasks(s, "PAUSED"); });
    CHECK(connector_state(hold) == "PAUSED");
    CHECK(all_tasks(hold, "PAUSED"));
    auto off = again.get("/connectors/off/status").json;
    CHECK(connector_state(off) == "STOPPED");
    CHECK(off["tasks"].empty());
    CHECK(connector_state(again.wait_status("pipe.blackhole-sink", [](const auto& s) { return all_tasks(s, "PAUSED"); })) == "PAUSED");
    CHECK(again.get("/connectors/run/config").json["rate"] == "50");
    CHECK(again.get("/pipelines").json == nlohmann::json::parse(R"(["pipe"])"));
    CHECK(again.sluice().stop());
}

TEST_CASE("rest: a plugin dropped into the plugin directory is usable after a rescan; a broken one is reported") {
    TempDir dir;
    const std::string plugins = dir.file("plugins");
    fs::create_directories(plugins);
    for (const char* so : {"sluice_source_datagen.so", "sluice_sink_blackhole.so"})
        fs::copy_file(fs::path(plugin_dir()) / so, fs::path(plugins) / so);
    RestWorker w(dir, write_rest_worker_file(dir), {"--plugin-dir=" + plugins});
    REQUIRE(w.call("POST", "/connectors", connector_body("steady", {{"connector.class", "datagen"}, {"topic", "s"}})).status == 201);
    CHECK(all_tasks(w.wait_status("steady", [](const auto& s) { return all_tasks(s, "RUNNING"); }), "RUNNING"));

    auto unknown = w.call("POST", "/connectors", connector_body("fresh", {{"connector.class", "fixture_good"}, {"topic", "f"}}));
    CHECK(has_error_shape(unknown, 400));

    fs::copy_file(fs::path(fixture_plugin_dir()) / "good.so", fs::path(plugins) / "good.so");
    fs::copy_file(fs::path(fixture_plugin_dir()) / "bad.so", fs::path(plugins) / "bad.so");
    auto rescan = w.call("POST", "/connector-plugins/rescan");
    REQUIRE(rescan.status == 200);
    REQUIRE(rescan.json["added"].size() == 1);
    CHECK(rescan.json["added"][0]["class"] == "fixture_good");
    CHECK(rescan.json["added"][0]["type"] == "source");
    REQUIRE(rescan.json["refused"].size() == 1);
    CHECK(rescan.json["refused"][0]["file"].get<std::string>().find("bad.so") != std::string::npos);
    CHECK(!rescan.json["refused"][0]["reason"].get<std::string>().empty());

    auto plugins_list = w.get("/connector-plugins").json;
    CHECK(std::any_of(plugins_list.begin(), plugins_list.end(), [](const auto& p) { return p["class"] == "fixture_good"; }));
    REQUIRE(w.call("POST", "/connectors", connector_body("fresh", {{"connector.class", "fixture_good"}, {"topic", "f"}, {"count", "5"}})).status == 201);
    CHECK(all_tasks(w.wait_status("fresh", [](const auto& s) { return all_tasks(s, "RUNNING"); }), "RUNNING"));
    // The running connector was not touched: same task, still running, never restarted.
    CHECK(all_tasks(w.get("/connectors/steady/status").json, "RUNNING"));
    CHECK(w.sluice().count_in_log("started datagen source") == 1);
    // A second rescan adds nothing and still reports the broken file.
    auto again = w.call("POST", "/connector-plugins/rescan");
    CHECK(again.json["added"].empty());
    CHECK(again.json["refused"].size() == 1);
}

TEST_CASE("rest: `sluice run` with only a worker file stays up, and fails fast when its port is taken") {
    TempDir dir;
    RestWorker w(dir, write_rest_worker_file(dir));
    CHECK(w.get("/connectors").json.empty());
    CHECK(w.sluice().process().running());
    // A second worker on the first one's port: exit 4, naming the address.
    const std::string port = w.base().substr(w.base().rfind(':') + 1);
    const std::string taken = dir.file("taken.yaml");
    sluice::testing::write_file(taken, "rest.listener: 127.0.0.1:" + port + "\n");
    auto second = run_sluice(dir, {"run", "--worker", taken, "--plugin-dir=" + plugin_dir()});
    CHECK(second.status == exited(4));
    CHECK(second.err.find("127.0.0.1:" + port) != std::string::npos);
    auto stopped = w.sluice().stop();
    REQUIRE(stopped);
    CHECK(*stopped == exited(0));
}

TEST_CASE("rest: a Connect flat map with transforms runs the chain; a bad transform is a 400 naming its key") {
    TempDir dir;
    // A file sink created over REST writes only where the worker file allows.
    RestWorker w(dir, write_rest_worker_file(dir, "", "rest.file.allowed.paths: [\"" + dir.path().string() + "\"]\n"));
    const std::string out = dir.file("tagged.jsonl");
    auto source = w.call("POST", "/connectors",
                         connector_body("tagged", {{"connector.class", "datagen"}, {"topic", "tx.t"}, {"rate", "200"},
                                                   {"transforms", "tag"}, {"transforms.tag.type", "insert_field"},
                                                   {"transforms.tag.static.field", "origin"}, {"transforms.tag.static.value", "rest"},
                                                   {"key.converter", "org.apache.kafka.connect.storage.StringConverter"}}));
    REQUIRE_MESSAGE(source.status == 201, source.describe());
    CHECK(source.json["config"]["transforms.tag.type"] == "insert_field");
    auto sink = w.call("POST", "/connectors", connector_body("archive", {{"connector.class", "file"}, {"topics", "tx.t"}, {"path", out}, {"format", "envelope"}, {"buffer.bytes", "0"}}));
    REQUIRE_MESSAGE(sink.status == 201, sink.describe());
    std::vector<Envelope> records;
    REQUIRE(sluice::testing::wait_until(
        [&] {
            records = read_envelopes(out);
            return records.size() >= 20;
        },
        30s, 100ms));
    for (const auto& r : records) CHECK(r.value["origin"] == "rest");

    auto bad = w.call("POST", "/connectors", connector_body("bad", {{"connector.class", "datagen"}, {"topic", "tx.t"},
                                                                    {"transforms", "x"}, {"transforms.x.type", "no_such_transform"}}));
    CHECK(has_error_shape(bad, 400));
    CHECK(message(bad).find("transforms.x.type") != std::string::npos);
}
