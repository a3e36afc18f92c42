// What a task needs around it in a unit test: a worker configuration with short intervals,
// a cluster object that is never contacted (the tasks' clients come from FakeKafka), an
// offset store, and bounded waits on conditions.
#pragma once

#include "common/log.hpp"
#include "config/pipeline_config.hpp"
#include "kafka/cluster.hpp"
#include "offsets/offset_store.hpp"
#include "runtime/environment.hpp"
#include "runtime/flow_control.hpp"

#include "fake_kafka.hpp"
#include "process.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace sluice::testing {

// The shared bounded poll (tests/support/process.hpp), every millisecond: the tasks answer fast.
inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return wait_until(condition, timeout, std::chrono::milliseconds(1));
}

struct TaskRig {
    config::WorkerConfig worker;
    std::unique_ptr<kafka::Cluster> cluster;
    offsets::OffsetStore store{"sluice-offsets"};
    runtime::FlowControl flow{0};
    FakeKafka kafka;

    TaskRig() {
        log::set_level(log::Level::error);
        worker.bootstrap_servers = "127.0.0.1:9";  // never contacted: clients come from `kafka`
        worker.offset_flush_interval_ms = 10;
        worker.shutdown_timeout_ms = 2000;
        worker.topic_creation_enable = false;  // topics are the fake's business
        std::string error;
        cluster = kafka::Cluster::connect(worker, error);
        REQUIRE(cluster != nullptr);
    }

    runtime::Environment environment() {
        runtime::Environment env{worker, *cluster, store, flow, "worker-1"};
        env.clients = &kafka;
        return env;
    }

    static config::ConnectorSpec spec(config::ConnectorKind kind, std::vector<std::string> topics) {
        config::ConnectorSpec s;
        s.kind = kind;
        s.pipeline = "p";
        s.name = "p.c";
        s.plugin = "scripted";
        s.topics = std::move(topics);
        return s;
    }
};

}  // namespace sluice::testing
