// What the integration tests share: where the built programs are (compile definitions
// from tests/integration/CMakeLists.txt), a mock Kafka cluster in its own process, a
// `sluice run` worker process with its log, kcat as an outside client, and readers for the
// file sink's envelope output. Everything runs on 127.0.0.1; every wait is bounded.
#pragma once

#include "process.hpp"
#include "temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::it {

using namespace std::chrono_literals;
using testing::ExitStatus;
using testing::exited;
using testing::Process;
using testing::TempDir;

// Paths of the programs under test.
std::string sluice_bin();
std::string mock_kafka_bin();
std::string plugin_dir();
std::string fixture_plugin_dir();
std::string source_dir();
std::string kcat_bin();  // "" when kcat was not found at configure time

// sluice-mock-kafka in its own process: outlives any worker a test kills. Topics given as
// "name:partitions" exist from the start.
class MockKafka {
public:
    MockKafka(const TempDir& dir, const std::vector<std::string>& topics);
    const std::string& bootstrap() const { return bootstrap_; }
    Process& process() { return process_; }
    // SIGSTOP / SIGCONT: a broker that stops answering (its sockets stay open).
    void freeze();
    void thaw();
    ~MockKafka();

private:
    Process process_;
    std::string bootstrap_;
    bool frozen_ = false;
};

// A worker file for an external cluster, tuned for tests: consumer group rebalances in
// ~2-3 s (session.timeout.ms 3000), a short offset flush interval, no topic creation (the
// mock cluster's topics are created by MockKafka), frequent progress lines. `extra` is
// appended verbatim (more top-level YAML keys).
struct WorkerFileOptions {
    int offset_flush_interval_ms = 500;
    int progress_interval_ms = 200;
    std::string extra;
};
std::string write_worker_file(const TempDir& dir, const std::string& bootstrap, const WorkerFileOptions& options = {},
                              const std::string& name = "worker.yaml");

// One `sluice run` (or any sluice command) process; stderr (the log) and stdout go to
// files in `dir`.
class Sluice {
public:
    Sluice(const TempDir& dir, const std::vector<std::string>& args, const std::string& name = "sluice",
           testing::SpawnOptions options = {});
    Process& process() { return process_; }
    std::string log() const { return process_.stderr_text(); }
    std::string out() const { return process_.stdout_text(); }
    // Waits until the log contains `needle` (or the process ends); true when it does.
    bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout);
    // Occurrences of `needle` in the log.
    size_t count_in_log(const std::string& needle) const;
    // SIGTERM, then waits up to `timeout` for the end; nullopt when still running.
    std::optional<ExitStatus> stop(std::chrono::milliseconds timeout = 20s);

private:
    Process process_;
};

// Checks (doctest) that a running worker's pipeline writing `output` is alive: the file
// gets lines, then grows twice more by `step` lines, and the worker is still running.
void expect_output_keeps_growing(Sluice& run, const std::string& output, size_t step = 200);

// Runs sluice to its end with the given arguments (validate, check, plugins, or a run
// that fails early).
testing::RunResult run_sluice(const TempDir& dir, const std::vector<std::string>& args,
                              std::chrono::milliseconds timeout = 30s, testing::SpawnOptions options = {});

// A record as an outside client (kcat) sees it.
struct KafkaRecord {
    int32_t partition = -1;
    int64_t offset = -1;
    std::optional<std::string> key;
    std::string value;
};

// Every record of a topic, read with `kcat -C -o beginning -e` (values must not hold tabs
// or newlines). Fails the test when kcat does not end properly.
std::vector<KafkaRecord> kcat_read(const TempDir& dir, const std::string& bootstrap, const std::string& topic);
// Produces one record with kcat to a partition.
void kcat_produce(const TempDir& dir, const std::string& bootstrap, const std::string& topic, int32_t partition,
                  const std::string& key, const std::string& value);

// One line of the file sink's envelope format.
struct Envelope {
    std::string topic;
    int32_t partition = -1;
    int64_t offset = -1;
    std::optional<std::string> key;  // as text (JSON keys are dumped)
    nlohmann::json value;
    std::string line;  // the line as written
};
// Every complete line of an envelope file, parsed; fails the test on a malformed line.
std::vector<Envelope> read_envelopes(const std::string& path);

// For every match of `regex` in `text`, the integers its groups captured: for log lines
// like "stopped: 1000 records acknowledged by Kafka, 2 offset commits".
std::vector<std::vector<int64_t>> find_numbers(const std::string& text, const std::string& regex);

}  // namespace sluice::it
