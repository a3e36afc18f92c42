// The live record tap: copies of the records a connector's tasks move, for REST clients
// watching them (GET /connectors/{name}/tap). Sources offer each record once Kafka has
// acknowledged it (after the transform chain, with its partition and offset), sinks each
// record handed to put (after their transform chain).
//
// The pipeline never waits for a watcher: with nobody tapping a connector a record costs
// one atomic load; otherwise each watcher takes a sample (sample rate, maximum rate) into
// a bounded ring of its own, and a watcher that does not keep up loses the oldest records
// and is told how many. Copies are cut to kMaxBytes per key and value.
#pragma once

#include <sluice/abi.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sluice::runtime {

struct TapRecord {
    std::string connector;
    int task = 0;
    const char* stage = "";  // "source" or "sink"
    std::string topic;
    int32_t partition = -1;
    int64_t offset = -1;
    int64_t timestamp_ms = -1;
    std::optional<std::string> key, value;  // nullopt: null
    std::vector<std::pair<std::string, std::optional<std::string>>> headers;
    bool truncated = false;  // a key or value was longer than kMaxBytes

    static constexpr size_t kMaxBytes = 64 * 1024;
    // Copies `bytes` (cut to kMaxBytes); null data is a null field.
    void set_key(const char* data, size_t size);
    void set_value(const char* data, size_t size);
};

// A record from a source's delivery report (Kafka's partition and offset), or as a sink's
// put receives it.
void fill_tap_record(TapRecord& r, const sluice_record& record);

class TapWatcher {
public:
    struct Options {
        double sample = 1.0;    // fraction of the records taken, in (0, 1]
        double max_rate = 100;  // records per second at most (a burst of one second's worth)
        size_t buffer = 256;    // records held for a reader that is behind
    };
    explicit TapWatcher(Options options);

    // The pipeline's side: whether to take this record (sampling, then the rate).
    bool admit();
    void push(std::shared_ptr<const TapRecord> record);

    // The reader's side: what arrived since the last call, and how many records were lost
    // (`dropped`: the ring was full; `rate_limited`: over max_rate) since then.
    struct Batch {
        std::vector<std::shared_ptr<const TapRecord>> records;
        uint64_t dropped = 0;
        uint64_t rate_limited = 0;
    };
    Batch take();
    const Options& options() const { return options_; }

private:
    const Options options_;
    std::mutex mutex_;
    double sampled_ = 0;  // accumulated fractions of `sample`
    double tokens_;
    std::chrono::steady_clock::time_point refilled_;
    std::deque<std::shared_ptr<const TapRecord>> ring_;
    uint64_t dropped_ = 0, rate_limited_ = 0;
};

// Every watcher of one connector.
class TapChannel {
public:
    bool active() const { return watchers_.load(std::memory_order_relaxed) > 0; }
    // Builds the record (once, only if some watcher admits it) and hands it to them.
    void offer(const std::function<void(TapRecord&)>& build);
    void add(const std::shared_ptr<TapWatcher>& w);
    void remove(const TapWatcher* w);
    size_t watchers() const { return static_cast<size_t>(watchers_.load()); }

private:
    std::atomic<int> watchers_{0};
    std::mutex mutex_;
    std::vector<std::shared_ptr<TapWatcher>> list_;
};

// The process's taps by connector name (a connector deleted and created again under the
// same name keeps its watchers).
class TapHub {
public:
    static TapHub& instance();
    std::shared_ptr<TapChannel> channel(const std::string& connector);
    // A watcher of `connector`, removed when the returned handle goes.
    struct Subscription {
        std::shared_ptr<TapChannel> channel;
        std::shared_ptr<TapWatcher> watcher;
        ~Subscription();
    };
    std::unique_ptr<Subscription> subscribe(const std::string& connector, TapWatcher::Options options);
    size_t watchers() const;  // in all

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<TapChannel>> channels_;
};

// A task's handle on its connector's channel.
class TapPoint {
public:
    TapPoint(const std::string& connector, int task, const char* stage)
        : channel_(TapHub::instance().channel(connector)), connector_(connector), task_(task), stage_(stage) {}
    bool active() const { return channel_->active(); }
    void offer(const std::function<void(TapRecord&)>& fill) {
        channel_->offer([&](TapRecord& r) {
            r.connector = connector_;
            r.task = task_;
            r.stage = stage_;
            fill(r);
        });
    }

private:
    std::shared_ptr<TapChannel> channel_;
    std::string connector_;
    int task_;
    const char* stage_;
};

}  // namespace sluice::runtime
