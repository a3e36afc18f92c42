// The blackhole sink: counts records and bytes, keeps nothing. It measures what the rest
// of the pipeline can deliver, so put() must cost as close to nothing as possible.
#include "throughput_counter.hpp"

#include <sluice/config_kit.hpp>
#include <sluice/sdk.hpp>

#include <chrono>
#include <string>

namespace sluice::blackhole {
namespace {

struct Settings {
    std::chrono::milliseconds report_interval{};

    static const sluice::config_kit::Spec<Settings>& spec() {
        static const auto built = [] {
            sluice::config_kit::Spec<Settings> k;
            k.key("report.interval.ms", &Settings::report_interval, "How often, at most, to log the record and byte counts; 0 never does.").default_value(10000).at_least(0);
            return k;
        }();
        return built;
    }
};

class BlackholeSink : public sluice::Sink {
public:
    static std::vector<sluice::ConfigKey> config_keys() { return Settings::spec().keys(); }

    BlackholeSink(const sluice::Config& config, sluice::TaskContext& context)
        : context_(context), counter_(Settings::spec().parse(config).report_interval, std::chrono::steady_clock::now()) {}

    ~BlackholeSink() override { context_.info("blackhole: total " + counter_.totals_text()); }

    void put(const sluice::SinkRecords& records) override {
        std::uint64_t bytes = 0;
        for (const sluice::SinkRecord record : records) bytes += record.raw()->key.size + record.raw()->value.size;
        counter_.add(records.size(), bytes);
        report_if_due();
    }

    void flush(std::span<sluice::TopicPartition>) override { report_if_due(); }

private:
    void report_if_due() {
        if (auto line = counter_.report_if_due(std::chrono::steady_clock::now())) context_.info("blackhole: " + *line);
    }

    sluice::TaskContext& context_;
    ThroughputCounter counter_;
};

}  // namespace
}  // namespace sluice::blackhole

SLUICE_SINK(sluice::blackhole::BlackholeSink, "blackhole", "1.0.0",
            "Counts and discards every record (for benchmarks)")
