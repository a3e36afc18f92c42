// Looking at a topic from outside the process that writes or reads it: the sum of its
// partitions' high watermarks (records in the topic), or the sum of a consumer group's
// committed offsets (records a group has finished with). Each probe is one request to the
// broker for all partitions. An Observer samples a probe every few milliseconds on its own
// thread and keeps every (time, value) sample for later analysis.
#pragma once

#include "child.hpp"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

// Set by SIGINT/SIGTERM: every wait of the benchmark gives up early.
extern std::atomic<bool> g_interrupted;

// Sum over the topic's partitions of the high watermark (ListOffsets LATEST, one request).
class HighWatermarks {
public:
    HighWatermarks(const std::string& bootstrap, const std::string& topic, int partitions);
    ~HighWatermarks();
    HighWatermarks(const HighWatermarks&) = delete;
    HighWatermarks& operator=(const HighWatermarks&) = delete;
    // nullopt when the broker did not answer for every partition.
    std::optional<int64_t> sum(int timeout_ms = 1000);

private:
    rd_kafka_t* rk_ = nullptr;
    rd_kafka_topic_partition_list_t* parts_ = nullptr;
};

// Sum over the topic's partitions of a group's committed offsets (OffsetFetch, one
// request); a partition without a committed offset counts 0. The client never joins.
class CommittedOffsets {
public:
    CommittedOffsets(const std::string& bootstrap, const std::string& group, const std::string& topic, int partitions);
    ~CommittedOffsets();
    CommittedOffsets(const CommittedOffsets&) = delete;
    CommittedOffsets& operator=(const CommittedOffsets&) = delete;
    std::optional<int64_t> sum(int timeout_ms = 1000);

private:
    rd_kafka_t* rk_ = nullptr;
    rd_kafka_topic_partition_list_t* parts_ = nullptr;
};

struct Sample {
    Clock::time_point at;  // midpoint of the request
    int64_t value;
};

// CPU seconds of the processes involved, read at the observer's two events.
struct CpuReading {
    double client = 0;  // the process doing the work (sluice, or the benchmark for raw)
    double broker = 0;  // the mock cluster process
    Clock::time_point at{};
    std::map<std::string, ThreadCpu> threads;  // "<process>/<thread name>#<tid>" -> CPU
};

// Reads the CPU of the client process and the mock, with every thread of both.
CpuReading read_cpu(pid_t client, double client_cpu_s, pid_t broker, double broker_cpu_s);
// "sluice/sluice 92%, sluice/rdk:broker1 61%, mock/rdk:mock 40%": each thread's share of
// one core between two readings, busiest first, those under min_share left out.
std::string thread_shares(const CpuReading& a, const CpuReading& b, double min_share = 0.03);

class Observer {
public:
    // Samples probe() every period until the value reaches target, stop() or timeout.
    // cpu(), when given, is read at the first non-zero sample and at the target.
    Observer(std::function<std::optional<int64_t>()> probe, int64_t target, std::chrono::microseconds period,
             std::chrono::milliseconds timeout, std::function<CpuReading()> cpu = {});
    ~Observer();
    // Waits for the observer to finish (target reached or timed out); true if reached.
    bool wait();
    void stop();
    const std::vector<Sample>& samples() const { return samples_; }  // after wait()/stop()
    bool reached() const { return reached_; }
    // CPU readings at the first non-zero sample and at the target (when cpu() was given).
    std::optional<CpuReading> cpu_at_first() const { return cpu_first_; }
    std::optional<CpuReading> cpu_at_target() const { return cpu_target_; }
    // CPU time the observer thread itself used, seconds.
    double own_cpu_seconds() const { return own_cpu_s_; }

    // First sample with a value above zero.
    std::optional<Sample> first_nonzero() const;
    // First sample at or above the target.
    std::optional<Sample> first_at_target() const;
    // Last sample below the target whose value differs from the one before it.
    std::optional<Sample> last_change_below_target() const;

private:
    void run(std::function<std::optional<int64_t>()> probe, std::chrono::microseconds period,
             std::chrono::milliseconds timeout, std::function<CpuReading()> cpu);

    int64_t target_;
    std::optional<CpuReading> cpu_first_, cpu_target_;
    double own_cpu_s_ = 0;
    std::atomic<bool> stop_{false};
    bool reached_ = false;
    std::vector<Sample> samples_;
    std::thread thread_;
};

}  // namespace bench
