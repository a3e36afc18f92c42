#include "probes.hpp"

#include "kafka_util.hpp"

#include <algorithm>
#include <ctime>

#include <pthread.h>
#include <unistd.h>

namespace bench {

std::atomic<bool> g_interrupted{false};

namespace {
rd_kafka_topic_partition_list_t* all_partitions(const std::string& topic, int partitions) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
    return list;
}
}  // namespace

HighWatermarks::HighWatermarks(const std::string& bootstrap, const std::string& topic, int partitions)
    : rk_(new_client(RD_KAFKA_PRODUCER, {{"bootstrap.servers", bootstrap}, {"client.id", "bench-watermarks"}})),
      parts_(all_partitions(topic, partitions)) {}

HighWatermarks::~HighWatermarks() {
    rd_kafka_topic_partition_list_destroy(parts_);
    rd_kafka_destroy(rk_);
}

std::optional<int64_t> HighWatermarks::sum(int timeout_ms) {
    // ListOffsets with the timestamp -1 (LATEST) answers each partition's high watermark.
    for (int i = 0; i < parts_->cnt; ++i) {
        parts_->elems[i].offset = RD_KAFKA_OFFSET_END;
        parts_->elems[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    if (rd_kafka_offsets_for_times(rk_, parts_, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
    int64_t total = 0;
    for (int i = 0; i < parts_->cnt; ++i) {
        if (parts_->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR || parts_->elems[i].offset < 0) return std::nullopt;
        total += parts_->elems[i].offset;
    }
    return total;
}

CommittedOffsets::CommittedOffsets(const std::string& bootstrap, const std::string& group, const std::string& topic,
                                   int partitions)
    : rk_(new_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstrap},
                                         {"client.id", "bench-committed"},
                                         {"group.id", group},
                                         {"enable.auto.commit", "false"}})),
      parts_(all_partitions(topic, partitions)) {}

CommittedOffsets::~CommittedOffsets() {
    rd_kafka_topic_partition_list_destroy(parts_);
    rd_kafka_destroy(rk_);
}

std::optional<int64_t> CommittedOffsets::sum(int timeout_ms) {
    for (int i = 0; i < parts_->cnt; ++i) {
        parts_->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
        parts_->elems[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    if (rd_kafka_committed(rk_, parts_, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
    int64_t total = 0;
    for (int i = 0; i < parts_->cnt; ++i) {
        if (parts_->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
        total += std::max<int64_t>(0, parts_->elems[i].offset);  // no commit yet: -1001
    }
    return total;
}

CpuReading read_cpu(pid_t client, double client_cpu_s, pid_t broker, double broker_cpu_s) {
    CpuReading r;
    r.at = Clock::now();
    r.client = client_cpu_s;
    r.broker = broker_cpu_s;
    auto add = [&](pid_t pid, const std::string& process) {
        if (pid <= 0) return;
        for (const auto& [tid, t] : thread_cpu(pid)) r.threads[process + "/" + t.name + "#" + std::to_string(tid)] = t;
    };
    add(client, client == getpid() ? "bench" : "sluice");
    add(broker, "mock");
    return r;
}

std::string thread_shares(const CpuReading& a, const CpuReading& b, double min_share) {
    const double wall = std::chrono::duration<double>(b.at - a.at).count();
    if (wall <= 0) return "";
    std::vector<std::pair<double, std::string>> shares;
    for (const auto& [key, t] : b.threads) {
        auto before = a.threads.find(key);
        double used = t.cpu_s - (before == a.threads.end() ? 0 : before->second.cpu_s);
        if (used / wall >= min_share) shares.emplace_back(used / wall, key.substr(0, key.rfind('#')));
    }
    std::sort(shares.rbegin(), shares.rend());
    std::string out;
    for (const auto& [share, name] : shares)
        out += (out.empty() ? "" : ", ") + name + " " + std::to_string(static_cast<int>(share * 100 + 0.5)) + "%";
    return out;
}

Observer::Observer(std::function<std::optional<int64_t>()> probe, int64_t target, std::chrono::microseconds period,
                   std::chrono::milliseconds timeout, std::function<CpuReading()> cpu)
    : target_(target) {
    samples_.reserve(16384);
    thread_ = std::thread([this, probe = std::move(probe), period, timeout, cpu = std::move(cpu)] {
        pthread_setname_np(pthread_self(), "bench-observer");
        run(probe, period, timeout, cpu);
        struct timespec ts {};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        own_cpu_s_ = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
    });
}

Observer::~Observer() {
    stop();
}

void Observer::run(std::function<std::optional<int64_t>()> probe, std::chrono::microseconds period,
                   std::chrono::milliseconds timeout, std::function<CpuReading()> cpu) {
    const auto start = Clock::now();
    const auto deadline = start + timeout;
    auto next = start;
    while (!stop_.load(std::memory_order_relaxed) && !g_interrupted.load(std::memory_order_relaxed)) {
        const auto before = Clock::now();
        if (before >= deadline) return;
        std::optional<int64_t> value = probe();
        const auto after = Clock::now();
        if (value) {
            samples_.push_back({before + (after - before) / 2, *value});
            if (cpu && *value > 0 && !cpu_first_) cpu_first_ = cpu();
            if (*value >= target_) {
                if (cpu) cpu_target_ = cpu();
                reached_ = true;
                return;
            }
        }
        next += period;
        if (next < after) next = after;  // a slow answer: no burst of catch-up requests
        std::this_thread::sleep_until(next);
    }
}

bool Observer::wait() {
    if (thread_.joinable()) thread_.join();
    return reached_;
}

void Observer::stop() {
    stop_.store(true, std::memory_order_relaxed);
    if (thread_.joinable()) thread_.join();
}

std::optional<Sample> Observer::first_nonzero() const {
    for (const auto& s : samples_)
        if (s.value > 0) return s;
    return std::nullopt;
}

std::optional<Sample> Observer::first_at_target() const {
    for (const auto& s : samples_)
        if (s.value >= target_) return s;
    return std::nullopt;
}

std::optional<Sample> Observer::last_change_below_target() const {
    std::optional<Sample> last;
    for (size_t i = 1; i < samples_.size(); ++i)
        if (samples_[i].value < target_ && samples_[i].value != samples_[i - 1].value) last = samples_[i];
    return last;
}

}  // namespace bench
