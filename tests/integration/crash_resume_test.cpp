// Crash and resume: datagen -> topic -> file sink against a mock cluster in its own
// process (so Kafka outlives the worker), the worker killed with SIGKILL mid-stream and
// started again on the same files, once and twice. Afterwards every record is in the
// output, and every duplicate is an exact copy explained by one of the two at-least-once
// windows, each bounded:
//
//  - source side: after a crash the source resumes after its last STORED offset (the
//    offsets topic is written every offset.flush.interval.ms, with offsets of acknowledged
//    records only). Records produced after that offset are produced again. They are
//    measured exactly from Kafka (kcat): a seq at two Kafka offsets was produced twice.
//    Every one of them must lie at or after the resume point the restarted source logs.
//  - sink side: after a crash the sink resumes at its last COMMITTED offsets (committed
//    after each flush, every offset.flush.interval.ms). Records written after that commit
//    are written again. They are measured exactly from the envelope output: per partition,
//    the run after a crash starts at an offset the crashed runs had already written.
//
// The kill happens once the sink is in its steady state (assigned, and two commits since),
// so each window spans at most one flush interval of records plus scheduling delays:
// bound = rate x (offset.flush.interval.ms + 1.5 s of margin for a loaded machine), per kill
// and per side. Without stored offsets or commits the duplicates would be the whole run.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <map>
#include <set>

using namespace sluice::it;
using sluice::testing::count_lines;
using sluice::testing::read_complete_lines;
using sluice::testing::wait_until;
using sluice::testing::write_file;

namespace {

constexpr int kFlushIntervalMs = 500;
constexpr double kMarginSeconds = 1.5;
constexpr int kPartitions = 8;  // ~3 MiB per partition: under the mock's 5 MiB per partition

const std::string kSinkProgress = R"(\[crash\.out/0\] consumed (\d+), written (\d+) records \(\d+/s\), (\d+) offset commits)";
const std::string kResume = R"(\[crash\.gen/0\] datagen: task 0 of 1 starts at record (\d+))";

// The number after `"name":` in an envelope line (-1 when absent): cheap enough to poll.
int64_t number_after(const std::string& line, const std::string& name) {
    const std::string tag = "\"" + name + "\":";
    size_t pos = line.find(tag);
    if (pos == std::string::npos) return -1;
    pos += tag.size();
    int64_t n = 0;
    bool any = false;
    while (pos < line.size() && line[pos] >= '0' && line[pos] <= '9') {
        n = n * 10 + (line[pos++] - '0');
        any = true;
    }
    return any ? n : -1;
}

bool every_seq_present(const std::string& path, int64_t records) {
    if (count_lines(path) < static_cast<size_t>(records)) return false;
    std::vector<bool> seen(static_cast<size_t>(records));
    int64_t missing = records;
    for (const auto& line : read_complete_lines(path)) {
        int64_t seq = number_after(line, "seq");
        if (seq >= 0 && seq < records && !seen[static_cast<size_t>(seq)]) {
            seen[static_cast<size_t>(seq)] = true;
            --missing;
        }
    }
    return missing == 0;
}

// Per partition, the next offset after the highest one in the output.
std::map<int32_t, int64_t> output_ends(const std::string& path) {
    std::map<int32_t, int64_t> ends;
    for (const auto& line : read_complete_lines(path)) {
        int64_t p = number_after(line, "partition"), o = number_after(line, "offset");
        if (p >= 0 && o >= 0) ends[static_cast<int32_t>(p)] = std::max(ends[static_cast<int32_t>(p)], o + 1);
    }
    return ends;
}

struct OutLine {
    bool parsed = false;
    int32_t partition = -1;
    int64_t offset = -1;
    int64_t seq = -1;
    nlohmann::json value;
    std::string text;
};

void crash_and_resume(int rate, int64_t records, int kills) {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "crash.readings:" + std::to_string(kPartitions)});
    const std::string output = dir.file("out.jsonl");
    const std::string worker = write_worker_file(dir, kafka.bootstrap(), {kFlushIntervalMs, 200, ""});
    const std::string pipeline = dir.file("crash.yaml");
    // 1000 sensors: keys spread evenly over the partitions. The sink writes every batch at
    // once (buffer.bytes 0) instead of at flush time, so records written but not yet
    // committed exist when the kill strikes: the sink-side window is really exercised.
    write_file(pipeline, "name: crash\n"
                         "source:\n"
                         "  name: gen\n"
                         "  plugin: datagen\n"
                         "  topic: crash.readings\n"
                         "  config: {rate: " + std::to_string(rate) + ", max.records: " + std::to_string(records) +
                         ", sensors: 1000, batch.size: 500}\n"
                         "sinks:\n"
                         "  - name: out\n"
                         "    plugin: file\n"
                         "    config: {path: '" + output + "', format: envelope, buffer.bytes: 0}\n");
    const std::vector<std::string> args = {"run", "--worker", worker, "--plugin-dir", plugin_dir(), pipeline};
    const int64_t window = static_cast<int64_t>(rate * (kFlushIntervalMs / 1000.0 + kMarginSeconds));

    std::vector<size_t> boundaries;  // output lines when each kill struck
    std::vector<int64_t> resumed_at;  // first seq of each restarted source
    for (int run_no = 0; run_no <= kills; ++run_no) {
        Sluice run(dir, args, "run" + std::to_string(run_no + 1));
        REQUIRE_MESSAGE(run.wait_for_log("datagen: task 0 of 1 starts at record", 20s), "log:\n" << run.log());
        auto resume = find_numbers(run.log(), kResume);
        REQUIRE(resume.size() == 1);
        if (run_no == 0) {
            CHECK(resume[0][0] == 0);
        } else {
            // Offsets were stored before the crash, and each run got further.
            CHECK(resume[0][0] > (resumed_at.empty() ? 0 : resumed_at.back()));
            resumed_at.push_back(resume[0][0]);
        }

        if (run_no < kills) {
            bool steady = wait_until(
                [&] {
                    auto progress = find_numbers(run.log(), kSinkProgress);
                    return (!progress.empty() && progress.back()[2] >= 2) || !run.process().running();
                },
                30s, 25ms);
            REQUIRE_MESSAGE(steady, "the sink never committed twice; log:\n" << run.log());
            REQUIRE_MESSAGE(run.process().running(), run.process().status()->describe() << "; log:\n" << run.log());
            ExitStatus killed = run.process().kill();
            CHECK(killed.signal == SIGKILL);
            const size_t lines = count_lines(output);
            boundaries.push_back(lines);
            CHECK(lines > 0);                                          // some output exists
            CHECK(lines < static_cast<size_t>(records * 8 / 10));      // well before the end
            MESSAGE("kill ", run_no + 1, ": SIGKILL with ", lines, " output lines");
            continue;
        }

        // The last run: wait (bounded) until every seq is in the output, then until the
        // sink has also consumed whatever else Kafka holds (the replayed copies).
        REQUIRE_MESSAGE(wait_until([&] { return every_seq_present(output, records) || !run.process().running(); }, 60s, 250ms),
                        "not every seq arrived; log:\n" << run.log());
        REQUIRE(run.process().running());
        auto in_kafka = kcat_read(dir, kafka.bootstrap(), "crash.readings");
        std::map<int32_t, int64_t> kafka_ends;
        for (const auto& r : in_kafka) kafka_ends[r.partition] = std::max(kafka_ends[r.partition], r.offset + 1);
        REQUIRE_MESSAGE(wait_until([&] { return output_ends(output) == kafka_ends; }, 20s, 100ms),
                        "the sink did not consume every record of the topic");
        auto status = run.stop(20s);
        REQUIRE(status);
        CHECK_MESSAGE(*status == exited(0), status->describe() << "; log:\n" << run.log());
    }

    // ---- Kafka: every seq produced, copies exact, duplicates only after a resume point ----
    auto in_kafka = kcat_read(dir, kafka.bootstrap(), "crash.readings");
    std::map<std::pair<int32_t, int64_t>, const KafkaRecord*> by_position;
    std::map<int64_t, std::vector<const KafkaRecord*>> by_seq;
    for (const auto& r : in_kafka) {
        by_position[{r.partition, r.offset}] = &r;
        auto v = nlohmann::json::parse(r.value, nullptr, false);
        if (!v.is_object()) FAIL("not a JSON object in Kafka: " << r.value);
        by_seq[v.at("seq").get<int64_t>()].push_back(&r);
    }
    REQUIRE(by_seq.size() == static_cast<size_t>(records));
    CHECK(by_seq.begin()->first == 0);
    CHECK(by_seq.rbegin()->first == records - 1);
    int64_t source_duplicates = 0;
    for (const auto& [seq, copies] : by_seq) {
        if (copies.size() == 1) continue;
        source_duplicates += static_cast<int64_t>(copies.size()) - 1;
        // A record produced again is the same record (datagen is deterministic), keyed alike.
        for (const auto* c : copies)
            if (c->key != copies[0]->key || c->value != copies[0]->value || c->partition != copies[0]->partition)
                FAIL_CHECK("seq " << seq << " produced differently: " << c->value << " / " << copies[0]->value);
        // Produced once, plus once per restart that resumed at or before it.
        size_t allowed = 1;
        for (int64_t r : resumed_at) allowed += r <= seq ? 1 : 0;
        if (copies.size() > allowed) FAIL_CHECK("seq " << seq << " produced " << copies.size() << " times");
    }

    // ---- output: exactly Kafka's records, run by run ----
    std::vector<OutLine> out;
    for (auto& text : read_complete_lines(output)) {
        OutLine l;
        auto j = nlohmann::json::parse(text, nullptr, false);
        if (!j.is_discarded() && j.is_object()) {
            l.parsed = true;
            l.partition = j.at("partition").get<int32_t>();
            l.offset = j.at("offset").get<int64_t>();
            l.value = j.at("value");
            l.seq = l.value.at("seq").get<int64_t>();
        }
        l.text = std::move(text);
        out.push_back(std::move(l));
    }
    std::vector<size_t> starts = {0};
    for (size_t b : boundaries) starts.push_back(b);
    starts.push_back(out.size());

    std::map<int32_t, int64_t> written_end;  // per partition: next offset after everything written so far
    std::map<std::pair<int32_t, int64_t>, std::string> first_copy;
    std::set<int64_t> seqs_out;
    int64_t sink_duplicates = 0;
    size_t torn = 0;
    for (size_t run_no = 0; run_no + 1 < starts.size(); ++run_no) {
        std::map<int32_t, int64_t> next;  // per partition within this run
        int64_t duplicates_here = 0;
        for (size_t i = starts[run_no]; i < starts[run_no + 1]; ++i) {
            const OutLine& l = out[i];
            if (!l.parsed) {
                // A SIGKILL can cut a write(2) short: the torn line, completed by the
                // restarted sink's line break, sits right where the next run begins.
                if (run_no == 0 || i != starts[run_no]) FAIL_CHECK("malformed output line " << i << ": " << l.text);
                ++torn;
                continue;
            }
            auto it = by_position.find({l.partition, l.offset});
            if (it == by_position.end()) FAIL("output line " << i << " is no record of the topic: " << l.text);
            if (l.value != nlohmann::json::parse(it->second->value))
                FAIL_CHECK("output line " << i << " differs from the Kafka record: " << l.text);
            seqs_out.insert(l.seq);
            auto n = next.find(l.partition);
            if (n == next.end()) {
                // Where this run resumed the partition: never beyond what was written
                // before (nothing skipped); before it, by the sink's uncommitted window.
                int64_t end = written_end.count(l.partition) ? written_end[l.partition] : 0;
                if (l.offset > end)
                    FAIL_CHECK("partition " << l.partition << " resumed at " << l.offset << " but only " << end << " were written");
                if (l.offset < end) duplicates_here += end - l.offset;
            } else {
                if (l.offset != n->second)
                    FAIL_CHECK("partition " << l.partition << ": offset " << l.offset << " where " << n->second << " was next");
            }
            next[l.partition] = l.offset + 1;
            // A record written again is written identically.
            auto [copy, inserted] = first_copy.emplace(std::make_pair(l.partition, l.offset), l.text);
            if (!inserted && copy->second != l.text) FAIL_CHECK("rewritten differently:\n" << copy->second << "\n" << l.text);
            written_end[l.partition] = std::max(written_end[l.partition], l.offset + 1);
        }
        if (run_no > 0) {
            MESSAGE("restart ", run_no, ": source resumed at seq ", resumed_at[run_no - 1], ", sink rewrote ",
                    duplicates_here, " records (bound ", window, ")");
            CHECK(duplicates_here <= window);
        }
        sink_duplicates += duplicates_here;
    }
    CHECK(torn <= static_cast<size_t>(kills));
    CHECK(seqs_out.size() == static_cast<size_t>(records));  // every input record is in the output
    CHECK(first_copy.size() == in_kafka.size());             // and every record Kafka holds
    // Every output line is one Kafka record; every extra line is a sink-side rewrite.
    CHECK(out.size() - torn == first_copy.size() + static_cast<size_t>(sink_duplicates));
    // Every extra Kafka record is a source-side replay.
    CHECK(in_kafka.size() == static_cast<size_t>(records + source_duplicates));
    MESSAGE(kills, " kill(s): ", out.size(), " output lines for ", records, " records; ", source_duplicates,
            " produced twice (bound ", kills * window, "), ", sink_duplicates, " written twice, ", torn, " torn lines");
    CHECK(source_duplicates <= kills * window);
    CHECK(sink_duplicates <= kills * window);
}

}  // namespace

TEST_CASE("crash and resume: SIGKILL mid-stream, restart, every record arrives, duplicates bounded") {
    crash_and_resume(10000, 100000, 1);
}

TEST_CASE("crash and resume: killed twice") {
    crash_and_resume(5000, 80000, 2);
}
