// A poison record in the middle of a stream (unparseable JSON, then a field of the wrong
// type), end to end: real `sluice run` against sluice-mock-kafka in its own process, the
// file source and file sink, and a transform that parses the value (fixture_json_check,
// from tests/fixtures/plugins/chain_plugins.cpp), for a sink connector and for a source
// connector, with each tolerance:
//
//   none        the task is FAILED with the stage, the record's position and the message;
//               nothing after the record is committed (a second run starts at or before it).
//   all + DLQ   every good record arrives, the poison ones are in the dead-letter topic,
//               unchanged, with their context headers (read with kcat -f '%h'), nothing lost.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

using namespace sluice::it;
using sluice::testing::read_lines;
using sluice::testing::wait_until;
using sluice::testing::write_file;

namespace {

// Two good records, the two poison ones (Kafka offsets 2 and 3 in a one-partition topic),
// two good ones.
const std::vector<std::string> kInput = {R"({"speed":1})", R"({"speed":2})", "not json", R"({"speed":"fast"})",
                                         R"({"speed":5})", R"({"speed":6})"};
const std::vector<std::string> kChecked = {R"({"checked":true,"speed":1})", R"({"checked":true,"speed":2})",
                                           R"({"checked":true,"speed":5})", R"({"checked":true,"speed":6})"};

std::string input_file(const TempDir& dir) {
    std::string text;
    for (const auto& l : kInput) text += l + "\n";
    const std::string path = dir.file("in.jsonl");
    write_file(path, text);
    return path;
}

// errors: tolerance all with a dead-letter topic, indented for a sink (4) or a source (2).
std::string errors_all(const std::string& indent) {
    return indent + "errors:\n" +
           indent + "  tolerance: all\n" +
           indent + "  deadletterqueue.topic.name: p.dlq\n" +
           indent + "  deadletterqueue.context.headers.enable: true\n" +
           indent + "  log.enable: true\n";
}

std::string fixture_chain_plugin_dir() { return SLUICE_CHAIN_PLUGIN_DIR; }

// A dead-letter record as kcat shows it: headers (name -> value) and the value.
struct DeadLetter {
    std::map<std::string, std::string> headers;
    std::string value;
};

// kcat -f '%h\t%s\n': headers print as name=value,name=value; every name here starts with
// "__", so ",__" separates them even when a message holds a comma.
std::vector<DeadLetter> read_dead_letters(const TempDir& dir, const std::string& bootstrap, const std::string& topic) {
    auto r = sluice::testing::run({kcat_bin(), "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%h\t%s\n"},
                                  dir.path().string(), 30s);
    REQUIRE_MESSAGE(r.status == exited(0), "kcat " << r.status.describe() << ": " << r.err);
    std::vector<DeadLetter> out;
    size_t start = 0;
    for (size_t lf = r.out.find('\n'); lf != std::string::npos; lf = r.out.find('\n', start)) {
        std::string line = r.out.substr(start, lf - start);
        start = lf + 1;
        auto tab = line.find('\t');
        REQUIRE(tab != std::string::npos);
        DeadLetter d;
        d.value = line.substr(tab + 1);
        std::string headers = line.substr(0, tab);
        size_t pos = 0;
        while (pos < headers.size()) {
            size_t next = headers.find(",__", pos);
            std::string item = headers.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
            auto eq = item.find('=');
            REQUIRE(eq != std::string::npos);
            d.headers[item.substr(0, eq)] = item.substr(eq + 1);
            pos = next == std::string::npos ? headers.size() : next + 1;
        }
        out.push_back(std::move(d));
    }
    return out;
}

// A task FAILED at a poison record stays FAILED (the worker then exits 4): restarting it
// would only fail at the same record again. Indented for a sink (4) or a source (2).
const std::string kNoRestart4 = "    restart: {policy: never}\n";
const std::string kNoRestart2 = "  restart: {policy: never}\n";

std::string sink_pipeline(const std::string& input, const std::string& output, const std::string& errors) {
    return "name: poison\n"
           "source:\n"
           "  name: in\n"
           "  plugin: file\n"
           "  topic: p.raw\n"
           "  config: {path: '" + input + "'}\n"
           "sinks:\n"
           "  - name: out\n"
           "    plugin: file\n"
           "    config: {path: '" + output + "'}\n"
           "    transforms:\n"
           "      - {type: fixture_json_check, field: speed}\n" + errors;
}

std::vector<std::string> run_args(const std::string& worker, const std::string& pipeline) {
    return {"run", "--worker", worker, "--plugin-dir", plugin_dir(), "--plugin-dir", fixture_chain_plugin_dir(), pipeline};
}

}  // namespace

TEST_CASE("poison record, sink connector, errors.tolerance all: good records arrive, poison in the DLQ with headers") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "p.raw:1", "p.dlq:1"});
    const std::string output = dir.file("out.jsonl"), pipeline = dir.file("poison.yaml");
    write_file(pipeline, sink_pipeline(input_file(dir), output, errors_all("    ")));
    Sluice run(dir, run_args(write_worker_file(dir, kafka.bootstrap()), pipeline));

    REQUIRE_MESSAGE(wait_until([&] { return read_lines(output).size() >= kChecked.size(); }, 30s), "log:\n" << run.log());
    auto status = run.stop(20s);
    REQUIRE(status);
    CHECK_MESSAGE(*status == exited(0), status->describe() << "; log:\n" << run.log());
    CHECK(read_lines(output) == kChecked);  // every good record, in order, nothing else

    auto dlq = read_dead_letters(dir, kafka.bootstrap(), "p.dlq");
    REQUIRE(dlq.size() == 2);
    CHECK(dlq[0].value == "not json");          // unchanged: the bytes as read from Kafka
    CHECK(dlq[1].value == R"({"speed":"fast"})");
    for (size_t i = 0; i < 2; ++i) {
        CAPTURE(i);
        auto& h = dlq[i].headers;
        CHECK(h["__connect.errors.topic"] == "p.raw");
        CHECK(h["__connect.errors.partition"] == "0");
        CHECK(h["__connect.errors.offset"] == std::to_string(2 + i));
        CHECK(h["__connect.errors.connector.name"] == "poison.out");
        CHECK(h["__connect.errors.task.id"] == "0");
        CHECK(h["__connect.errors.stage"] == "TRANSFORMATION");
        CHECK(h["__connect.errors.class.name"] == "fixture_json_check");
        CHECK(h["__connect.errors.exception.class.name"] == "sluice.TransformError");
    }
    CHECK(dlq[0].headers["__connect.errors.exception.message"] ==
          "transform 'fixture_json_check': value is not a JSON object: not json");
    CHECK(dlq[1].headers["__connect.errors.exception.message"] ==
          "transform 'fixture_json_check': field 'speed' is a string, expected a number");
    CHECK(run.count_in_log("errant record skipped (to dead-letter topic p.dlq): TRANSFORMATION failed at p.raw[0]@") == 2);
}

TEST_CASE("poison record, sink connector, errors.tolerance none: FAILED at the record, nothing after it committed") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "p.raw:1", "p.dlq:1"});
    const std::string input = input_file(dir), output = dir.file("out.jsonl"), pipeline = dir.file("poison.yaml");
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    write_file(pipeline, sink_pipeline(input, output, kNoRestart4));
    {
        Sluice run(dir, run_args(worker, pipeline), "sluice-none");
        REQUIRE_MESSAGE(run.wait_for_log("[poison.out/0] task failed: ", 30s), "log:\n" << run.log());
        CHECK_MESSAGE(run.log().find("[poison.out/0] task failed: TRANSFORMATION failed at p.raw[0]@2 in fixture_json_check: "
                                     "transform 'fixture_json_check': value is not a JSON object: not json") != std::string::npos,
                      "log:\n" << run.log());
        auto status = run.stop(20s);
        REQUIRE(status);
        CHECK_MESSAGE(*status == exited(4), status->describe() << "; log:\n" << run.log());  // a task ended FAILED
        CHECK(run.log().find("[poison.out/0] ended FAILED: TRANSFORMATION failed at p.raw[0]@2") != std::string::npos);
    }
    auto first = read_lines(output);
    CHECK(first.size() <= 2);  // nothing after the poison record was written
    for (const auto& l : first) CHECK(l.find("\"speed\":5") == std::string::npos);
    CHECK(read_dead_letters(dir, kafka.bootstrap(), "p.dlq").empty());

    // The same connector (same consumer group) again, now tolerating: the sink resumes at or
    // before the poison record, so its committed offset never passed it, and nothing is lost.
    write_file(pipeline, sink_pipeline(input, output, errors_all("    ")));
    Sluice again(dir, run_args(worker, pipeline), "sluice-all");
    REQUIRE_MESSAGE(wait_until([&] { return read_dead_letters(dir, kafka.bootstrap(), "p.dlq").size() >= 2; }, 30s),
                    "log:\n" << again.log());
    REQUIRE(wait_until([&] {
        auto lines = read_lines(output);
        return std::set<std::string>(lines.begin(), lines.end()).size() >= kChecked.size();
    }, 20s));
    auto status = again.stop(20s);
    REQUIRE(status);
    CHECK(*status == exited(0));
    auto all = read_lines(output);
    std::set<std::string> distinct(all.begin(), all.end());
    CHECK(distinct == std::set<std::string>(kChecked.begin(), kChecked.end()));
    auto dlq = read_dead_letters(dir, kafka.bootstrap(), "p.dlq");
    REQUIRE(dlq.size() == 2);
    CHECK(dlq[0].headers["__connect.errors.offset"] == "2");
    CHECK(dlq[1].headers["__connect.errors.offset"] == "3");
}

namespace {
std::string source_pipeline(const std::string& input, const std::string& errors) {
    return "name: psrc\n"
           "source:\n"
           "  name: in\n"
           "  plugin: file\n"
           "  topic: p.raw\n"
           "  config: {path: '" + input + "'}\n"
           "  transforms:\n"
           "    - {type: fixture_json_check, field: speed}\n" + errors;
}
}  // namespace

TEST_CASE("poison record, source connector, errors.tolerance all: good records produced, poison in the DLQ, offsets advance") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "p.raw:1", "p.dlq:1"});
    const std::string input = input_file(dir), pipeline = dir.file("psrc.yaml");
    write_file(pipeline, source_pipeline(input, errors_all("  ")));
    Sluice run(dir, run_args(write_worker_file(dir, kafka.bootstrap()), pipeline));
    REQUIRE_MESSAGE(wait_until([&] { return kcat_read(dir, kafka.bootstrap(), "p.raw").size() >= kChecked.size(); }, 30s),
                    "log:\n" << run.log());
    // The stored source offset reaches the end of the file: dropped records do not hold it back.
    const std::string end = "{\"position\":" + std::to_string(std::filesystem::file_size(input)) + "}";
    CHECK_MESSAGE(wait_until([&] {
                      auto offsets = kcat_read(dir, kafka.bootstrap(), "sluice-offsets");
                      return !offsets.empty() && offsets.back().value == end;
                  }, 20s),
                  "offsets: " << [&] {
                      std::string s;
                      for (auto& o : kcat_read(dir, kafka.bootstrap(), "sluice-offsets")) s += o.value + " ";
                      return s;
                  }());
    auto status = run.stop(20s);
    REQUIRE(status);
    CHECK_MESSAGE(*status == exited(0), status->describe() << "; log:\n" << run.log());

    std::vector<std::string> produced;
    for (const auto& r : kcat_read(dir, kafka.bootstrap(), "p.raw")) produced.push_back(r.value);
    CHECK(produced == kChecked);
    auto dlq = read_dead_letters(dir, kafka.bootstrap(), "p.dlq");
    REQUIRE(dlq.size() == 2);
    CHECK(dlq[0].value == "not json");  // as the source plugin produced it, before any transform
    CHECK(dlq[1].value == R"({"speed":"fast"})");
    for (auto& d : dlq) {
        CHECK(d.headers["__connect.errors.connector.name"] == "psrc.in");
        CHECK(d.headers["__connect.errors.stage"] == "TRANSFORMATION");
        CHECK(d.headers["__connect.errors.topic"] == "p.raw");
        CHECK(d.headers.count("__connect.errors.offset") == 0);  // no Kafka offset yet: the source position instead
        CHECK(d.headers["__sluice.errors.source.partition"].find("in.jsonl") != std::string::npos);
    }
    // Each poison record's source offset is the position right after its line.
    CHECK(dlq[0].headers["__sluice.errors.source.offset"] == "{\"position\":" + std::to_string(12 + 12 + 9) + "}");
    CHECK(dlq[1].headers["__sluice.errors.source.offset"] == "{\"position\":" + std::to_string(12 + 12 + 9 + 17) + "}");
}

TEST_CASE("poison record, source connector, errors.tolerance none: FAILED with the source offset, no offset stored past it") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "p.raw:1"});
    const std::string input = input_file(dir), pipeline = dir.file("psrc.yaml");
    write_file(pipeline, source_pipeline(input, kNoRestart2));
    Sluice run(dir, run_args(write_worker_file(dir, kafka.bootstrap()), pipeline));
    auto status = run.process().wait(30s);  // its only connector failed: the worker stops on its own
    REQUIRE_MESSAGE(status, "log:\n" << run.log());
    CHECK_MESSAGE(*status == exited(4), status->describe() << "; log:\n" << run.log());
    CHECK_MESSAGE(run.log().find("[psrc.in/0] task failed: TRANSFORMATION failed at source partition ") != std::string::npos,
                  "log:\n" << run.log());
    CHECK(run.log().find("offset {\"position\":33} in fixture_json_check: transform 'fixture_json_check': value is not a JSON "
                         "object: not json") != std::string::npos);
    for (const auto& o : kcat_read(dir, kafka.bootstrap(), "sluice-offsets")) {
        CAPTURE(o.value);
        CHECK(o.value.find("\"position\":") == std::string::npos);  // no offset of this batch is ever stored
    }
    for (const auto& r : kcat_read(dir, kafka.bootstrap(), "p.raw")) CHECK(r.value.find("\"speed\":5") == std::string::npos);
}

// ---- put() ERROR with record_index, report_errant from put() and poll() ------------------

namespace {
const std::vector<std::string> kPlain = {"r1", "r2", "POISON-3", "r4", "r5", "POISON-6", "r7"};

std::string plain_input(const TempDir& dir) {
    std::string text;
    for (const auto& l : kPlain) text += l + "\n";
    const std::string path = dir.file("plain.txt");
    write_file(path, text);
    return path;
}

std::string picky_pipeline(const std::string& input, const std::string& output, const std::string& mode, const std::string& errors) {
    return "name: picky\n"
           "source: {name: in, plugin: file, topic: p.raw, config: {path: '" + input + "'}}\n"
           "sinks:\n"
           "  - name: out\n"
           "    plugin: fixture_picky_sink\n"
           "    config: {path: '" + output + "', mode: " + mode + "}\n" + errors;
}
}  // namespace

TEST_CASE("put() ERROR with record_index: records before it accepted, the record dead-lettered, the rest offered again") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "p.raw:1", "p.dlq:1"});
    const std::string output = dir.file("out.txt"), pipeline = dir.file("picky.yaml");
    write_file(pipeline, picky_pipeline(plain_input(dir), output, "index", errors_all("    ")));
    Sluice run(dir, run_args(write_worker_file(dir, kafka.bootstrap()), pipeline));
    REQUIRE_MESSAGE(wait_until([&] { return read_lines(output).size() >= 5; }, 30s), "log:\n" << run.log());
    auto status = run.stop(20s);
    REQUIRE(status);
    CHECK_MESSAGE(*status == exited(0), status->describe() << "; log:\n" << run.log());
    // Every good record exactly once and in order: none lost, none written twice.
    CHECK(read_lines(output) == std::vector<std::string>{"r1", "r2", "r4", "r5", "r7"});
    auto dlq = read_dead_letters(dir, kafka.bootstrap(), "p.dlq");
    REQUIRE(dlq.size() == 2);
    CHECK(dlq[0].value == "POISON-3");
    CHECK(dlq[1].value == "POISON-6");
    CHECK(dlq[0].headers["__connect.errors.offset"] == "2");
    CHECK(dlq[1].headers["__connect.errors.offset"] == "5");
    CHECK(dlq[0].headers["__connect.errors.stage"] == "TASK_PUT");
    CHECK(dlq[0].headers["__connect.errors.class.name"] == "fixture_picky_sink");
    CHECK(dlq[0].headers["__connect.errors.exception.class.name"] == "sluice.PutError");
    CHECK(dlq[0].headers["__connect.errors.exception.message"] == "cannot write a POISON record");
    CHECK(run.log().find("[picky.out/0] stopped: 5 records written") != std::string::npos);
}

TEST_CASE("report_errant from put(): tolerance all dead-letters and goes on; none fails the task at the record") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "p.raw:1", "p.dlq:1"});
    const std::string input = plain_input(dir), worker = write_worker_file(dir, kafka.bootstrap());
    SUBCASE("all") {
        const std::string output = dir.file("out.txt"), pipeline = dir.file("picky.yaml");
        write_file(pipeline, picky_pipeline(input, output, "report", errors_all("    ")));
        Sluice run(dir, run_args(worker, pipeline));
        REQUIRE_MESSAGE(wait_until([&] { return read_dead_letters(dir, kafka.bootstrap(), "p.dlq").size() >= 2; }, 30s),
                        "log:\n" << run.log());
        REQUIRE(wait_until([&] { return read_lines(output).size() >= 5; }, 20s));
        CHECK(run.stop(20s) == exited(0));
        CHECK(read_lines(output) == std::vector<std::string>{"r1", "r2", "r4", "r5", "r7"});
        auto dlq = read_dead_letters(dir, kafka.bootstrap(), "p.dlq");
        CHECK(dlq[0].headers["__connect.errors.exception.class.name"] == "sluice.ErrantRecord");
        CHECK(dlq[0].headers["__connect.errors.stage"] == "TASK_PUT");
    }
    SUBCASE("none") {
        const std::string output = dir.file("out-none.txt"), pipeline = dir.file("picky.yaml");
        write_file(pipeline, picky_pipeline(input, output, "report", kNoRestart4));
        Sluice run(dir, run_args(worker, pipeline));
        REQUIRE_MESSAGE(run.wait_for_log("[picky.out/0] task failed: ", 30s), "log:\n" << run.log());
        CHECK_MESSAGE(run.log().find("[picky.out/0] task failed: TASK_PUT failed at p.raw[0]@2 in fixture_picky_sink: cannot "
                                     "write a POISON record") != std::string::npos,
                      "log:\n" << run.log());
        CHECK(run.stop(20s) == exited(4));
        CHECK(read_dead_letters(dir, kafka.bootstrap(), "p.dlq").empty());
    }
}

TEST_CASE("report_errant from poll(): a source's unreadable row goes to the dead-letter topic, its offset still advances") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "p.raw:1", "p.dlq:1"});
    const std::string pipeline = dir.file("errsrc.yaml");
    write_file(pipeline, "name: errsrc\n"
                         "source:\n"
                         "  name: in\n"
                         "  plugin: fixture_errant_source\n"
                         "  topic: p.raw\n"
                         "  config: {lines: [a, b, POISON-c, d]}\n" + errors_all("  "));
    Sluice run(dir, run_args(write_worker_file(dir, kafka.bootstrap()), pipeline));
    REQUIRE_MESSAGE(wait_until([&] {
                        auto offsets = kcat_read(dir, kafka.bootstrap(), "sluice-offsets");
                        return !offsets.empty() && offsets.back().value == R"({"i":4})";
                    }, 30s),
                    "log:\n" << run.log());
    CHECK(run.stop(20s) == exited(0));
    std::vector<std::string> produced;
    for (const auto& r : kcat_read(dir, kafka.bootstrap(), "p.raw")) produced.push_back(r.value);
    CHECK(produced == std::vector<std::string>{"a", "b", "d"});
    auto dlq = read_dead_letters(dir, kafka.bootstrap(), "p.dlq");
    REQUIRE(dlq.size() == 1);
    CHECK(dlq[0].value == "POISON-c");
    CHECK(dlq[0].headers["__connect.errors.stage"] == "TASK_POLL");
    CHECK(dlq[0].headers["__connect.errors.class.name"] == "fixture_errant_source");
    CHECK(dlq[0].headers["__connect.errors.exception.message"] == "upstream row 3 is unreadable");
    CHECK(dlq[0].headers["__sluice.errors.source.partition"] == R"({"src":"fixture"})");
    CHECK(dlq[0].headers["__sluice.errors.source.offset"] == R"({"i":3})");
}

TEST_CASE("poison record through the real cast transform (sluice_transform_standard), tolerance all + DLQ") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "p.raw:1", "p.dlq:1"});
    const std::string output = dir.file("out.jsonl"), pipeline = dir.file("cast.yaml");
    write_file(pipeline, "name: cast\n"
                         "source: {name: in, plugin: file, topic: p.raw, config: {path: '" + input_file(dir) + "'}}\n"
                         "sinks:\n"
                         "  - name: out\n"
                         "    plugin: file\n"
                         "    config: {path: '" + output + "'}\n"
                         "    transforms:\n"
                         "      - {type: cast, spec: 'speed:float64'}\n" + errors_all("    "));
    Sluice run(dir, run_args(write_worker_file(dir, kafka.bootstrap()), pipeline));
    REQUIRE_MESSAGE(wait_until([&] { return read_dead_letters(dir, kafka.bootstrap(), "p.dlq").size() >= 2; }, 30s),
                    "log:\n" << run.log());
    REQUIRE(wait_until([&] { return read_lines(output).size() >= 4; }, 20s));
    CHECK(run.stop(20s) == exited(0));
    auto out = read_lines(output);
    REQUIRE(out.size() == 4);
    for (const auto& l : out) CHECK(l.find("\"speed\":") != std::string::npos);
    CHECK(out[0].find("\"speed\":1") != std::string::npos);
    CHECK(out[3].find("\"speed\":6") != std::string::npos);
    auto dlq = read_dead_letters(dir, kafka.bootstrap(), "p.dlq");
    REQUIRE(dlq.size() == 2);
    CHECK(dlq[0].value == "not json");
    CHECK(dlq[1].value == R"({"speed":"fast"})");
    CHECK(dlq[0].headers["__connect.errors.class.name"] == "cast");
    CHECK(dlq[1].headers["__connect.errors.stage"] == "TRANSFORMATION");
}

TEST_CASE("sluice plugins lists transforms and predicates (text, --json, --markdown)") {
    TempDir dir;
    auto text = run_sluice(dir, {"plugins", "--plugin-dir", fixture_chain_plugin_dir()});
    CHECK(text.status == exited(0));
    CHECK(text.out.find("\ntransform fixture_json_check 0.1.0  (chain.so)\n") != std::string::npos);
    CHECK(text.out.find("\npredicate fixture_value_contains 0.1.0  (chain.so)\n") != std::string::npos);
    CHECK(text.out.find("chain_duplicate.so: declares the transform plugin 'fixture_json_check', already provided by") !=
          std::string::npos);
    auto json = run_sluice(dir, {"plugins", "--json", "--plugin-dir", fixture_chain_plugin_dir()});
    auto listing = nlohmann::json::parse(json.out);
    std::map<std::string, std::string> kinds;
    for (const auto& p : listing.at("plugins")) kinds[p.at("name").get<std::string>()] = p.at("kind").get<std::string>();
    CHECK(kinds.at("fixture_json_check") == "transform");
    CHECK(kinds.at("fixture_value_contains") == "predicate");
    CHECK(kinds.at("fixture_picky_sink") == "sink");
    auto md = run_sluice(dir, {"plugins", "--markdown", "--plugin-dir", fixture_chain_plugin_dir()});
    CHECK(md.out.find("\n## Transform `fixture_json_check` 0.1.0\n") != std::string::npos);
    CHECK(md.out.find("\n## Predicate `fixture_value_contains` 0.1.0\n") != std::string::npos);
}

TEST_CASE("a record Kafka refuses (larger than message.max.bytes) is a KAFKA_PRODUCE failure: none fails, all skips") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "p.raw:1"});
    const std::string input = dir.file("big.txt");
    const std::string big(1100 * 1000, 'x');  // over the producer's default message.max.bytes (1000000)
    write_file(input, "a\nb\n" + big + "\nc\n");
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    auto pipeline = [&](const std::string& errors) {
        const std::string path = dir.file("big.yaml");
        write_file(path, "name: big\nsource:\n  name: in\n  plugin: file\n  topic: p.raw\n  config: {path: '" + input + "'}\n" + errors);
        return path;
    };
    SUBCASE("none") {
        Sluice run(dir, run_args(worker, pipeline(kNoRestart2)));
        auto status = run.process().wait(30s);
        REQUIRE_MESSAGE(status, "log:\n" << run.log());
        CHECK(*status == exited(4));
        CHECK_MESSAGE(run.log().find("[big.in/0] task failed: KAFKA_PRODUCE failed at source partition ") != std::string::npos,
                      "log:\n" << run.log());
        CHECK(run.log().find("offset {\"position\":" + std::to_string(4 + big.size() + 1) + "} in kafka: could not be produced to p.raw") !=
              std::string::npos);
        for (const auto& o : kcat_read(dir, kafka.bootstrap(), "sluice-offsets")) CHECK(o.value.find("position") == std::string::npos);
    }
    SUBCASE("all") {
        Sluice run(dir, run_args(worker, pipeline("  errors: {tolerance: all, log.enable: true}\n")));
        const std::string end = "{\"position\":" + std::to_string(std::filesystem::file_size(input)) + "}";
        REQUIRE_MESSAGE(wait_until([&] {
                            auto offsets = kcat_read(dir, kafka.bootstrap(), "sluice-offsets");
                            return !offsets.empty() && offsets.back().value == end;
                        }, 30s),
                        "log:\n" << run.log());
        CHECK(run.stop(20s) == exited(0));
        std::vector<std::string> produced;
        for (const auto& r : kcat_read(dir, kafka.bootstrap(), "p.raw")) produced.push_back(r.value);
        CHECK(produced == std::vector<std::string>{"a", "b", "c"});
        CHECK(run.log().find("errant record skipped (not kept): KAFKA_PRODUCE failed at source partition") != std::string::npos);
    }
}
