#include "config/worker_config.hpp"

#include "../../support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace sluice::config;

TEST_CASE("defaults describe the embedded setup") {
    WorkerConfig w = default_worker_config();
    CHECK(w.embedded());
    CHECK(w.offsets_topic == "sluice-offsets");
    CHECK(w.offset_flush_interval_ms == 5000);
    CHECK(w.rest_listener == "127.0.0.1:8083");
    CHECK(w.plugin_path.empty());
    CHECK(w.topic_creation_enable);
    CHECK_FALSE(w.exactly_once_source_support);
}

TEST_CASE("the shipped configs/worker.yaml is valid and equals the defaults") {
    Diagnostics diags;
    auto w = load_worker_config(std::string(SLUICE_SOURCE_DIR) + "/configs/worker.yaml", diags);
    INFO(diags.format());
    REQUIRE(w);
    WorkerConfig d = default_worker_config();
    CHECK(w->bootstrap_servers == d.bootstrap_servers);
    CHECK(w->offsets_topic == d.offsets_topic);
    CHECK(w->offset_flush_interval_ms == d.offset_flush_interval_ms);
    CHECK(w->shutdown_timeout_ms == d.shutdown_timeout_ms);
    CHECK(w->backpressure_max_lag_bytes == d.backpressure_max_lag_bytes);
    CHECK(w->exactly_once_source_support == d.exactly_once_source_support);
}

TEST_CASE("nested and dotted spellings, relative plugin paths, Kafka property maps") {
    sluice::testing::TempDir dir;
    std::ofstream(dir.path() / "w.yaml") << "kafka:\n  bootstrap.servers: b1:9092,b2:9092\n"
                                            "  consumer:\n    session.timeout.ms: 3000\n"
                                            "  properties:\n    sasl:\n      password: topsecret9\n"
                                            "plugin.path: [plugins, /abs/dir]\n"
                                            "offsets: {topic: my-offsets}\n"
                                            "exactly.once.source.support: enabled\n";
    Diagnostics diags;
    auto w = load_worker_config((dir.path() / "w.yaml").string(), diags);
    INFO(diags.format());
    REQUIRE(w);
    CHECK_FALSE(w->embedded());
    CHECK(w->bootstrap_servers == "b1:9092,b2:9092");
    CHECK(w->consumer_properties.at("session.timeout.ms") == "3000");
    CHECK(w->kafka_properties.at("sasl.password") == "topsecret9");
    CHECK(w->plugin_path == std::vector<std::string>{(dir.path() / "plugins").string(), "/abs/dir"});
    CHECK(w->offsets_topic == "my-offsets");
    CHECK(w->exactly_once_source_support);
}

TEST_CASE("an invalid worker file lists every error") {
    sluice::testing::TempDir dir;
    std::ofstream(dir.path() / "w.yaml") << "offset.flush.interval.ms: soon\nkafka:\n  bootstrap: x\nlog.level: loud\n";
    Diagnostics diags;
    CHECK_FALSE(load_worker_config((dir.path() / "w.yaml").string(), diags));
    CHECK(diags.size() == 3);
    std::string text = diags.format();
    CHECK(text.find("w.yaml:1:1: offset.flush.interval.ms: expected an integer") != std::string::npos);
    CHECK(text.find("kafka.bootstrap: unknown key (did you mean 'kafka.bootstrap.servers'?)") != std::string::npos);
    CHECK(text.find("log.level: expected one of trace, debug, info, warn, error, got loud") != std::string::npos);
}

TEST_CASE("a missing worker file is a clear error") {
    Diagnostics diags;
    CHECK_FALSE(load_worker_config("/nonexistent/worker.yaml", diags));
    REQUIRE(diags.size() == 1);
    CHECK(diags.items()[0].message.find("cannot read file") == 0);
}
