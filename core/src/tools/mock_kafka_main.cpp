// sluice-mock-kafka: hosts librdkafka's mock cluster in its own process so that workers,
// kcat and tests in other processes share one Kafka that outlives a killed worker.
// Prints the bootstrap servers on stdout (first line), then runs until SIGINT/SIGTERM.
//
//   sluice-mock-kafka [--brokers N] [--topic NAME:PARTITIONS]... [--bootstrap-file FILE]
#include "kafka/mock_cluster.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <utility>
#include <vector>

int main(int argc, char** argv) {
    int brokers = 1;
    std::string bootstrap_file;
    std::vector<std::pair<std::string, int>> topics;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << a << " needs a value\n";
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--brokers") {
            brokers = std::atoi(next().c_str());
        } else if (a == "--topic") {
            std::string spec = next();
            auto colon = spec.rfind(':');
            topics.emplace_back(spec.substr(0, colon), colon == std::string::npos ? 1 : std::atoi(spec.c_str() + colon + 1));
        } else if (a == "--bootstrap-file") {
            bootstrap_file = next();
        } else {
            std::cerr << "usage: sluice-mock-kafka [--brokers N] [--topic NAME:PARTITIONS]... [--bootstrap-file FILE]\n";
            return 2;
        }
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);

    std::string error;
    // The test cluster's clients create topics freely; no cap of its own.
    auto cluster = sluice::kafka::MockCluster::start(brokers, 1000000, error);
    if (!cluster) {
        std::cerr << error << "\n";
        return 1;
    }
    // Each creation is an op for the mock's own thread, which may notice it only at its next
    // wake-up (up to a second later): all of them are queued at once, one thread each (at
    // most 64), so that one wake-up serves them all instead of one per topic.
    std::atomic<size_t> next{0};
    std::vector<std::thread> creators;
    for (size_t t = 0; t < std::min<size_t>(topics.size(), 64); ++t)
        creators.emplace_back([&] {
            for (size_t i = next++; i < topics.size(); i = next++) {
                std::string problem;
                if (!cluster->ensure_topic(topics[i].first, topics[i].second, problem))
                    std::cerr << "topic " << topics[i].first << ": " << problem << "\n";
            }
        });
    for (auto& t : creators) t.join();
    if (!bootstrap_file.empty()) {
        std::string tmp = bootstrap_file + ".tmp";
        std::ofstream(tmp) << cluster->bootstrap_servers() << "\n";
        std::rename(tmp.c_str(), bootstrap_file.c_str());  // readers never see half a line
    }
    std::cout << cluster->bootstrap_servers() << std::endl;
    int sig = 0;
    sigwait(&set, &sig);
    return 0;
}
