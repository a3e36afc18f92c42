// The clickhouse sink in a real `sluice run` against a real clickhouse-server (Debian's
// package; the ctest fixture's server, or a private one for the test that stops it):
// records produced with kcat to sluice-mock-kafka, consumed by the worker, inserted over
// HTTP. Checks exact rows and values, exactly-once across kill -9 and across a ClickHouse
// outage, the isolation of a bad record, and the pre-flight errors of `sluice check`.
#include "clickhouse_test_server.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <map>
#include <set>
#include <sstream>
#include <thread>

using namespace sluice::it;
using sluice::testing::clickhouse_number;
using sluice::testing::clickhouse_query;
using sluice::testing::clickhouse_url;
using sluice::testing::clickhouse_url_from;
using sluice::testing::unique_table;
using sluice::testing::wait_until;
using sluice::testing::write_file;

namespace {

// The value of record i: every column typed differently, and a string with characters
// that need JSON escaping.
std::string value_of(int i) {
    return "{\"sensor\":\"S" + std::to_string(i % 17) + "\",\"flow\":" + std::to_string(i * 7 % 1000) +
           ",\"speed\":" + std::to_string(i % 130) + ".5,\"note\":\"n\\\"" + std::to_string(i) + "\\\\\",\"seq\":" +
           std::to_string(i) + "}";
}

// Produces records [from, to) with kcat (key = sensor; partition by key, or `partition`).
void produce(const TempDir& dir, const std::string& bootstrap, const std::string& topic, int from, int to,
             const std::map<int, std::string>& replaced = {}, int partition = -1) {
    REQUIRE_MESSAGE(!kcat_bin().empty(), "kcat is needed for this test");
    std::string lines;
    for (int i = from; i < to; ++i) {
        auto it = replaced.find(i);
        lines += "S" + std::to_string(i % 17) + "\t" + (it != replaced.end() ? it->second : value_of(i)) + "\n";
    }
    const std::string input = dir.file("produce-" + std::to_string(from) + ".txt");
    write_file(input, lines);
    sluice::testing::SpawnOptions options;
    options.stdin_path = input;
    std::vector<std::string> args{kcat_bin(), "-P", "-b", bootstrap, "-t", topic, "-K", "\t"};
    if (partition >= 0) args.insert(args.end(), {"-p", std::to_string(partition)});
    auto r = sluice::testing::run(args, dir.path().string(), 60s, options);
    REQUIRE_MESSAGE(r.status == exited(0), "kcat -P " << r.status.describe() << ": " << r.err);
}

const char* kColumns = "['sensor String', 'flow UInt32', 'speed Float64', 'note String', 'seq UInt64']";

std::string sink_pipeline(const TempDir& dir, const std::string& url, const std::string& table, const std::string& topic,
                          const std::string& extra_config = "", const std::string& extra_connector = "") {
    const std::string path = dir.file("to-clickhouse.yaml");
    write_file(path, "name: ch\n"
                     "sinks:\n"
                     "  - name: warehouse\n"
                     "    plugin: clickhouse\n"
                     "    topics: [" + topic + "]\n" + extra_connector +
                     "    config:\n"
                     "      url: " + url + "\n"
                     "      table: " + table + "\n"
                     "      create_table: true\n"
                     "      columns: " + kColumns + "\n" + extra_config);
    return path;
}

struct TableCheck {
    std::string url, table;
    long long count() const { return clickhouse_number(url, "SELECT count() FROM " + table); }
    long long duplicates() const {
        return clickhouse_number(url, "SELECT count() FROM (SELECT _partition, _offset, count() AS n FROM " + table +
                                          " GROUP BY _partition, _offset HAVING n > 1)");
    }
    // Waits (bounded) until count() reaches `n`; false on timeout. A server that does not
    // answer counts as "not yet".
    bool wait_count(long long n, std::chrono::milliseconds timeout) const {
        return wait_until(
            [&] {
                try {
                    return count() >= n;
                } catch (const std::exception&) {
                    return false;
                }
            },
            timeout, 100ms);
    }
};

// Every row against what was produced: seq i has the values of value_of(i), and each
// (partition, offset) of the topic appears exactly once.
void check_rows_exact(const TableCheck& t, const TempDir& dir, const std::string& bootstrap, const std::string& topic,
                      int produced, const std::set<int>& missing = {}) {
    std::map<std::pair<int32_t, int64_t>, std::string> kafka;  // (partition, offset) -> value
    for (auto& r : kcat_read(dir, bootstrap, topic)) kafka[{r.partition, r.offset}] = r.value;
    REQUIRE(kafka.size() == static_cast<size_t>(produced));
    const std::string tsv = clickhouse_query(t.url, "SELECT _partition, _offset, sensor, flow, speed, note, seq FROM " +
                                                        t.table + " ORDER BY _partition, _offset FORMAT TabSeparated");
    std::istringstream in(tsv);
    std::string line;
    size_t rows = 0;
    while (std::getline(in, line)) {
        ++rows;
        std::vector<std::string> f;
        std::stringstream ls(line);
        for (std::string field; std::getline(ls, field, '\t');) f.push_back(field);
        REQUIRE_MESSAGE(f.size() == 7, line);
        const int seq = std::stoi(f[6]);
        auto it = kafka.find({std::stoi(f[0]), std::stoll(f[1])});
        REQUIRE_MESSAGE(it != kafka.end(), "row at " << f[0] << "/" << f[1] << " has no Kafka record");
        CHECK(it->second == value_of(seq));  // the row is the record at its coordinates
        CHECK(f[2] == "S" + std::to_string(seq % 17));
        CHECK(f[3] == std::to_string(seq * 7 % 1000));
        CHECK(f[4] == std::to_string(seq % 130) + ".5");
        CHECK(f[5] == "n\"" + std::to_string(seq) + "\\\\");  // TSV escapes the backslash
        kafka.erase(it);
    }
    CHECK(rows == static_cast<size_t>(produced) - missing.size());
    CHECK(kafka.size() == missing.size());  // the rejected ones only
}

}  // namespace

TEST_CASE("clickhouse: topic -> table, exact rows and values, coordinates of every record") {
    TempDir dir;
    MockKafka kafka(dir, {"ch.e2e:3"});
    TableCheck t{clickhouse_url(), unique_table("e2e")};
    constexpr int kRecords = 5000;
    produce(dir, kafka.bootstrap(), "ch.e2e", 0, kRecords);
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    Sluice run(dir, {"run", "--worker", worker, "--plugin-dir", plugin_dir(),
                     sink_pipeline(dir, t.url, t.table, "ch.e2e", "      batch.max.rows: 1000\n")});
    REQUIRE_MESSAGE(t.wait_count(kRecords, 60s), "count " << t.count() << "; log:\n" << run.log());
    std::this_thread::sleep_for(500ms);  // nothing more arrives
    CHECK(t.count() == kRecords);
    CHECK(t.duplicates() == 0);
    check_rows_exact(t, dir, kafka.bootstrap(), "ch.e2e", kRecords);
    CHECK(run.log().find("exactly-once by _offset watermark") != std::string::npos);
    CHECK(run.stop() == exited(0));
}

TEST_CASE("clickhouse: kill -9 mid-stream, restart: count() == produced and no (_partition, _offset) twice") {
    TempDir dir;
    MockKafka kafka(dir, {"ch.crash:3"});
    TableCheck t{clickhouse_url(), unique_table("crash")};
    constexpr int kRecords = 30000;
    produce(dir, kafka.bootstrap(), "ch.crash", 0, kRecords);
    // Small inserts and a long offset flush interval: when the kill strikes, many rows are
    // in the table whose offsets were never committed to Kafka.
    const std::string worker = write_worker_file(dir, kafka.bootstrap(), {5000, 200, "sink.batch.max.records: 100\n"});
    const std::string pipeline =
        sink_pipeline(dir, t.url, t.table, "ch.crash", "      batch.max.rows: 100\n      batch.max.ms: 0\n");
    const std::vector<std::string> args{"run", "--worker", worker, "--plugin-dir", plugin_dir(), pipeline};
    long long at_kill = 0;
    {
        Sluice first(dir, args, "run1");
        REQUIRE_MESSAGE(t.wait_count(3000, 60s), "log:\n" << first.log());
        CHECK(first.process().kill().signal == SIGKILL);
        at_kill = t.count();
        MESSAGE("kill -9 with ", at_kill, " rows in the table");
        REQUIRE(at_kill < kRecords);
    }
    Sluice second(dir, args, "run2");
    REQUIRE_MESSAGE(t.wait_count(kRecords, 90s), "count " << t.count() << "; log:\n" << second.log());
    std::this_thread::sleep_for(1s);
    CHECK(t.count() == kRecords);
    CHECK(t.duplicates() == 0);
    // The restart resumed from the table, past what Kafka had committed.
    CHECK_MESSAGE(second.count_in_log("as the sink asked") >= 1, second.log());
    // The created table has no PARTITION BY: the inserts carried rows of all three
    // partitions at once, and the watermarks were still exact.
    CHECK_MESSAGE(second.log().find("one insert for all partitions of a batch") != std::string::npos, second.log());
    check_rows_exact(t, dir, kafka.bootstrap(), "ch.crash", kRecords);
    CHECK(second.stop() == exited(0));
}

TEST_CASE("clickhouse: the server stopped for 10 s mid-stream: the sink waits, then no loss and no duplicate") {
    TempDir dir;
    MockKafka kafka(dir, {"ch.outage:2"});
    // A private server: stopping the shared one would disturb other tests.
    const std::string server_dir = dir.file("clickhouse");
    const std::string script = source_dir() + "/scripts/clickhouse-server.sh";
    auto start_server = [&] {
        sluice::testing::SpawnOptions o;
        o.stdout_path = dir.file("clickhouse.out");
        o.stderr_path = dir.file("clickhouse.err");
        return Process::spawn({"bash", script, "run", server_dir}, o);  // dies with the test
    };
    Process server = start_server();
    REQUIRE(wait_until([&] { return std::filesystem::exists(server_dir + "/env"); }, 20s));
    TableCheck t{clickhouse_url_from(server_dir + "/env"), "outage"};
    auto answers = [&] {
        try {
            return clickhouse_query(t.url, "SELECT 1") == "1\n";
        } catch (const std::exception&) {
            return false;
        }
    };
    REQUIRE_MESSAGE(wait_until(answers, 30s, 100ms), sluice::testing::read_lines(dir.file("clickhouse.err")).size());

    constexpr int kRecords = 20000, kBefore = 5000;
    produce(dir, kafka.bootstrap(), "ch.outage", 0, kBefore);
    const std::string worker = write_worker_file(dir, kafka.bootstrap(), {500, 200, "sink.batch.max.records: 200\n"});
    Sluice run(dir, {"run", "--worker", worker, "--plugin-dir", plugin_dir(),
                     sink_pipeline(dir, t.url, t.table, "ch.outage", "      batch.max.rows: 200\n      batch.max.ms: 0\n")});
    REQUIRE_MESSAGE(t.wait_count(kBefore, 60s), "log:\n" << run.log());

    // The stream goes on while ClickHouse is down for 10 s: the sink must hold and retry.
    server.signal(SIGTERM);
    REQUIRE(server.wait(30s).has_value());
    produce(dir, kafka.bootstrap(), "ch.outage", kBefore, kRecords);
    std::this_thread::sleep_for(10s);
    CHECK(run.process().running());  // waiting, not failed
    CHECK_MESSAGE(run.log().find("cannot reach ClickHouse") != std::string::npos, run.log());
    server = start_server();
    REQUIRE_MESSAGE(wait_until(answers, 30s, 100ms), "the server did not come back on the same port");

    REQUIRE_MESSAGE(t.wait_count(kRecords, 90s), "count " << t.count() << "; log:\n" << run.log());
    std::this_thread::sleep_for(1s);
    CHECK(t.count() == kRecords);
    CHECK(t.duplicates() == 0);
    check_rows_exact(t, dir, kafka.bootstrap(), "ch.outage", kRecords);
    CHECK(run.stop() == exited(0));
    server.signal(SIGTERM);
    server.wait(30s);
}

TEST_CASE("clickhouse: a bad record in the middle of a batch: the task fails naming it, every good row is in") {
    TempDir dir;
    MockKafka kafka(dir, {"ch.bad:1"});
    TableCheck t{clickhouse_url(), unique_table("bad")};
    constexpr int kRecords = 200;
    produce(dir, kafka.bootstrap(), "ch.bad", 0, kRecords, {{120, "{\"sensor\":\"S1\",\"flow\":\"lots\"}"}}, 0);
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    Sluice run(dir, {"run", "--worker", worker, "--plugin-dir", plugin_dir(),
                     sink_pipeline(dir, t.url, t.table, "ch.bad", "      batch.max.rows: 10000\n")});
    REQUIRE_MESSAGE(run.wait_for_log("record ch.bad[0]@120 not inserted", 60s), run.log());
    REQUIRE(t.wait_count(kRecords - 1, 10s));
    CHECK(t.count() == kRecords - 1);
    CHECK(t.duplicates() == 0);
    CHECK(clickhouse_number(t.url, "SELECT count() FROM " + t.table + " WHERE _offset = 120") == 0);
    CHECK(clickhouse_number(t.url, "SELECT count() FROM " + t.table + " WHERE _offset > 120") == kRecords - 121);
    // ClickHouse's own explanation travels with the record.
    CHECK_MESSAGE(run.log().find("ClickHouse error 27") != std::string::npos, run.log());
    CHECK_MESSAGE(run.log().find("failed") != std::string::npos, run.log());
    run.stop();
}

TEST_CASE("clickhouse: a bad record with errors.tolerance all goes to the dead-letter topic, the rest to the table") {
    TempDir dir;
    MockKafka kafka(dir, {"ch.dlq:1", "ch.dlq.dead:1"});
    TableCheck t{clickhouse_url(), unique_table("dlq")};
    constexpr int kRecords = 300;
    const std::string bad1 = "{\"sensor\":\"S1\",\"flow\":\"lots\"}", bad2 = "not json at all";
    produce(dir, kafka.bootstrap(), "ch.dlq", 0, kRecords, {{120, bad1}, {250, bad2}}, 0);
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    Sluice run(dir, {"run", "--worker", worker, "--plugin-dir", plugin_dir(),
                     sink_pipeline(dir, t.url, t.table, "ch.dlq", "",
                                   "    errors: {tolerance: all, deadletterqueue.topic.name: ch.dlq.dead}\n")});
    REQUIRE_MESSAGE(t.wait_count(kRecords - 2, 60s), "count " << t.count() << "; log:\n" << run.log());
    std::vector<KafkaRecord> dead;
    REQUIRE(wait_until([&] { return (dead = kcat_read(dir, kafka.bootstrap(), "ch.dlq.dead")).size() >= 2; }, 30s));
    REQUIRE(dead.size() == 2);
    CHECK(dead[0].value == bad1);  // the records as they were, in offset order
    CHECK(dead[1].value == bad2);
    std::this_thread::sleep_for(500ms);
    CHECK(t.count() == kRecords - 2);
    CHECK(t.duplicates() == 0);
    CHECK(clickhouse_number(t.url, "SELECT count() FROM " + t.table + " WHERE _offset IN (120, 250)") == 0);
    CHECK(run.process().running());  // tolerated: the task goes on
    CHECK(run.stop() == exited(0));
}

TEST_CASE("clickhouse: sluice check explains wrong credentials, an unknown table, an unreachable server") {
    TempDir dir;
    const std::string url = clickhouse_url();
    const std::string worker = write_worker_file(dir, "127.0.0.1:1");
    auto check = [&](const std::string& config) {
        const std::string path = dir.file("check.yaml");
        write_file(path, "name: ch\n"
                         "sinks:\n"
                         "  - name: warehouse\n"
                         "    plugin: clickhouse\n"
                         "    topics: [t]\n"
                         "    config:\n" + config);
        return run_sluice(dir, {"check", "--worker", worker, "--plugin-dir", plugin_dir(), path});
    };
    SUBCASE("wrong password") {
        auto r = check("      url: " + url + "\n      table: x\n      user: sluice\n      password: nope\n");
        CHECK(r.status == exited(3));
        CHECK_MESSAGE(r.err.find("Wrong password for user sluice") != std::string::npos, r.err);
        CHECK(r.err.find("nope") == std::string::npos);
    }
    SUBCASE("unknown table") {
        auto r = check("      url: " + url + "\n      table: no_such_table\n");
        CHECK(r.status == exited(3));
        CHECK_MESSAGE(r.err.find("`default`.`no_such_table` at " + url + " does not exist") != std::string::npos, r.err);
    }
    SUBCASE("unreachable server") {
        auto r = check("      url: http://127.0.0.1:9\n      table: x\n");
        CHECK(r.status == exited(3));
        CHECK_MESSAGE(r.err.find("cannot reach ClickHouse") != std::string::npos, r.err);
    }
}
