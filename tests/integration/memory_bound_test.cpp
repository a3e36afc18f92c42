// A worker on the embedded cluster whose connectors come and go: a few hundred created and
// deleted over REST, on more topics than the cluster may hold. The embedded cluster keeps
// up to ~5 MiB per partition and can never delete a topic, so kafka.embedded.max.partitions
// is what bounds the worker's memory: connectors that would pass it are refused with 409,
// and the resident size stays under that many partitions' worth plus a fixed allowance.
#include "rest_client.hpp"

#include <doctest/doctest.h>

#include <fstream>

using namespace sluice::it;

namespace {

long rss_mib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) / 1024;
    return -1;
}

}  // namespace

TEST_CASE("memory: creating and deleting hundreds of connectors on many topics keeps RSS bounded") {
    constexpr int kMaxPartitions = 60;
    constexpr int kCycles = 100;  // two connectors each
    constexpr int kTopics = 30;   // 2 partitions each: more than the cluster may hold beside the offsets topic
    TempDir dir;
    RestWorker w(dir, write_rest_worker_file(dir, "", "rest.lifecycle.wait.ms: 1000\n"
                                                      "topic.creation.partitions: 2\n"
                                                      "offsets.topic.partitions: 5\n"
                                                      "kafka.embedded.max.partitions: " + std::to_string(kMaxPartitions) + "\n"));
    const pid_t pid = w.sluice().process().pid();
    const long start_mib = rss_mib(pid);
    long peak_mib = start_mib;
    int created = 0, refused = 0;
    std::vector<std::string> problems;
    for (int i = 0; i < kCycles; ++i) {
        const std::string topic = "m" + std::to_string(i % kTopics);
        const std::string n = std::to_string(i);
        auto source = w.call("POST", "/connectors",
                             connector_body("g" + n, {{"connector.class", "datagen"}, {"topic", topic}, {"rate", "0"}}));
        auto sink = w.call("POST", "/connectors",
                           connector_body("s" + n, {{"connector.class", "blackhole"}, {"topics", topic}, {"tasks.max", "2"}}));
        if (source.status == 201) ++created;
        else if (source.status == 409 && source.body.find("embedded Kafka cluster is full") != std::string::npos) ++refused;
        else problems.push_back("source " + n + ": " + source.describe());
        if (sink.status != 201) problems.push_back("sink " + n + ": " + sink.describe());
        for (const auto& name : {"g" + n, "s" + n}) {
            auto r = w.call("DELETE", "/connectors/" + name);
            if (r.status != 204 && !(r.status == 404 && name[0] == 'g')) problems.push_back("delete " + name + ": " + r.describe());
        }
        peak_mib = std::max(peak_mib, rss_mib(pid));
        REQUIRE_MESSAGE(w.sluice().process().running(), "the worker died; log:\n" << w.sluice().log());
    }
    // Everything deleted: nothing left running, and what the tasks freed went back.
    REQUIRE(sluice::testing::wait_until([&] { return w.get("/connectors").body == "[]"; }, 20s, 100ms));
    const long end_mib = rss_mib(pid);
    MESSAGE("RSS: start " << start_mib << " MiB, peak " << peak_mib << " MiB, end " << end_mib << " MiB; sources created "
                          << created << ", refused (cluster full) " << refused);
    CHECK_MESSAGE(problems.empty(), [&] {
        std::string all;
        for (const auto& p : problems) all += p + "\n";
        return all;
    }());
    // Some sources ran (the topics that fit) and the rest were refused (the cluster filled up).
    CHECK(created >= kCycles / 2);
    CHECK(refused > 0);
    // The bound: every partition full (~5 MiB of records plus the cluster's own bookkeeping),
    // plus a fixed allowance for the worker, its plugins and librdkafka's clients.
    const long bound_mib = kMaxPartitions * 6 + 200;
    CHECK(peak_mib < bound_mib);
    CHECK(end_mib < bound_mib);
}
