#include "harness.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <filesystem>
#include <regex>

namespace sluice::it {

std::string sluice_bin() { return SLUICE_BIN; }
std::string mock_kafka_bin() { return SLUICE_MOCK_KAFKA_BIN; }
std::string plugin_dir() { return SLUICE_PLUGIN_DIR; }
std::string fixture_plugin_dir() { return SLUICE_FIXTURE_PLUGIN_DIR; }
std::string source_dir() { return SLUICE_SOURCE_DIR; }
std::string kcat_bin() { return SLUICE_KCAT; }

namespace {
int next_id() {
    static int id = 0;
    return ++id;
}
}  // namespace

MockKafka::MockKafka(const TempDir& dir, const std::vector<std::string>& topics) {
    const std::string tag = "mock-kafka-" + std::to_string(next_id());
    const std::string bootstrap_file = dir.file(tag + ".bootstrap");
    std::vector<std::string> argv = {mock_kafka_bin(), "--bootstrap-file", bootstrap_file};
    for (const auto& t : topics) {
        argv.push_back("--topic");
        argv.push_back(t);
    }
    testing::SpawnOptions options;
    options.stdout_path = dir.file(tag + ".out");
    options.stderr_path = dir.file(tag + ".err");
    process_ = Process::spawn(argv, options);
    // The helper writes the file atomically (rename) once the cluster is up.
    bool up = testing::wait_until([&] { return std::filesystem::exists(bootstrap_file) || !process_.running(); }, 10s);
    REQUIRE_MESSAGE(up, "sluice-mock-kafka did not come up within 10 s");
    REQUIRE_MESSAGE(process_.running(), "sluice-mock-kafka ended: " << process_.status()->describe() << "\n"
                                                                    << process_.stderr_text());
    bootstrap_ = testing::read_lines(bootstrap_file).at(0);
    REQUIRE_MESSAGE(bootstrap_.rfind("127.0.0.1:", 0) == 0, "unexpected bootstrap servers " << bootstrap_);
}

void MockKafka::freeze() {
    process_.signal(SIGSTOP);
    frozen_ = true;
}

void MockKafka::thaw() {
    process_.signal(SIGCONT);
    frozen_ = false;
}

MockKafka::~MockKafka() {
    if (frozen_) thaw();  // SIGKILL works on a stopped process too; this keeps the exit clean
}

std::string write_worker_file(const TempDir& dir, const std::string& bootstrap, const WorkerFileOptions& o,
                              const std::string& name) {
    std::string yaml = "worker:\n  id: it-worker\n"
                       "rest.listener: 127.0.0.1:0\n"  // tests run side by side: never a fixed port
                       "kafka:\n"
                       "  bootstrap.servers: " + bootstrap + "\n"
                       "  consumer:\n"
                       "    session.timeout.ms: 3000\n"
                       "    heartbeat.interval.ms: 500\n"
                       "offset.flush.interval.ms: " + std::to_string(o.offset_flush_interval_ms) + "\n"
                       "topic.creation.enable: false\n"
                       "log.progress.interval.ms: " + std::to_string(o.progress_interval_ms) + "\n" +
                       o.extra;
    const std::string path = dir.file(name);
    testing::write_file(path, yaml);
    return path;
}

Sluice::Sluice(const TempDir& dir, const std::vector<std::string>& args, const std::string& name,
               testing::SpawnOptions options) {
    std::vector<std::string> argv = {sluice_bin()};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string tag = name + "-" + std::to_string(next_id());
    options.stdout_path = dir.file(tag + ".out");
    options.stderr_path = dir.file(tag + ".log");
    // The plugin path comes from the arguments or the worker file, never from the caller's
    // environment.
    options.unset_env.push_back("SLUICE_PLUGIN_PATH");
    process_ = Process::spawn(argv, options);
}

bool Sluice::wait_for_log(const std::string& needle, std::chrono::milliseconds timeout) {
    return testing::wait_until(
        [&] { return log().find(needle) != std::string::npos || !process_.running(); }, timeout) &&
           log().find(needle) != std::string::npos;
}

size_t Sluice::count_in_log(const std::string& needle) const {
    const std::string text = log();
    size_t n = 0;
    for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + needle.size())) ++n;
    return n;
}

std::optional<ExitStatus> Sluice::stop(std::chrono::milliseconds timeout) {
    process_.signal(SIGTERM);
    return process_.wait(timeout);
}

testing::RunResult run_sluice(const TempDir& dir, const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                              testing::SpawnOptions options) {
    std::vector<std::string> argv = {sluice_bin()};
    argv.insert(argv.end(), args.begin(), args.end());
    options.unset_env.push_back("SLUICE_PLUGIN_PATH");
    return testing::run(argv, dir.path().string(), timeout, options);
}

std::vector<KafkaRecord> kcat_read(const TempDir& dir, const std::string& bootstrap, const std::string& topic) {
    REQUIRE_MESSAGE(!kcat_bin().empty(), "kcat is needed for this test");
    auto r = testing::run({kcat_bin(), "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-f",
                           "%p\t%o\t%K\t%k\t%s\n"},
                          dir.path().string(), 30s);
    REQUIRE_MESSAGE(r.status == exited(0), "kcat " << r.status.describe() << ": " << r.err);
    std::vector<KafkaRecord> out;
    size_t start = 0;
    for (size_t lf = r.out.find('\n'); lf != std::string::npos; lf = r.out.find('\n', start)) {
        std::string line = r.out.substr(start, lf - start);
        start = lf + 1;
        std::vector<std::string> f;
        size_t s = 0;
        for (int i = 0; i < 4; ++i) {
            size_t tab = line.find('\t', s);
            if (tab == std::string::npos) FAIL("unexpected kcat line: " << line);
            f.push_back(line.substr(s, tab - s));
            s = tab + 1;
        }
        KafkaRecord rec;
        rec.partition = std::stoi(f[0]);
        rec.offset = std::stoll(f[1]);
        if (f[2] != "-1") rec.key = f[3];
        rec.value = line.substr(s);
        out.push_back(std::move(rec));
    }
    REQUIRE_MESSAGE(start == r.out.size(), "kcat output does not end with a newline");
    return out;
}

void kcat_produce(const TempDir& dir, const std::string& bootstrap, const std::string& topic, int32_t partition,
                  const std::string& key, const std::string& value) {
    REQUIRE_MESSAGE(!kcat_bin().empty(), "kcat is needed for this test");
    const std::string input = dir.file("kcat-produce-" + std::to_string(next_id()) + ".txt");
    testing::write_file(input, key + "\t" + value + "\n");
    testing::SpawnOptions options;
    options.stdin_path = input;
    auto r = testing::run({kcat_bin(), "-P", "-b", bootstrap, "-t", topic, "-p", std::to_string(partition), "-K", "\t"},
                          dir.path().string(), 30s, options);
    REQUIRE_MESSAGE(r.status == exited(0), "kcat -P " << r.status.describe() << ": " << r.err);
}

std::vector<Envelope> read_envelopes(const std::string& path) {
    std::vector<Envelope> out;
    for (auto& line : testing::read_complete_lines(path)) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object()) FAIL("not a JSON object in " << path << ": " << line);
        Envelope e;
        e.topic = j.at("topic").get<std::string>();
        e.partition = j.at("partition").get<int32_t>();
        e.offset = j.at("offset").get<int64_t>();
        const auto& key = j.at("key");
        if (key.is_string()) e.key = key.get<std::string>();
        else if (!key.is_null()) e.key = key.dump();
        e.value = j.at("value");
        e.line = std::move(line);
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<std::vector<int64_t>> find_numbers(const std::string& text, const std::string& regex) {
    std::vector<std::vector<int64_t>> out;
    std::regex re(regex);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
        std::vector<int64_t> numbers;
        for (size_t g = 1; g < it->size(); ++g) numbers.push_back(std::stoll((*it)[g].str()));
        out.push_back(std::move(numbers));
    }
    return out;
}

void expect_output_keeps_growing(Sluice& run, const std::string& output, size_t step) {
    size_t first = 0;
    using testing::count_lines;
    using testing::wait_until;
    REQUIRE_MESSAGE(wait_until([&] { return (first = count_lines(output)) > 0 || !run.process().running(); }, 20s),
                    "no output from the healthy pipeline; log:\n" << run.log());
    REQUIRE(run.process().running());
    size_t second = 0;
    CHECK(wait_until([&] { return (second = count_lines(output)) >= first + step; }, 10s));
    CHECK(wait_until([&] { return count_lines(output) >= second + step; }, 10s));
    REQUIRE(run.process().running());
}

}  // namespace sluice::it
