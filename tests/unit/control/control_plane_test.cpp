// The control plane against a started worker on the embedded Kafka cluster: connectors
// created, changed and refused; a pipeline put, replaced, rolled back when one of its
// connectors cannot be created, and removed; offsets altered and reset only while STOPPED.
#include "control/control_plane.hpp"

#include "config/access_policy.hpp"
#include "config/pipeline_config.hpp"
#include "config/yaml_file.hpp"

#include "process.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <memory>

using namespace sluice;
using control::Refusal;
using runtime::TargetState;

namespace {

// A worker on its own embedded cluster: the offsets topic takes one partition, each source
// topic one, and the cluster holds `max_partitions`.
struct Plane {
    plugin::Registry registry;
    std::unique_ptr<runtime::Worker> worker;
    std::unique_ptr<control::ControlPlane> control;
    int changes = 0;

    explicit Plane(int max_partitions = 20) {
        registry.scan({SLUICE_PLUGIN_DIR});
        auto config = config::default_worker_config();
        config.embedded_max_partitions = max_partitions;
        config.offsets_topic_partitions = 1;
        config.topic_creation_partitions = 1;
        worker = std::make_unique<runtime::Worker>(config, registry);
        std::string error;
        REQUIRE_MESSAGE(worker->start(error), error);
        control = std::make_unique<control::ControlPlane>(*worker, registry, config::rest_access_policy(config), [this] { ++changes; });
    }
    ~Plane() {
        control.reset();
        worker->request_stop();
        worker->wait(std::chrono::steady_clock::now() + std::chrono::seconds(20));
    }

    // Polls until the connector's lifecycle change has settled (bounded).
    bool settled(const std::string& name) {
        return testing::wait_until([&] { return !control->entry(name).settling; }, std::chrono::seconds(20));
    }
};

// The refusal `call` throws; fails the test when it throws none.
template <typename F>
std::optional<Refusal> refusal_of(F&& call) {
    try {
        call();
    } catch (const control::Error& e) {
        return e.refusal;
    }
    return std::nullopt;
}

control::FlatConfig datagen(const std::string& topic) { return {{"connector.class", "datagen"}, {"topic", topic}, {"rate", "50"}}; }

}  // namespace

TEST_CASE("control: a connector created, paused, stopped, restarted and deleted; every change stored") {
    Plane p;
    p.control->create_connector("src", datagen("c.t"), TargetState::running);
    CHECK(p.changes == 1);
    CHECK(p.control->connector_names() == std::vector<std::string>{"src"});
    REQUIRE(p.control->find("src"));
    CHECK(p.control->entry("src").definition.origin == runtime::Origin::rest);
    p.control->set_target("src", TargetState::paused);
    CHECK(p.control->entry("src").target == TargetState::paused);
    p.control->set_target("src", TargetState::stopped);
    CHECK(p.changes == 3);
    p.control->restart_connector("src", true, false);
    CHECK(p.changes == 3);  // a restart is not a stored change
    // PUT with the masked value of a stored one keeps it; here there is none: rate changes.
    CHECK_FALSE(p.control->put_connector("src", {{"connector.class", "datagen"}, {"topic", "c.t"}, {"rate", "20"}}));
    CHECK(p.control->entry("src").definition.flat.at("rate") == "20");
    CHECK(p.control->put_connector("other", datagen("c.t")));
    p.control->delete_connector("src");
    p.control->delete_connector("other");
    CHECK(p.changes == 7);
    CHECK(p.control->connector_names().empty());
}

TEST_CASE("control: refusals are Kafka Connect's (not found, conflict, invalid)") {
    Plane p;
    CHECK(refusal_of([&] { p.control->entry("nope"); }) == Refusal::not_found);
    CHECK(refusal_of([&] { p.control->delete_connector("nope"); }) == Refusal::not_found);
    CHECK(refusal_of([&] { p.control->set_target("nope", TargetState::paused); }) == Refusal::not_found);
    CHECK(refusal_of([&] { p.control->offsets("nope"); }) == Refusal::not_found);
    CHECK(refusal_of([&] { p.control->create_connector("bad", {{"connector.class", "datagen"}, {"topic", "c.t"}, {"rate", "fast"}},
                                                       TargetState::running); }) == Refusal::invalid);
    CHECK(refusal_of([&] { p.control->create_connector("bad", {{"connector.class", "no-such-plugin"}}, TargetState::running); }) ==
          Refusal::invalid);
    p.control->create_connector("src", datagen("c.t"), TargetState::paused);
    CHECK(refusal_of([&] { p.control->create_connector("src", datagen("c.t"), TargetState::running); }) == Refusal::conflict);
    CHECK(refusal_of([&] { p.control->restart_task("src", 7); }) == Refusal::not_found);
    CHECK(p.changes == 1);  // refused calls change nothing
}

TEST_CASE("control: a pipeline put, replaced and removed; its connectors change only through it") {
    Plane p;
    const std::string two = "source:\n  plugin: datagen\n  topic: p.t\n  config: {rate: 50}\nsinks:\n  - plugin: blackhole\n";
    auto created = p.control->put_pipeline("demo", two);
    CHECK_FALSE(created.replaced);
    CHECK(created.connectors == std::vector<std::string>{"demo.datagen-source", "demo.blackhole-sink"});
    CHECK(p.control->pipeline_names() == std::vector<std::string>{"demo"});
    CHECK(p.control->entry("demo.blackhole-sink").definition.pipeline == "demo");
    CHECK(refusal_of([&] { p.control->delete_connector("demo.blackhole-sink"); }) == Refusal::conflict);
    CHECK(refusal_of([&] { p.control->put_connector("demo.blackhole-sink", {{"connector.class", "blackhole"}, {"topics", "p.t"}}); }) ==
          Refusal::conflict);
    // A connector of the same name outside the pipeline (a pipeline file the worker was
    // started with): refused before anything changes.
    const std::string solo = "source:\n  plugin: datagen\n  topic: s.t\n";
    config::Diagnostics diags;
    auto doc = config::load_yaml_text(solo, "solo.yaml", diags);
    REQUIRE(doc);
    auto file = config::parse_pipeline(*doc, p.registry, diags);
    REQUIRE(file);
    std::string error;
    REQUIRE_MESSAGE(p.worker->launch({*file}, error), error);
    const int before = p.changes;
    CHECK(refusal_of([&] { p.control->put_pipeline("solo", solo); }) == Refusal::conflict);
    CHECK(refusal_of([&] { p.control->delete_pipeline("solo"); }) == Refusal::not_found);
    CHECK(p.control->entry("solo.datagen-source").definition.origin == runtime::Origin::command_line);
    CHECK(p.control->pipeline_names() == std::vector<std::string>{"demo"});
    CHECK(p.changes == before);

    auto replaced = p.control->put_pipeline("demo", "source:\n  plugin: datagen\n  topic: p.t\n");
    CHECK(replaced.replaced);
    CHECK(replaced.connectors == std::vector<std::string>{"demo.datagen-source"});
    CHECK_FALSE(p.control->find("demo.blackhole-sink"));
    CHECK(p.control->pipelines().at("demo").yaml == "source:\n  plugin: datagen\n  topic: p.t\n");

    p.control->delete_pipeline("demo");
    CHECK(p.control->pipeline_names().empty());
    CHECK_FALSE(p.control->find("demo.datagen-source"));
    CHECK(refusal_of([&] { p.control->delete_pipeline("demo"); }) == Refusal::not_found);
    CHECK(refusal_of([&] { p.control->pipeline_connectors("demo"); }) == Refusal::not_found);
}

TEST_CASE("control: an invalid pipeline is refused with its problems' lines, and nothing changes") {
    Plane p;
    try {
        p.control->put_pipeline("broken", "source:\n  plugin: datagen\n  topic: x\n  config:\n    rate: fast\n");
        FAIL("accepted");
    } catch (const control::InvalidPipeline& e) {
        CHECK(e.refusal == Refusal::invalid);
        REQUIRE(e.diagnostics.size() == 1);
        CHECK(e.diagnostics.items()[0].where.line == 5);
        CHECK(e.diagnostics.items()[0].key == "source.config.rate");
    }
    CHECK(refusal_of([&] { p.control->put_pipeline("other", "name: demo2\nsource:\n  plugin: datagen\n  topic: x\n"); }) ==
          Refusal::invalid);
    CHECK(p.control->pipeline_names().empty());
    CHECK(p.control->connector_names().empty());
    CHECK(p.changes == 0);
}

TEST_CASE("control: a pipeline whose second connector cannot be created is rolled back, the one it replaced too") {
    // Room for the offsets topic and one source topic: the sink's dead-letter topic does not fit.
    Plane p(2);
    const std::string first = "sinks:\n  - plugin: blackhole\n    topics: r.in\n";
    REQUIRE(p.control->put_pipeline("roll", first).connectors.size() == 1);
    const std::string failing = "source:\n  plugin: datagen\n  topic: r.t\n"
                                "sinks:\n  - plugin: blackhole\n    topics: r.t\n"
                                "    errors: {tolerance: all, deadletterqueue.topic.name: r.dlq}\n";
    const int before = p.changes;
    try {
        p.control->put_pipeline("roll", failing);
        FAIL("accepted");
    } catch (const control::Error& e) {
        CHECK(e.refusal == Refusal::conflict);
        CHECK(std::string(e.what()).find("pipeline roll not created: roll.blackhole-sink: ") == 0);
        CHECK(std::string(e.what()).find("embedded Kafka cluster is full") != std::string::npos);
    }
    CHECK(p.changes == before + 1);  // the removal is stored
    CHECK(p.control->pipeline_names().empty());
    CHECK(p.control->connector_names().empty());  // the created source is gone, and the replaced sink
}

TEST_CASE("control: source offsets altered and reset only while the connector is STOPPED") {
    Plane p;
    p.control->create_connector("src", datagen("o.t"), TargetState::running);
    const auto request = nlohmann::json::parse(R"({"offsets":[{"partition":{"file":"a"},"offset":{"line":5}}]})");
    CHECK(refusal_of([&] { p.control->alter_offsets("src", request); }) == Refusal::invalid);  // RUNNING: Connect's 400
    CHECK(refusal_of([&] { p.control->reset_offsets("src"); }) == Refusal::invalid);
    p.control->set_target("src", TargetState::stopped);
    REQUIRE(p.settled("src"));
    CHECK(refusal_of([&] { p.control->alter_offsets("src", nlohmann::json::parse(R"({"offsets":[]})")); }) == Refusal::invalid);
    CHECK(refusal_of([&] { p.control->alter_offsets("src", nlohmann::json::parse(R"({"nothing":1})")); }) == Refusal::invalid);
    CHECK(refusal_of([&] { p.control->alter_offsets("src", nlohmann::json::parse(R"({"offsets":[{"offset":{}}]})")); }) ==
          Refusal::invalid);
    p.control->alter_offsets("src", request);
    bool found = false;
    const auto shown = p.control->offsets("src");
    for (const auto& o : shown["offsets"])
        if (o["partition"] == request["offsets"][0]["partition"]) found = o["offset"] == request["offsets"][0]["offset"];
    CHECK(found);
    p.control->reset_offsets("src");
    CHECK(p.control->offsets("src")["offsets"].empty());
}

TEST_CASE("control: sink offsets (the consumer group's) altered and reset only while the connector is STOPPED") {
    Plane p;
    p.control->create_connector("feed", datagen("k.t"), TargetState::paused);  // creates the topic
    p.control->create_connector("sink", {{"connector.class", "blackhole"}, {"topics", "k.t"}}, TargetState::stopped);
    REQUIRE(p.settled("sink"));
    CHECK(p.control->offsets("sink")["offsets"].empty());
    auto entry = [](const std::string& topic, int64_t offset) {
        return nlohmann::json::parse(R"({"offsets":[{"partition":{"kafka_topic":")" + topic +
                                     R"(","kafka_partition":0},"offset":{"kafka_offset":)" + std::to_string(offset) + "}}]}");
    };
    const auto request = entry("k.t", 3);
    CHECK(refusal_of([&] { p.control->alter_offsets("sink", entry("other", 1)); }) == Refusal::invalid);  // not its topic
    CHECK(refusal_of([&] { p.control->alter_offsets("sink", entry("k.t", -1)); }) == Refusal::invalid);
    p.control->alter_offsets("sink", request);
    auto shown = p.control->offsets("sink")["offsets"];
    REQUIRE(shown.size() == 1);
    CHECK(shown[0] == request["offsets"][0]);
    p.control->reset_offsets("sink");
    shown = p.control->offsets("sink")["offsets"];
    REQUIRE(shown.size() == 1);
    CHECK(shown[0]["offset"]["kafka_offset"] == 0);  // the earliest offset of the (empty) partition
    p.control->set_target("sink", TargetState::running);
    CHECK(refusal_of([&] { p.control->alter_offsets("sink", request); }) == Refusal::invalid);
}
