// File source -> Kafka -> file sink, in one `sluice run` process: the output holds exactly
// the input records (none missing, none extra), in order per partition and per key; a
// SIGTERM stops the worker with exit code 0 after the final commits, so a restart with the
// same files adds nothing. Once against sluice-mock-kafka (an external cluster), once
// against the embedded default cluster (no worker file at all).
#include "harness.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <set>
#include <thread>

using namespace sluice::it;
using sluice::testing::count_lines;
using sluice::testing::wait_until;
using sluice::testing::write_file;

namespace {

const std::string kSourceStopped = R"(\[(?:[\w.-]+)/0\] stopped: (\d+) records acknowledged by Kafka, (\d+) offset commits)";
const std::string kSinkStopped = R"(\[(?:[\w.-]+)/0\] stopped: (\d+) records written, (\d+) offset commits)";

// Per partition: offsets 0, 1, 2, ... with nothing missing, and the input index of each
// record increasing (Kafka keeps a producer's order within a partition).
void check_partition_order(const std::vector<Envelope>& out, const std::function<size_t(const Envelope&)>& input_index) {
    std::map<int32_t, std::pair<int64_t, size_t>> last;  // partition -> (offset, input index)
    for (const auto& e : out) {
        auto it = last.find(e.partition);
        size_t index = input_index(e);
        if (it == last.end()) {
            CHECK_MESSAGE(e.offset == 0, "partition " << e.partition << " starts at offset " << e.offset);
        } else {
            CHECK_MESSAGE(e.offset == it->second.first + 1, "partition " << e.partition << ": offset " << e.offset
                                                                          << " after " << it->second.first);
            CHECK_MESSAGE(index > it->second.second, "partition " << e.partition << ": input record " << index
                                                                   << " written after input record " << it->second.second);
        }
        last[e.partition] = {e.offset, index};
    }
}

}  // namespace

TEST_CASE("end to end: lines file -> external Kafka -> envelope file; SIGTERM commits; a restart adds nothing") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "e2e.lines:3"});
    const std::string input = dir.file("in.txt"), output = dir.file("out.jsonl");

    // Lines with JSON-hostile characters; each line unique so it identifies its record.
    constexpr size_t kLines = 3000;
    std::vector<std::string> lines;
    std::string text;
    for (size_t i = 0; i < kLines; ++i) {
        lines.push_back("line " + std::to_string(i) + " \"quoted\" back\\slash caf\xC3\xA9 {not: json}");
        text += lines.back() + "\n";
    }
    write_file(input, text);
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    const std::string pipeline = dir.file("e2e.yaml");
    write_file(pipeline, "name: e2e\n"
                         "source:\n"
                         "  name: file-source\n"
                         "  plugin: file\n"
                         "  topic: e2e.lines\n"
                         "  config: {path: '" + input + "'}\n"
                         "sinks:\n"
                         "  - name: out\n"
                         "    plugin: file\n"
                         "    topics: [e2e.lines]\n"
                         "    config: {path: '" + output + "', format: envelope}\n");
    const std::vector<std::string> args = {"run", "--worker", worker, "--plugin-dir", plugin_dir(), pipeline};

    {
        Sluice run(dir, args, "run1");
        REQUIRE_MESSAGE(wait_until([&] { return count_lines(output) >= kLines || !run.process().running(); }, 30s),
                        "the output did not reach " << kLines << " lines; log:\n" << run.log());
        REQUIRE(run.process().running());
        auto status = run.stop(20s);
        REQUIRE_MESSAGE(status, "no exit within 20 s of SIGTERM; log:\n" << run.log());
        CHECK_MESSAGE(*status == exited(0), status->describe() << "; log:\n" << run.log());

        const std::string log = run.log();
        CHECK(log.find("received SIGTERM: stopping gracefully") != std::string::npos);
        // The final commits: every record acknowledged and its offset written; every record
        // written by the sink and committed.
        auto source = find_numbers(log, kSourceStopped);
        REQUIRE(source.size() == 1);
        CHECK(source[0][0] == static_cast<int64_t>(kLines));
        CHECK(source[0][1] >= 1);
        auto sink = find_numbers(log, kSinkStopped);
        REQUIRE(sink.size() == 1);
        CHECK(sink[0][0] == static_cast<int64_t>(kLines));
        CHECK(sink[0][1] >= 1);
        CHECK(log.find("revoked e2e.lines[0], e2e.lines[1], e2e.lines[2]") != std::string::npos);
    }

    auto out = read_envelopes(output);
    REQUIRE(out.size() == kLines);
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < kLines; ++i) index[lines[i]] = i;
    std::multiset<std::string> seen;
    std::set<int32_t> partitions;
    for (const auto& e : out) {
        CHECK(e.topic == "e2e.lines");
        CHECK_FALSE(e.key.has_value());
        REQUIRE(e.value.is_string());
        seen.insert(e.value.get<std::string>());
        partitions.insert(e.partition);
    }
    CHECK(seen == std::multiset<std::string>(lines.begin(), lines.end()));  // exactly the input: none missing, none extra
    // (Null keys may all land in one partition: librdkafka's sticky partitioning keeps a
    // partition for sticky.partitioning.linger.ms, longer than reading this file takes.)
    CHECK(partitions.size() >= 1);
    check_partition_order(out, [&](const Envelope& e) { return index.at(e.value.get<std::string>()); });

    // Restart with the same files: the file source resumes at the committed end of the
    // file and the sink at its committed offsets, so nothing is produced or written again.
    {
        Sluice run(dir, args, "run2");
        REQUIRE_MESSAGE(run.wait_for_log("[e2e.out/0] assigned", 20s), "the sink got no partitions; log:\n" << run.log());
        // Nothing to wait for when all is well: give a wrongly uncommitted sink two flush
        // intervals to show itself.
        std::this_thread::sleep_for(1s);
        auto status = run.stop(20s);
        REQUIRE(status);
        CHECK_MESSAGE(*status == exited(0), status->describe() << "; log:\n" << run.log());
        auto source = find_numbers(run.log(), kSourceStopped);
        auto sink = find_numbers(run.log(), kSinkStopped);
        REQUIRE(source.size() == 1);
        REQUIRE(sink.size() == 1);
        CHECK(source[0][0] == 0);
        CHECK(sink[0][0] == 0);
    }
    CHECK(count_lines(output) == kLines);
}

TEST_CASE("end to end: CSV with header and key.field -> embedded Kafka -> envelope file, in order per key") {
    TempDir dir;
    const std::string input = dir.file("readings.csv"), output = dir.file("out.jsonl");

    // 20 sensors, each with a running number, so the order per key can be checked. Quoted
    // fields hold the delimiter and quotes.
    constexpr size_t kRows = 2000;
    constexpr int kSensors = 20;
    std::string text = "sensor_id,n,flow,note\r\n";  // CRLF header: the parser takes both
    std::vector<nlohmann::json> rows;
    for (size_t i = 0; i < kRows; ++i) {
        std::string sensor = "S" + std::to_string(100 + static_cast<int>(i % kSensors));
        std::string n = std::to_string(i / kSensors);
        std::string flow = std::to_string((i * 37) % 200);
        std::string note = i % 3 == 0 ? "plain" : i % 3 == 1 ? "with, comma" : "say \"hi\"";
        rows.push_back({{"sensor_id", sensor}, {"n", n}, {"flow", flow}, {"note", note}});
        std::string quoted = note;
        if (i % 3 != 0) {
            std::string q = "\"";
            for (char c : note) q += c == '"' ? std::string("\"\"") : std::string(1, c);
            quoted = q + "\"";
        }
        text += sensor + "," + n + "," + flow + "," + quoted + "\n";
    }
    write_file(input, text);
    const std::string pipeline = dir.file("csv.yaml");
    write_file(pipeline, "name: csv\n"
                         "source:\n"
                         "  name: readings\n"
                         "  plugin: file\n"
                         "  topic: csv.readings\n"
                         "  config:\n"
                         "    path: '" + input + "'\n"
                         "    format: csv\n"
                         "    key.field: sensor_id\n"
                         "sinks:\n"
                         "  - name: out\n"
                         "    plugin: file\n"
                         "    config: {path: '" + output + "', format: envelope}\n");

    // No --worker: every default, including the embedded in-memory cluster.
    Sluice run(dir, {"run", "--plugin-dir", plugin_dir(), pipeline}, "embedded");
    REQUIRE_MESSAGE(wait_until([&] { return count_lines(output) >= kRows || !run.process().running(); }, 30s),
                    "the output did not reach " << kRows << " lines; log:\n" << run.log());
    auto status = run.stop(20s);
    REQUIRE_MESSAGE(status, "no exit within 20 s of SIGTERM; log:\n" << run.log());
    CHECK_MESSAGE(*status == exited(0), status->describe() << "; log:\n" << run.log());
    const std::string log = run.log();
    CHECK(log.find("started the EMBEDDED in-memory Kafka cluster") != std::string::npos);
    auto source = find_numbers(log, kSourceStopped);
    REQUIRE(source.size() == 1);
    CHECK(source[0][0] == static_cast<int64_t>(kRows));
    CHECK(source[0][1] >= 1);
    auto sink = find_numbers(log, kSinkStopped);
    REQUIRE(sink.size() == 1);
    CHECK(sink[0][0] == static_cast<int64_t>(kRows));
    CHECK(sink[0][1] >= 1);

    auto out = read_envelopes(output);
    REQUIRE(out.size() == kRows);
    std::multiset<std::string> expected, seen;
    for (const auto& r : rows) expected.insert(r.dump());
    std::map<std::string, int32_t> partition_of_key;
    std::map<std::string, int> next_n;  // per key: the running number expected next
    for (const auto& e : out) {
        CHECK(e.topic == "csv.readings");
        REQUIRE(e.value.is_object());
        REQUIRE(e.key.has_value());
        CHECK(*e.key == e.value.at("sensor_id").get<std::string>());
        seen.insert(e.value.dump());
        // Records of one key share a partition, and arrive in input order with none skipped.
        auto [it, inserted] = partition_of_key.emplace(*e.key, e.partition);
        CHECK_MESSAGE(it->second == e.partition, "key " << *e.key << " in partitions " << it->second << " and " << e.partition);
        int n = std::stoi(e.value.at("n").get<std::string>());
        CHECK_MESSAGE(n == next_n[*e.key], "key " << *e.key << ": row " << n << " where row " << next_n[*e.key] << " was due");
        next_n[*e.key] = n + 1;
    }
    CHECK(seen == expected);  // every row, as a JSON object with the header's names, once
    CHECK(partition_of_key.size() == static_cast<size_t>(kSensors));
    check_partition_order(out, [](const Envelope& e) {
        return static_cast<size_t>(std::stoi(e.value.at("n").get<std::string>()) * kSensors +
                                   (std::stoi(e.key->substr(1)) - 100));
    });
}
