// sluice-bench: throughput of the real `sluice` worker and its real plugins against a plain
// librdkafka client doing the same work, on the same machine and the same Kafka (a
// sluice-mock-kafka process). See bench/README.md for the method.
//
//   sluice-bench [--records N] [--runs R] [--partitions P] [--sensors S] ...  (--help)
#include "child.hpp"
#include "kafka_util.hpp"
#include "probes.hpp"
#include "raw_clients.hpp"
#include "records.hpp"

#include "common/log.hpp"
#include "config/worker_config.hpp"
#include "kafka/cluster.hpp"

#include <nlohmann/json.hpp>

#include <signal.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace bench {
namespace {

constexpr double kMockPartitionBytes = 5.0 * 1024 * 1024;  // what the mock keeps per partition

struct Options {
    uint64_t records = 1000000;
    int runs = 5;
    int partitions = 0;  // 0: from the data volume
    int sensors = 10000;
    int poll_us = 2000;
    int flush_interval_ms = 50;
    std::string only;  // "", "produce" or "consume"
    std::map<std::string, std::string> consumer_properties = {
        {"queued.min.messages", "1000000"},
        {"queued.max.messages.kbytes", "1048576"},
    };
    std::map<std::string, std::string> producer_properties;
    std::map<std::string, std::string> worker_settings;
    std::map<std::string, std::string> datagen_settings;
    std::map<std::string, std::string> source_settings;  // connector keys beside `plugin`
    std::string bin_dir, plugin_dir;
    std::string json_file;
    bool keep_temp = false;
};

const char* kUsage = R"(usage: sluice-bench [options]

Measures records/s of `sluice run` (datagen -> Kafka, Kafka -> blackhole) against a plain
librdkafka producer / consumer with the same properties, on one sluice-mock-kafka process.

  --records N              records per run (default 1000000)
  --runs R                 runs of each measurement; the median is reported (default 5)
  --partitions P           partitions per topic (default: enough for the mock's 5 MiB each)
  --sensors S              datagen sensors = distinct keys (default 10000)
  --poll-us US             how often the observers ask the broker (default 2000)
  --flush-interval-ms MS   worker offset.flush.interval.ms: how often sluice commits (default 50)
  --consumer-property K=V  librdkafka consumer property for BOTH sides (repeatable; replaces
                           the defaults queued.min.messages=1000000, queued.max.messages.kbytes=1048576;
                           K= alone drops a default)
  --producer-property K=V  librdkafka producer property for BOTH sides (repeatable)
  --worker K=V             extra worker setting, e.g. source.batch.max.records=10000 (repeatable)
  --datagen K=V            extra datagen setting, e.g. batch.size=5000 (repeatable)
  --source K=V             extra key of the produce run's source connector, e.g.
                           transaction.boundary=interval (repeatable)
  --only produce|consume   run one half only
  --bin-dir DIR            where sluice and sluice-mock-kafka are (default: next to sluice-bench)
  --plugin-dir DIR         plugin directory (default: BIN_DIR/../plugins)
  --json FILE              also write every run and the summary as JSON
  --keep-temp              keep the temporary directory (configs, logs)
)";

std::pair<std::string, std::string> key_value(const std::string& arg, const std::string& option) {
    auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) throw std::runtime_error(option + " expects KEY=VALUE, got '" + arg + "'");
    return {arg.substr(0, eq), arg.substr(eq + 1)};
}

Options parse(int argc, char** argv) {
    Options o;
    bool consumer_defaults = true;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
            return argv[++i];
        };
        auto number = [&](long min) -> long {
            std::string v = next();
            char* end = nullptr;
            long n = std::strtol(v.c_str(), &end, 10);
            if (v.empty() || *end != '\0' || n < min)
                throw std::runtime_error(a + " expects an integer >= " + std::to_string(min) + ", got '" + v + "'");
            return n;
        };
        if (a == "--records") o.records = static_cast<uint64_t>(number(1));
        else if (a == "--runs") o.runs = static_cast<int>(number(1));
        else if (a == "--partitions") o.partitions = static_cast<int>(number(1));
        else if (a == "--sensors") o.sensors = static_cast<int>(number(1));
        else if (a == "--poll-us") o.poll_us = static_cast<int>(number(100));
        else if (a == "--flush-interval-ms") o.flush_interval_ms = static_cast<int>(number(10));
        else if (a == "--consumer-property") {
            if (consumer_defaults) o.consumer_properties.clear();
            consumer_defaults = false;
            auto [k, v] = key_value(next(), a);
            if (!v.empty()) o.consumer_properties[k] = v;
        } else if (a == "--producer-property") {
            auto [k, v] = key_value(next(), a);
            o.producer_properties[k] = v;
        } else if (a == "--worker") {
            auto [k, v] = key_value(next(), a);
            o.worker_settings[k] = v;
        } else if (a == "--datagen") {
            auto [k, v] = key_value(next(), a);
            o.datagen_settings[k] = v;
        } else if (a == "--source") {
            auto [k, v] = key_value(next(), a);
            o.source_settings[k] = v;
        } else if (a == "--only") {
            o.only = next();
            if (o.only != "produce" && o.only != "consume") throw std::runtime_error("--only expects produce or consume");
        } else if (a == "--bin-dir") o.bin_dir = next();
        else if (a == "--plugin-dir") o.plugin_dir = next();
        else if (a == "--json") o.json_file = next();
        else if (a == "--keep-temp") o.keep_temp = true;
        else if (a == "--help" || a == "-h") {
            std::cout << kUsage;
            std::exit(0);
        } else {
            throw std::runtime_error("unknown option " + a + "\n" + kUsage);
        }
    }
    if (o.bin_dir.empty()) o.bin_dir = fs::read_symlink("/proc/self/exe").parent_path().string();
    if (o.plugin_dir.empty()) o.plugin_dir = (fs::path(o.bin_dir) / ".." / "plugins").lexically_normal().string();
    return o;
}

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string shell_quoted(const std::string& s) {
    if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+") ==
                          std::string::npos)
        return s;
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string tail_of(const fs::path& path, size_t lines) {
    std::ifstream in(path);
    std::vector<std::string> all;
    for (std::string line; std::getline(in, line);) all.push_back(line);
    std::string out;
    for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += "    | " + all[i] + "\n";
    return out;
}

// The number after `marker` on the last log line that has it.
std::optional<uint64_t> last_number_after(const fs::path& path, const std::string& marker) {
    std::ifstream in(path);
    std::optional<uint64_t> found;
    for (std::string line; std::getline(in, line);) {
        auto pos = line.find(marker);
        if (pos == std::string::npos) continue;
        found = std::strtoull(line.c_str() + pos + marker.size(), nullptr, 10);
    }
    return found;
}

double seconds_between(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

double median(std::vector<double> v) {
    if (v.empty()) return std::nan("");
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string fixed(double v, int decimals) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(decimals) << v;
    return s.str();
}

std::string grouped(double v) {
    if (std::isnan(v)) return "-";
    std::string digits = std::to_string(static_cast<long long>(std::llround(v)));
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string pad(const std::string& s, size_t width, bool right = false) {
    if (s.size() >= width) return s;
    return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "sluice-bench.XXXXXX").string();  // $TMPDIR or the system's
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a temporary directory");
        path_ = pattern;
    }
    ~TempDir() {
        if (keep_) return;
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }
    void keep() { keep_ = true; }

private:
    fs::path path_;
    bool keep_ = false;
};

struct Run {
    std::string side, phase;  // sluice|raw, produce|consume
    int index = 0;
    double records_per_s = 0;
    double seconds = 0;         // of the measured span
    uint64_t measured_records = 0;
    double startup_s = std::nan("");
    double peak_rss_mib = std::nan("");
    double host_rss_mib = std::nan("");  // the largest plugin host's VmHWM (plugin.isolation: process)
    double shutdown_rss_mib = std::nan("");  // VmHWM last read while it shut down
    double client_cpu_us = std::nan("");     // CPU per record of the sluice process / the raw client
    double broker_cpu_us = std::nan("");     // CPU per record of the mock cluster process
    std::string threads;  // busiest threads over the measured span, share of one core
    uint64_t window_begin = 0, window_end = 0;  // sluice consume: committed counts measured between
    double first_to_last_records_per_s = std::nan("");  // raw consume: first record to last
    double observed_records_per_s = std::nan("");  // raw produce: the watermark observer's view
    int samples = 0;
    std::string note;
};

class Bench {
public:
    Bench(Options o, std::string command) : o_(std::move(o)), command_(std::move(command)) {}

    int run() {
        sluice_ = (fs::path(o_.bin_dir) / "sluice").string();
        mock_path_ = (fs::path(o_.bin_dir) / "sluice-mock-kafka").string();
        for (const auto& p : {sluice_, mock_path_})
            if (::access(p.c_str(), X_OK) != 0) throw std::runtime_error(p + " is not an executable (build it first)");
        if (!fs::is_directory(o_.plugin_dir)) throw std::runtime_error(o_.plugin_dir + " is not a directory");
        plugin_dir_abs_ = fs::absolute(o_.plugin_dir).lexically_normal().string();
        if (o_.keep_temp) tmp_.keep();
        std::cout << "sluice-bench: temporary directory " << tmp_.path().string() << (o_.keep_temp ? " (kept)" : "") << "\n";

        // The records, from the datagen plugin and the first produce pipeline file.
        write_produce_pipeline(1);
        auto t0 = Clock::now();
        records_ = RecordSet::generate(plugin_dir_abs_, pipeline_path("produce", 1).string(), o_.records);
        double gen_s = seconds_between(t0, Clock::now());
        bytes_per_record_ = static_cast<double>(records_.payload_bytes()) / static_cast<double>(records_.size());
        std::cout << "records: " << records_.size() << " from datagen (sensors=" << o_.sensors << "), key "
                  << fixed(records_.mean_key_size(), 1) << " B + value " << fixed(records_.mean_value_size(), 1)
                  << " B = " << fixed(bytes_per_record_, 1) << " B per record; generated in-process in "
                  << fixed(gen_s, 2) << " s (" << fixed(gen_s * 1e9 / static_cast<double>(records_.size()), 0)
                  << " ns/record incl. copy)\n";

        partitions_ = o_.partitions;
        if (partitions_ == 0) {
            // Record batch framing adds ~12 B per record; 1.5x covers uneven key hashing.
            double need = static_cast<double>(o_.records) * (bytes_per_record_ + 12) * 1.5 / kMockPartitionBytes;
            partitions_ = std::max(8, static_cast<int>(std::ceil(need / 8)) * 8);
        }
        fresh_cluster();
        print_setup();

        const bool produce = o_.only.empty() || o_.only == "produce";
        const bool consume = o_.only.empty() || o_.only == "consume";
        if (produce) {
            std::cout << "\n== produce: datagen -> Kafka (sluice) vs plain producer (raw), " << o_.records << " records\n";
            for (int i = 1; i <= o_.runs; ++i) {
                // Each pair gets a cluster of its own: one cluster holding every run's
                // data (GiBs) slows down as it grows, which showed as a drift between runs.
                // Within a pair the order alternates, so neither side always goes first.
                if (i > 1) fresh_cluster();
                Run s, r;
                if (i % 2) {
                    s = sluice_produce(i);
                    r = raw_produce_run(i);
                } else {
                    r = raw_produce_run(i);
                    s = sluice_produce(i);
                }
                report(s);
                report(r);
                pair_ratios_["produce"].push_back(s.records_per_s / r.records_per_s);
            }
        }
        if (consume) {
            std::cout << "\n== consume: Kafka -> blackhole (sluice) vs plain consumer (raw), " << o_.records << " records\n";
            if (produce) fresh_cluster();
            fill_consume_topic();
            for (int i = 1; i <= o_.runs; ++i) {
                Run s, r;
                ConsumeResult c;
                if (i % 2) {
                    s = sluice_consume(i);
                    r = raw_consume_run(i, c);
                } else {
                    r = raw_consume_run(i, c);
                    s = sluice_consume(i);
                }
                // The plain consumer over the same records as sluice's measured window.
                if (s.window_end > s.window_begin) {
                    const double span = seconds_between(c.time_at(s.window_begin), c.time_at(s.window_end));
                    if (span > 0) {
                        r.seconds = span;
                        r.measured_records = s.window_end - s.window_begin;
                        r.records_per_s = static_cast<double>(r.measured_records) / span;
                        r.note = "(records " + std::to_string(s.window_begin) + ".." + std::to_string(s.window_end) +
                                 ", sluice's window; first to last record: " + grouped(r.first_to_last_records_per_s) +
                                 "/s)";
                    }
                }
                report(s);
                report(r);
                pair_ratios_["consume"].push_back(s.records_per_s / r.records_per_s);
            }
        }
        stop_mock();
        summary();
        return 0;
    }

private:
    fs::path pipeline_path(const std::string& phase, int i) const {
        return tmp_.path() / (phase + "-" + std::to_string(i) + ".yaml");
    }
    std::string produce_topic(const std::string& side, int i) const { return "bench.produce." + side + "." + std::to_string(i); }
    static constexpr const char* kConsumeTopic = "bench.consume";

    void write_produce_pipeline(int i) {
        std::ostringstream y;
        y << "name: bench-produce-" << i << "\n"
          << "source:\n"
          << "  name: datagen\n"
          << "  plugin: datagen\n"
          << "  topic: " << produce_topic("sluice", i) << "\n";
        for (const auto& [k, v] : o_.source_settings) y << "  " << k << ": " << quoted(v) << "\n";
        y << "  config:\n"
          << "    sensors: " << o_.sensors << "\n"
          << "    rate: 0\n"
          << "    max.records: " << o_.records << "\n";
        for (const auto& [k, v] : o_.datagen_settings) y << "    " << k << ": " << quoted(v) << "\n";
        write_file(pipeline_path("produce", i), y.str());
    }

    void write_consume_pipeline(int i) {
        std::ostringstream y;
        y << "name: bench-consume-" << i << "\n"
          << "sinks:\n"
          << "  - name: blackhole\n"
          << "    plugin: blackhole\n"
          << "    topics: [" << kConsumeTopic << "]\n";
        write_file(pipeline_path("consume", i), y.str());
    }

    void start_mock() {
        fs::path bootstrap_file = tmp_.path() / "bootstrap";
        fs::remove(bootstrap_file);  // a previous cluster's address must not be read as this one's
        std::vector<std::string> argv = {mock_path_, "--bootstrap-file", bootstrap_file.string(), "--topic",
                                         "sluice-offsets:25"};
        auto topic = [&](const std::string& name) {
            argv.push_back("--topic");
            argv.push_back(name + ":" + std::to_string(partitions_));
        };
        if (o_.only.empty() || o_.only == "consume") topic(kConsumeTopic);
        if (o_.only.empty() || o_.only == "produce")
            for (int i = 1; i <= o_.runs; ++i) {
                topic(produce_topic("sluice", i));
                topic(produce_topic("raw", i));
            }
        mock_log_ = tmp_.path() / "mock-kafka.log";
        mock_ = Child::spawn(argv, mock_log_.string());
        const auto deadline = Clock::now() + std::chrono::seconds(20);
        while (!fs::exists(bootstrap_file)) {
            if (!mock_.running()) throw std::runtime_error("sluice-mock-kafka exited:\n" + tail_of(mock_log_, 20));
            if (Clock::now() > deadline || g_interrupted) throw std::runtime_error("sluice-mock-kafka did not start");
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        std::ifstream(bootstrap_file) >> bootstrap_;
    }

    // A new mock cluster (its topics pre-created), and the worker file and client
    // properties that point at it.
    void fresh_cluster() {
        if (mock_.running()) stop_mock();
        start_mock();
        write_worker_file();
        load_client_properties();
    }

    void stop_mock() {
        auto e = mock_.stop(std::chrono::seconds(10));
        if (!e.clean()) std::cout << "note: sluice-mock-kafka " << e.describe() << "\n";
    }

    void write_worker_file() {
        std::ostringstream y;
        y << "# written by sluice-bench\n"
          << "worker:\n  id: bench\n"
          << "kafka:\n  bootstrap.servers: " << quoted(bootstrap_) << "\n";
        auto map = [&](const char* name, const std::map<std::string, std::string>& m) {
            if (m.empty()) return;
            y << "  " << name << ":\n";
            for (const auto& [k, v] : m) y << "    " << k << ": " << quoted(v) << "\n";
        };
        map("producer", o_.producer_properties);
        map("consumer", o_.consumer_properties);
        y << "plugin.path: [" << quoted(plugin_dir_abs_) << "]\n"
          << "offset.flush.interval.ms: " << o_.flush_interval_ms << "\n";
        for (const auto& [k, v] : o_.worker_settings) y << k << ": " << quoted(v) << "\n";
        worker_file_ = tmp_.path() / "worker.yaml";
        write_file(worker_file_, y.str());
    }

    // The very property sets the worker's producers and consumers get, from the same file.
    void load_client_properties() {
        sluice::config::Diagnostics diags;
        auto worker = sluice::config::load_worker_config(worker_file_.string(), diags);
        if (!worker) throw std::runtime_error("the generated worker file is invalid:\n" + diags.format());
        flush_interval_ms_ = worker->offset_flush_interval_ms;
        std::string error;
        auto cluster = sluice::kafka::Cluster::connect(*worker, error);
        if (!cluster) throw std::runtime_error(error);
        producer_properties_ = cluster->producer_properties();
        consumer_properties_ = cluster->consumer_properties();
        producer_properties_["client.id"] = "bench-raw-producer";
        consumer_properties_["client.id"] = "bench-raw-consumer";
    }

    void print_setup() {
        struct utsname u {};
        uname(&u);
        std::cout << "cluster: sluice-mock-kafka at " << bootstrap_ << ", " << partitions_ << " partitions per topic; librdkafka "
                  << rd_kafka_version_str() << "; " << std::thread::hardware_concurrency() << " CPUs; " << u.sysname << " "
                  << u.release << "\n";
        auto props = [](const Properties& p) {
            std::string out;
            for (const auto& [k, v] : p)
                if (k != "bootstrap.servers" && k != "client.id") out += (out.empty() ? "" : " ") + k + "=" + v;
            return out;
        };
        std::cout << "producer properties (both sides): " << props(producer_properties_) << "\n"
                  << "consumer properties (both sides): " << props(consumer_properties_) << "\n"
                  << "sluice: offset.flush.interval.ms=" << flush_interval_ms_;
        for (const auto& [k, v] : o_.worker_settings) std::cout << " " << k << "=" << v;
        for (const auto& [k, v] : o_.datagen_settings) std::cout << " datagen." << k << "=" << v;
        for (const auto& [k, v] : o_.source_settings) std::cout << " source." << k << "=" << v;
        std::cout << "\n";
    }

    void report(const Run& r) {
        runs_.push_back(r);
        std::cout << "  " << pad(r.side, 6) << " " << pad(r.phase, 7) << " run " << r.index << ": "
                  << pad(grouped(r.records_per_s), 10, true) << " records/s, "
                  << pad(fixed(r.records_per_s * bytes_per_record_ / 1e6, 1), 5, true) << " MB/s (" << r.measured_records
                  << " records in " << fixed(r.seconds * 1000, 1) << " ms";
        if (!std::isnan(r.client_cpu_us)) std::cout << "; CPU/record " << fixed(r.client_cpu_us, 2) << " us";
        if (!std::isnan(r.broker_cpu_us)) std::cout << " + mock " << fixed(r.broker_cpu_us, 2) << " us";
        if (!std::isnan(r.startup_s)) std::cout << "; first record after " << fixed(r.startup_s * 1000, 1) << " ms";
        if (!std::isnan(r.peak_rss_mib)) std::cout << "; VmHWM " << fixed(r.peak_rss_mib, 1) << " MiB";
        if (!std::isnan(r.host_rss_mib)) std::cout << " (plugin host " << fixed(r.host_rss_mib, 1) << " MiB)";
        if (!std::isnan(r.observed_records_per_s)) std::cout << "; watermarks say " << grouped(r.observed_records_per_s) << "/s";
        if (r.samples) std::cout << "; " << r.samples << (r.phase == "consume" ? " commits seen" : " samples");
        std::cout << ")" << (r.note.empty() ? "" : " " + r.note) << "\n";
        if (!r.threads.empty()) std::cout << "      threads: " << r.threads << "\n";
        std::cout << std::flush;
    }

    void check_interrupted() const {
        if (g_interrupted) throw std::runtime_error("interrupted");
    }

    std::vector<std::string> sluice_argv(const fs::path& pipeline) const {
        return {sluice_, "run", "--worker", worker_file_.string(), pipeline.string()};
    }

    // Stops the worker and checks that it ended well; fills the VmHWM figures.
    void stop_sluice(Child& child, const fs::path& log, Run& r) {
        r.peak_rss_mib = static_cast<double>(child.peak_rss_kb().value_or(0)) / 1024.0;
        if (auto host = child.children_peak_rss_kb()) r.host_rss_mib = static_cast<double>(*host) / 1024.0;
        auto e = child.stop(std::chrono::seconds(40));
        if (!e.clean())
            throw std::runtime_error("sluice did not stop cleanly (" + e.describe() + "); its log " + log.string() + ":\n" +
                                     tail_of(log, 30));
        r.shutdown_rss_mib = static_cast<double>(e.peak_rss_kb) / 1024.0;
    }

    std::optional<double> mock_cpu() const { return mock_.cpu_seconds(); }
    CpuReading sluice_cpu(const Child& child) const {
        return read_cpu(child.pid(), child.cpu_seconds().value_or(0), mock_.pid(), mock_cpu().value_or(0));
    }
    CpuReading own_cpu() const { return read_cpu(::getpid(), process_cpu_seconds(), mock_.pid(), mock_cpu().value_or(0)); }

    // CPU per record between the observer's two events; the observer's own share (when
    // it ran in the measured process) is taken out pro rata.
    void cpu_per_record(Run& r, const std::optional<CpuReading>& a, const std::optional<CpuReading>& b, uint64_t records,
                        double observer_share_s = 0) const {
        if (!a || !b || records == 0) return;
        r.client_cpu_us = (b->client - a->client - observer_share_s) * 1e6 / static_cast<double>(records);
        r.broker_cpu_us = (b->broker - a->broker) * 1e6 / static_cast<double>(records);
        r.threads = thread_shares(*a, *b);
    }

    Run sluice_produce(int i) {
        check_interrupted();
        write_produce_pipeline(i);
        const std::string topic = produce_topic("sluice", i);
        HighWatermarks hw(bootstrap_, topic, partitions_);
        if (hw.sum(5000).value_or(-1) != 0) throw std::runtime_error("topic " + topic + " is not empty");
        fs::path log = tmp_.path() / ("produce-" + std::to_string(i) + ".log");
        const auto spawned = Clock::now();
        Child child = Child::spawn(sluice_argv(pipeline_path("produce", i)), log.string());
        Observer observer([&] { return hw.sum(); }, static_cast<int64_t>(o_.records), std::chrono::microseconds(o_.poll_us),
                          std::chrono::seconds(300), [&] { return sluice_cpu(child); });
        if (!observer.wait()) {
            observer.stop();
            child.stop(std::chrono::seconds(10));
            throw std::runtime_error("sluice did not get " + std::to_string(o_.records) + " records into " + topic +
                                     "; its log:\n" + tail_of(log, 30));
        }
        Run r;
        r.side = "sluice";
        r.phase = "produce";
        r.index = i;
        stop_sluice(child, log, r);
        auto first = observer.first_nonzero();
        auto end = observer.first_at_target();
        r.startup_s = seconds_between(spawned, first->at);
        r.seconds = seconds_between(first->at, end->at);
        r.measured_records = o_.records - static_cast<uint64_t>(first->value);
        r.records_per_s = static_cast<double>(r.measured_records) / r.seconds;
        r.samples = static_cast<int>(observer.samples().size());
        cpu_per_record(r, observer.cpu_at_first(), observer.cpu_at_target(), r.measured_records);
        auto acked = last_number_after(log, "stopped: ");
        if (!acked || *acked != o_.records)
            r.note = "(warning: the worker reports " + (acked ? std::to_string(*acked) : std::string("no")) +
                     " records acknowledged)";
        return r;
    }

    Run raw_produce_run(int i) {
        check_interrupted();
        const std::string topic = produce_topic("raw", i);
        HighWatermarks hw(bootstrap_, topic, partitions_);
        if (hw.sum(5000).value_or(-1) != 0) throw std::runtime_error("topic " + topic + " is not empty");
        // The same observer as for sluice runs alongside: same load on the broker, and a
        // second opinion on the rate measured the way sluice's is.
        const auto observer_start = Clock::now();
        Observer observer([&] { return hw.sum(); }, static_cast<int64_t>(o_.records), std::chrono::microseconds(o_.poll_us),
                          std::chrono::seconds(300),
                          [&] { return own_cpu(); });
        ProduceResult p =
            raw_produce(producer_properties_, topic, records_, std::chrono::seconds(300), [&] { observer.wait(); });
        observer.wait();
        const double observer_life = seconds_between(observer_start, Clock::now());
        if (p.failed > 0)
            throw std::runtime_error("the raw producer lost " + std::to_string(p.failed) + " records: " + p.first_error);
        Run r;
        r.side = "raw";
        r.phase = "produce";
        r.index = i;
        r.seconds = p.seconds();
        r.measured_records = p.acked;
        r.records_per_s = static_cast<double>(p.acked) / r.seconds;
        auto first = observer.first_nonzero();
        auto end = observer.first_at_target();
        if (first && end && end->at > first->at) {
            const uint64_t n = o_.records - static_cast<uint64_t>(first->value);
            const double span = seconds_between(first->at, end->at);
            r.observed_records_per_s = static_cast<double>(n) / span;
            cpu_per_record(r, observer.cpu_at_first(), observer.cpu_at_target(), n,
                           observer.own_cpu_seconds() * span / observer_life);
        }
        r.samples = static_cast<int>(observer.samples().size());
        return r;
    }

    void fill_consume_topic() {
        ProduceResult p = raw_produce(producer_properties_, kConsumeTopic, records_, std::chrono::seconds(300));
        if (p.failed > 0) throw std::runtime_error("filling " + std::string(kConsumeTopic) + " failed: " + p.first_error);
        // Every record must still be there: the mock deletes the oldest past 5 MiB a partition.
        rd_kafka_t* rk = new_client(RD_KAFKA_PRODUCER, {{"bootstrap.servers", bootstrap_}});
        int64_t total = 0, lost = 0;
        for (int part = 0; part < partitions_; ++part) {
            int64_t low = 0, high = 0;
            rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, kConsumeTopic, part, &low, &high, 5000);
            if (err) {
                rd_kafka_destroy(rk);
                throw std::runtime_error(std::string("watermarks of ") + kConsumeTopic + ": " + rd_kafka_err2str(err));
            }
            total += high - low;
            lost += low;
        }
        rd_kafka_destroy(rk);
        if (lost > 0 || total != static_cast<int64_t>(o_.records))
            throw std::runtime_error(std::string(kConsumeTopic) + " holds " + std::to_string(total) + " records, " +
                                     std::to_string(lost) + " were dropped by the mock's 5 MiB per partition: use more --partitions");
        std::cout << "  " << kConsumeTopic << " filled with " << total << " records by the raw producer ("
                  << grouped(static_cast<double>(p.acked) / p.seconds()) << " records/s)" << std::endl;
    }

    Run sluice_consume(int i) {
        check_interrupted();
        write_consume_pipeline(i);
        const std::string group = "sluice-bench-consume-" + std::to_string(i) + ".blackhole";
        CommittedOffsets committed(bootstrap_, group, kConsumeTopic, partitions_);
        if (committed.sum(10000).value_or(-1) != 0) throw std::runtime_error("group " + group + " already has offsets");
        fs::path log = tmp_.path() / ("consume-" + std::to_string(i) + ".log");
        Child child = Child::spawn(sluice_argv(pipeline_path("consume", i)), log.string());
        Observer observer([&] { return committed.sum(); }, static_cast<int64_t>(o_.records),
                          std::chrono::microseconds(o_.poll_us), std::chrono::seconds(300),
                          [&] { return sluice_cpu(child); });
        if (!observer.wait()) {
            observer.stop();
            child.stop(std::chrono::seconds(10));
            throw std::runtime_error("sluice did not commit " + std::to_string(o_.records) + " records of " + kConsumeTopic +
                                     "; its log:\n" + tail_of(log, 30));
        }
        Run r;
        r.side = "sluice";
        r.phase = "consume";
        r.index = i;
        stop_sluice(child, log, r);
        // Commits come every offset.flush.interval.ms while records flow: the rate is the slope
        // between the first commit and the last one before the end. The final commit is
        // left out: it can come up to a flush interval (plus a 100 ms idle fetch) late.
        auto first = observer.first_nonzero();
        auto last = observer.last_change_below_target();
        if (!last || last->value <= first->value ||
            static_cast<uint64_t>(last->value - first->value) < o_.records / 2)
            throw std::runtime_error("sluice committed too seldom during the run to measure a rate (first commit at " +
                                     std::to_string(first->value) + " records, last before the end at " +
                                     std::to_string(last ? last->value : 0) + " of " + std::to_string(o_.records) +
                                     "): lower --flush-interval-ms or raise --records");
        r.seconds = seconds_between(first->at, last->at);
        r.measured_records = static_cast<uint64_t>(last->value - first->value);
        r.window_begin = static_cast<uint64_t>(first->value);
        r.window_end = static_cast<uint64_t>(last->value);
        r.records_per_s = static_cast<double>(r.measured_records) / r.seconds;
        int changes = 0;
        for (size_t k = 1; k < observer.samples().size(); ++k)
            changes += observer.samples()[k].value != observer.samples()[k - 1].value;
        r.samples = changes;
        // CPU from the first commit to the final one (the tail is mostly idle).
        cpu_per_record(r, observer.cpu_at_first(), observer.cpu_at_target(),
                       o_.records - static_cast<uint64_t>(first->value));
        auto written = last_number_after(log, "stopped: ");
        if (!written || *written != o_.records)
            r.note += " (warning: the worker reports " + (written ? std::to_string(*written) : std::string("no")) +
                      " records written)";
        return r;
    }

    Run raw_consume_run(int i, ConsumeResult& c) {
        check_interrupted();
        const std::string group = "bench-raw-consume-" + std::to_string(i);
        Properties props = consumer_properties_;
        props["group.id"] = group;
        // The same observer load as on sluice's runs (this group never commits).
        CommittedOffsets committed(bootstrap_, group, kConsumeTopic, partitions_);
        committed.sum(10000);
        const auto observer_start = Clock::now();
        Observer observer([&] { return committed.sum(); }, std::numeric_limits<int64_t>::max(),
                          std::chrono::microseconds(o_.poll_us), std::chrono::seconds(300));
        c = raw_consume(props, kConsumeTopic, o_.records, std::chrono::seconds(300), [&] { return own_cpu(); });
        observer.stop();
        const double observer_life = seconds_between(observer_start, Clock::now());
        if (c.records < o_.records)
            throw std::runtime_error("the raw consumer got " + std::to_string(c.records) + " of " +
                                     std::to_string(o_.records) + " records");
        Run r;
        r.side = "raw";
        r.phase = "consume";
        r.index = i;
        r.seconds = c.seconds();
        r.measured_records = c.records - 1;  // from the first record's arrival to the last's
        r.records_per_s = static_cast<double>(r.measured_records) / r.seconds;
        r.first_to_last_records_per_s = r.records_per_s;
        cpu_per_record(r, c.cpu_first, c.cpu_last, r.measured_records,
                       observer.own_cpu_seconds() * r.seconds / observer_life);
        return r;
    }

    std::vector<double> values(const std::string& side, const std::string& phase, double Run::*field) const {
        std::vector<double> out;
        for (const auto& r : runs_)
            if (r.side == side && r.phase == phase && !std::isnan(r.*field)) out.push_back(r.*field);
        return out;
    }

    void summary() {
        auto rate = [&](const char* side, const char* phase) { return median(values(side, phase, &Run::records_per_s)); };
        const double sp = rate("sluice", "produce"), rp = rate("raw", "produce");
        const double sc = rate("sluice", "consume"), rc = rate("raw", "consume");
        auto mb = [&](double r) { return std::isnan(r) ? std::string("-") : fixed(r * bytes_per_record_ / 1e6, 1); };
        auto ratio = [](double a, double b) { return std::isnan(a) || std::isnan(b) ? std::string("-") : fixed(a / b, 3); };
        auto verdict = [](double a, double b, double goal) {
            if (std::isnan(a) || std::isnan(b)) return std::string();
            return a / b >= goal ? std::string("met") : std::string("NOT met");
        };
        auto spread = [&](const char* side, const char* phase) {
            auto v = values(side, phase, &Run::records_per_s);
            if (v.empty()) return std::string("-");
            auto [lo, hi] = std::minmax_element(v.begin(), v.end());
            return grouped(*lo) + ".." + grouped(*hi);
        };

        std::cout << "\n== summary: median of " << o_.runs << " runs, " << o_.records << " records of "
                  << fixed(bytes_per_record_, 1) << " B (key+value) per run, MB = 10^6 B of key+value\n\n";
        std::cout << pad("", 9) << pad("sluice rec/s", 14, true) << pad("MB/s", 8, true) << pad("raw rec/s", 14, true)
                  << pad("MB/s", 8, true) << pad("sluice/raw", 12, true) << pad("goal", 8, true) << "\n";
        auto row = [&](const char* name, double s, double r, double goal) {
            std::cout << pad(name, 9) << pad(grouped(s), 14, true) << pad(mb(s), 8, true) << pad(grouped(r), 14, true)
                      << pad(mb(r), 8, true) << pad(ratio(s, r), 12, true) << pad(">= " + fixed(goal, 2), 8, true) << "  "
                      << verdict(s, r, goal) << "\n";
        };
        row("produce", sp, rp, 0.90);
        row("consume", sc, rc, 0.85);
        auto pairs = [&](const char* phase) {
            auto it = pair_ratios_.find(phase);
            if (it == pair_ratios_.end() || it->second.empty()) return std::string("-");
            auto [lo, hi] = std::minmax_element(it->second.begin(), it->second.end());
            return fixed(median(it->second), 3) + " (" + fixed(*lo, 3) + ".." + fixed(*hi, 3) + ")";
        };
        std::cout << "\nratio of each sluice run to the raw run next to it, median (min..max): produce " << pairs("produce")
                  << ", consume " << pairs("consume");
        const double rp_watermarks = median(values("raw", "produce", &Run::observed_records_per_s));
        if (!std::isnan(rp_watermarks))
            std::cout << "\nraw produce measured like sluice (high watermarks, first record seen to last): "
                      << grouped(rp_watermarks) << " records/s median";
        std::cout << "\nrange (min..max records/s): produce sluice " << spread("sluice", "produce") << ", raw "
                  << spread("raw", "produce") << "; consume sluice " << spread("sluice", "consume") << ", raw "
                  << spread("raw", "consume") << "\n";
        auto cpu = [&](const char* side, const char* phase) {
            auto c = median(values(side, phase, &Run::client_cpu_us));
            auto b = median(values(side, phase, &Run::broker_cpu_us));
            return std::isnan(c) ? std::string("-") : fixed(c, 2) + " + mock " + fixed(b, 2);
        };
        std::cout << "CPU us/record (process doing the work + mock broker), median: produce sluice "
                  << cpu("sluice", "produce") << ", raw " << cpu("raw", "produce") << "; consume sluice "
                  << cpu("sluice", "consume") << ", raw " << cpu("raw", "consume") << "\n";
        auto rss = [&](const char* phase) {
            auto hwm = values("sluice", phase, &Run::peak_rss_mib);
            auto late = values("sluice", phase, &Run::shutdown_rss_mib);
            if (hwm.empty()) return std::string("-");
            return fixed(median(hwm), 1) + " MiB (max " + fixed(*std::max_element(hwm.begin(), hwm.end()), 1) +
                   "; incl. shutdown " + fixed(median(late), 1) + ")";
        };
        std::cout << "sluice peak RSS (VmHWM just before SIGTERM, median): produce " << rss("produce") << ", consume "
                  << rss("consume") << "\n";
        auto startup = values("sluice", "produce", &Run::startup_s);
        if (!startup.empty()) {
            auto [lo, hi] = std::minmax_element(startup.begin(), startup.end());
            std::cout << "sluice start-up, spawn of `sluice run` to its first record in the topic: "
                      << fixed(median(startup) * 1000, 1) << " ms median (" << fixed(*lo * 1000, 1) << ".."
                      << fixed(*hi * 1000, 1) << ")\n";
        }
        std::cout << "load average before / after: " << load_before_ << " / " << load_average() << "\n";
        std::cout << "consumer tuning (both sides):";
        for (const auto& [k, v] : o_.consumer_properties) std::cout << " " << k << "=" << v;
        std::cout << "\ncommand: " << command_ << "\n";

        if (!o_.json_file.empty()) {
            nlohmann::json j;
            j["command"] = command_;
            j["records"] = o_.records;
            j["runs"] = o_.runs;
            j["partitions"] = partitions_;
            j["bytes_per_record"] = bytes_per_record_;
            j["librdkafka"] = rd_kafka_version_str();
            j["producer_properties"] = producer_properties_;
            j["consumer_properties"] = consumer_properties_;
            j["median"] = {{"sluice_produce", sp}, {"raw_produce", rp}, {"sluice_consume", sc}, {"raw_consume", rc}};
            for (const auto& r : runs_) {
                nlohmann::json x = {{"side", r.side}, {"phase", r.phase}, {"run", r.index},
                                    {"records_per_s", r.records_per_s}, {"seconds", r.seconds},
                                    {"measured_records", r.measured_records}};
                if (!std::isnan(r.startup_s)) x["startup_s"] = r.startup_s;
                if (!std::isnan(r.peak_rss_mib)) x["vmhwm_mib"] = r.peak_rss_mib;
                if (!std::isnan(r.host_rss_mib)) x["plugin_host_vmhwm_mib"] = r.host_rss_mib;
                if (!std::isnan(r.shutdown_rss_mib)) x["vmhwm_incl_shutdown_mib"] = r.shutdown_rss_mib;
                if (!std::isnan(r.client_cpu_us)) x["cpu_us_per_record"] = r.client_cpu_us;
                if (!std::isnan(r.broker_cpu_us)) x["mock_cpu_us_per_record"] = r.broker_cpu_us;
                j["runs_detail"].push_back(x);
            }
            std::ofstream(o_.json_file) << j.dump(2) << "\n";
        }
    }

    Options o_;
    std::string command_;
    TempDir tmp_;
    std::string sluice_, mock_path_, plugin_dir_abs_, bootstrap_;
    fs::path worker_file_, mock_log_;
    Child mock_;
    RecordSet records_;
    double bytes_per_record_ = 0;
    int partitions_ = 0;
    int64_t flush_interval_ms_ = 0;
    Properties producer_properties_, consumer_properties_;
    std::vector<Run> runs_;
    std::map<std::string, std::vector<double>> pair_ratios_;  // sluice run i / raw run i
    std::string load_before_ = load_average();
};

void on_signal(int) { g_interrupted.store(true); }

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
    std::string command;
    for (int i = 0; i < argc; ++i) {
        if (i > 0) command += ' ';
        command += bench::shell_quoted(argv[i]);
    }
    struct sigaction sa {};
    sa.sa_handler = &bench::on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sluice::log::set_level(sluice::log::Level::warn);
    try {
        bench::Bench b(bench::parse(argc, argv), command);
        return b.run();
    } catch (const std::exception& e) {
        std::cerr << "sluice-bench: " << e.what() << "\n";
        return 1;
    }
}
