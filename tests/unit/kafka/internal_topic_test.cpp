// The verdicts on the worker's own compacted topics, from what a broker answers (a real
// broker is needed for the calls themselves; the mock cluster has no Admin API).
#include "kafka/internal_topic.hpp"

#include <doctest/doctest.h>

using sluice::kafka::creation_problem;
using sluice::kafka::InternalTopic;
using sluice::kafka::internal_topic_problem;

namespace {
const InternalTopic kOffsets{"sluice-offsets", "offsets", "offsets.topic.", 25, 3};
}

TEST_CASE("internal topic: compacted is fine, delete is refused with the command that fixes it, unknown passes") {
    CHECK_FALSE(internal_topic_problem(kOffsets, std::string("compact")));
    CHECK_FALSE(internal_topic_problem(kOffsets, std::string("compact,delete")));
    CHECK_FALSE(internal_topic_problem(kOffsets, std::nullopt));  // the broker could not say: a warning, not a refusal
    auto refused = internal_topic_problem(kOffsets, std::string("delete"));
    REQUIRE(refused);
    CHECK(refused->find("the offsets topic sluice-offsets has cleanup.policy=delete") != std::string::npos);
    CHECK(refused->find("--add-config cleanup.policy=compact") != std::string::npos);
}

TEST_CASE("internal topic: a creation refused by the broker says which setting to change") {
    // Kafka before 2.4 refuses -1 (the broker's default replication factor).
    InternalTopic broker_default = kOffsets;
    broker_default.replication = -1;
    auto old_broker = creation_problem(broker_default, "Replication factor must be larger than 0.");
    CHECK(old_broker.find("needs Kafka 2.4 or newer: set offsets.topic.replication.factor to a number") != std::string::npos);
    // A single broker cannot hold three replicas.
    auto single = creation_problem(kOffsets, "Replication factor: 3 larger than available brokers: 1.");
    CHECK(single.find("a single-broker development cluster needs offsets.topic.replication.factor: 1") != std::string::npos);
    CHECK(single.find("25 partitions and replication factor 3") != std::string::npos);
    auto denied = creation_problem(kOffsets, "Authorization failed.");
    CHECK(denied.find("Authorization failed.") != std::string::npos);
    CHECK(denied.find("Create it yourself, compacted") != std::string::npos);
}
