// The postgres and mysql sinks and sources in a real `sluice run` against real servers
// (Debian's PostgreSQL 15 and MariaDB 10.11: the ctest fixtures, or a private server for
// the outage test), sluice-mock-kafka in its own process, kcat as the outside Kafka client.
//
// Every case exists once per database (test names start with "postgres:" or "mariadb:";
// ctest runs each half on its own fixture): exact rows and types from real records, upsert
// keeps the latest per key, kill -9 and restart (every row once), the database stopped for
// 10 s (no loss, no duplicate), a poison record with each error tolerance, and a source
// over a table receiving inserts (rows sharing a timestamp, a late commit) across a restart.
#include "harness.hpp"
#include "fixture_records.hpp"
#include "ods_replay_server.hpp"
#include "sql_test_servers.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

using namespace sluice::it;
using sluice::testing::Db;
using sluice::testing::ServerInfo;
using sluice::testing::SqlClient;
using sluice::testing::unique_name;
using sluice::testing::wait_until;
using sluice::testing::write_file;
using Json = nlohmann::json;

namespace {

std::string plugin(Db db) { return db == Db::postgres ? "postgres" : "mysql"; }

std::string fixtures_dir() { return SLUICE_FIXTURES_DIR; }

// Produces "key\tvalue" lines with kcat (partition by key); an empty value with `nulls` is a
// tombstone.
void produce(const TempDir& dir, const std::string& bootstrap, const std::string& topic, const std::vector<std::string>& lines,
             bool nulls = false) {
    REQUIRE_MESSAGE(!kcat_bin().empty(), "kcat is needed for this test");
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    const std::string input = dir.file(unique_name("produce") + ".txt");
    write_file(input, text);
    sluice::testing::SpawnOptions options;
    options.stdin_path = input;
    std::vector<std::string> args{kcat_bin(), "-P", "-b", bootstrap, "-t", topic, "-K", "\t"};
    if (nulls) args.push_back("-Z");
    auto r = sluice::testing::run(args, dir.path().string(), 60s, options);
    REQUIRE_MESSAGE(r.status == exited(0), "kcat -P " << r.status.describe() << ": " << r.err);
}

// A sink connector's YAML (under sinks:) with the server's connection keys.
std::string sink_yaml(Db db, const ServerInfo& s, const std::string& name, const std::string& topic, const std::string& config,
                      const std::string& extra = "") {
    return "  - name: " + name + "\n"
           "    plugin: " + plugin(db) + "\n"
           "    topics: [" + topic + "]\n" + extra +
           "    config:\n"
           "      connection.url: " + s.url + "\n"
           "      connection.user: " + s.user + "\n"
           "      connection.password: " + s.password + "\n" + config;
}

std::string write_pipeline(const TempDir& dir, const std::string& file, const std::string& body) {
    const std::string path = dir.file(file);
    write_file(path, body);
    return path;
}

std::vector<std::string> run_args(const std::string& worker, const std::string& pipeline) {
    return {"run", "--worker", worker, "--plugin-dir", plugin_dir(), pipeline};
}

// count(*) of a table; -1 while it does not exist or the server does not answer.
long long count_rows(const ServerInfo& s, const std::string& table, const std::string& where = "") {
    try {
        SqlClient c(s, false);
        return c.number("SELECT count(*) FROM " + table + (where.empty() ? "" : " WHERE " + where));
    } catch (const std::exception&) {
        return -1;
    }
}

bool wait_rows(const ServerInfo& s, const std::string& table, long long n, std::chrono::milliseconds timeout) {
    return wait_until([&] { return count_rows(s, table) >= n; }, timeout, 100ms);
}

// One JSON value of a record against the text the database returns for its column.
bool same_value(const Json& expected, const std::optional<std::string>& cell) {
    if (expected.is_null()) return !cell;
    if (!cell) return false;
    if (expected.is_string()) return *cell == expected.get<std::string>();
    if (expected.is_boolean()) return *cell == (expected.get<bool>() ? "true" : "false") || *cell == (expected.get<bool>() ? "1" : "0");
    if (expected.is_number()) return Json::parse(*cell, nullptr, false) == expected;
    return Json::parse(*cell, nullptr, false) == expected;  // objects and arrays: equal as JSON
}

// seq values of a table, with how many times each appears.
std::map<long long, int> seq_counts(const ServerInfo& s, const std::string& table) {
    SqlClient c(s, false);
    std::map<long long, int> out;
    for (const auto& row : c.rows("SELECT seq FROM " + table)) ++out[std::stoll(*row[0])];
    return out;
}

// Values with a unique "seq", a sensor, numbers and a text that needs escaping.
std::vector<std::string> seq_records(int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i < to; ++i)
        out.push_back("S" + std::to_string(i % 17) + "\t{\"seq\":" + std::to_string(i) + ",\"sensor\":\"S" + std::to_string(i % 17) +
                      "\",\"flow\":" + std::to_string(i * 7 % 1000) + ",\"speed\":" + std::to_string(i % 130) +
                      ".5,\"note\":\"n'\\\"" + std::to_string(i) + "\"}");
    return out;
}

void check_every_seq_once(const ServerInfo& s, const std::string& table, int n) {
    const auto counts = seq_counts(s, table);
    CHECK(counts.size() == static_cast<size_t>(n));
    int duplicates = 0;
    for (const auto& [seq, c] : counts) duplicates += c > 1;
    CHECK(duplicates == 0);
    CHECK((counts.empty() || (counts.begin()->first == 0 && counts.rbegin()->first == n - 1)));
}

// ---- the cases, each run for both databases ---------------------------------------------

// Real records, every value compared with the record it came from. PostgreSQL: Bordeaux's
// traffic segments (ci_trafi_l snapshot, as the opendatasoft source emits them), upserted by
// gid into a created table. MariaDB: datagen's readings in the same worker.
void exact_rows(Db db) {
    const ServerInfo s = ServerInfo::fixture(db);
    TempDir dir;
    const std::string table = unique_name("exact");
    std::string pipeline;
    MockKafka kafka(dir, {"sluice-offsets:1", "exact.raw:3"});
    int expected = 0;
    if (db == Db::postgres) {
        const auto csv = sluice::testing::read_csv(
            fixtures_dir() + "/bordeaux/ci_trafi_l/ci_trafi_l_snapshot_2025-12-18T085050Z.csv", ';');
        const auto values = sluice::testing::table_to_json(csv, sluice::testing::bordeaux_ci_trafi_l_layout());
        std::vector<std::string> lines;
        for (size_t i = 0; i < values.size(); ++i) lines.push_back(csv.at(i, "gid") + "\t" + values[i]);
        produce(dir, kafka.bootstrap(), "exact.raw", lines);
        expected = static_cast<int>(values.size());
        pipeline = write_pipeline(dir, "exact.yaml",
                                  "name: exact\nsinks:\n" +
                                      sink_yaml(db, s, "warehouse", "exact.raw",
                                                "      table.name.format: " + table + "\n"
                                                "      auto.create: true\n"
                                                "      insert.mode: upsert\n"
                                                "      pk.mode: record_value\n"
                                                "      pk.fields: [gid]\n"));
    } else {
        expected = 3000;
        pipeline = write_pipeline(dir, "exact.yaml",
                                  "name: exact\n"
                                  "source:\n"
                                  "  name: traffic\n"
                                  "  plugin: datagen\n"
                                  "  topic: exact.raw\n"
                                  "  config: {sensors: 50, rate: 0, max.records: 3000}\n"
                                  "sinks:\n" +
                                      sink_yaml(db, s, "warehouse", "exact.raw",
                                                "      table.name.format: " + table + "\n"
                                                "      auto.create: true\n"));
    }
    Sluice run(dir, run_args(write_worker_file(dir, kafka.bootstrap()), pipeline));
    REQUIRE_MESSAGE(wait_rows(s, table, expected, 60s), "rows " << count_rows(s, table) << "; log:\n" << run.log());
    CHECK(run.stop() == exited(0));
    CHECK(count_rows(s, table) == expected);

    SqlClient c(s, false);
    // Types the sink chose from the values.
    std::map<std::string, std::string> types;
    for (const auto& row : c.rows(db == Db::postgres ? "SELECT column_name, data_type FROM information_schema.columns WHERE "
                                                       "table_name = '" + table + "'"
                                                     : "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE "
                                                       "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '" + table + "'"))
        types[*row[0]] = *row[1];
    if (db == Db::postgres) {
        CHECK(types["gid"] == "bigint");
        CHECK(types["ident"] == "text");
        CHECK(types["geo_point_2d"] == "jsonb");
        CHECK(types["geo_shape"] == "jsonb");
        CHECK(types["mdate"] == "timestamp with time zone");
        CHECK(types["code_commune"] == "text");
    } else {
        CHECK(types["sensor_id"] == "mediumtext");
        CHECK(types["lane"] == "bigint(20)");
        CHECK(types["ts"] == "datetime(6)");
        CHECK(types["avg_speed_kmh"] == "double");
        CHECK(types["seq"] == "bigint(20)");
    }
    // Every record against its row.
    const std::string key = db == Db::postgres ? "gid" : "seq";
    std::map<std::string, Json> records;
    for (const auto& r : kcat_read(dir, kafka.bootstrap(), "exact.raw")) {
        Json v = Json::parse(r.value);
        records[v[key].dump()] = v;
    }
    REQUIRE(records.size() == static_cast<size_t>(expected));
    std::vector<std::string> columns;
    for (auto it = records.begin()->second.begin(); it != records.begin()->second.end(); ++it) columns.push_back(it.key());
    std::string select;
    for (const auto& col : columns) {
        std::string expr = db == Db::postgres ? "\"" + col + "\"" : "`" + col + "`";
        const std::string& type = types[col];
        if (type == "timestamp with time zone") expr = "to_char(" + expr + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')";
        else if (type == "datetime(6)") expr = "DATE_FORMAT(" + expr + ", '%Y-%m-%dT%H:%i:%s')";
        else if (db == Db::postgres) expr += "::text";
        select += (select.empty() ? "" : ", ") + expr;
    }
    size_t compared = 0;
    for (const auto& row : c.rows("SELECT " + select + " FROM " + table)) {
        std::optional<std::string> key_cell;
        for (size_t i = 0; i < columns.size(); ++i)
            if (columns[i] == key) key_cell = row[i];
        REQUIRE(key_cell);
        auto it = records.find(*key_cell);
        REQUIRE_MESSAGE(it != records.end(), "row " << *key_cell << " has no record");
        for (size_t i = 0; i < columns.size(); ++i) {
            Json want = it->second[columns[i]];
            // Timestamps come back in UTC without offset: compare the instant.
            if (want.is_string() && (types[columns[i]] == "timestamp with time zone" || types[columns[i]] == "datetime(6)")) {
                const std::string text = want.get<std::string>();
                // The records' timestamps are UTC (+00:00 or Z): their first 19 characters.
                want = text.substr(0, 19);
            }
            CHECK_MESSAGE(same_value(want, row[i]), columns[i] << " of " << *key_cell << ": record " << it->second[columns[i]]
                                                               << ", row " << row[i].value_or("NULL"));
        }
        ++compared;
    }
    CHECK(compared == static_cast<size_t>(expected));
}

// Versions 0..3 of 60 keys over 3 partitions, tombstones for some, and a field that only
// the last version has (auto.evolve adds its column).
void upsert_latest(Db db) {
    const ServerInfo s = ServerInfo::fixture(db);
    TempDir dir;
    const std::string table = unique_name("latest");
    MockKafka kafka(dir, {"sluice-offsets:1", "latest.raw:3"});
    std::vector<std::string> lines;
    for (int version = 0; version < 4; ++version)
        for (int k = 0; k < 60; ++k)
            lines.push_back("K" + std::to_string(k) + "\t{\"version\":" + std::to_string(version) + ",\"speed\":" +
                            std::to_string(k * 10 + version) + (version == 3 ? ",\"status\":\"fluide\"" : "") + "}");
    for (int k = 0; k < 60; k += 10) lines.push_back("K" + std::to_string(k) + "\t");  // tombstones
    produce(dir, kafka.bootstrap(), "latest.raw", lines, true);
    const std::string pipeline = write_pipeline(
        dir, "latest.yaml",
        "name: latest\nsinks:\n" + sink_yaml(db, s, "segments", "latest.raw",
                                             "      table.name.format: " + table + "\n"
                                             "      auto.create: true\n"
                                             "      auto.evolve: true\n"
                                             "      insert.mode: upsert\n"
                                             "      pk.mode: record_key\n"
                                             "      pk.fields: [segment]\n"
                                             "      delete.enabled: true\n"
                                             "      batch.max.rows: 50\n"));
    Sluice run(dir, run_args(write_worker_file(dir, kafka.bootstrap(), {500, 200, "sink.batch.max.records: 37\n"}), pipeline));
    REQUIRE_MESSAGE(wait_until([&] { return count_rows(s, table, "status = 'fluide'") == 54 && count_rows(s, table) == 54; }, 60s),
                    "rows " << count_rows(s, table) << "; log:\n" << run.log());
    CHECK(run.stop() == exited(0));
    SqlClient c(s, false);
    for (const auto& row : c.rows("SELECT segment, version, speed FROM " + table)) {
        const int k = std::stoi(row[0]->substr(1));
        CHECK(k % 10 != 0);  // deleted
        CHECK(*row[1] == "3");
        CHECK(*row[2] == std::to_string(k * 10 + 3));
    }
}

// kill -9 in the middle of a stream and restart: every record once, its seq and values.
void kill_and_restart(Db db) {
    const ServerInfo s = ServerInfo::fixture(db);
    TempDir dir;
    const std::string table = unique_name("crash");
    MockKafka kafka(dir, {"sluice-offsets:1", "crash.raw:3"});
    constexpr int kRecords = 20000;
    produce(dir, kafka.bootstrap(), "crash.raw", seq_records(0, kRecords));
    // Small transactions and a long offset flush interval: when the kill strikes, the table
    // holds many rows whose Kafka offsets were never committed.
    const std::string worker = write_worker_file(dir, kafka.bootstrap(), {5000, 200, "sink.batch.max.records: 100\n"});
    const std::string pipeline = write_pipeline(
        dir, "crash.yaml",
        "name: crash\nsinks:\n" + sink_yaml(db, s, "rows", "crash.raw",
                                            "      table.name.format: " + table + "\n"
                                            "      auto.create: true\n"
                                            "      batch.max.rows: 200\n"
                                            "      batch.max.ms: 0\n"));
    long long at_kill = 0;
    {
        Sluice first(dir, run_args(worker, pipeline), "run1");
        REQUIRE_MESSAGE(wait_rows(s, table, 3000, 60s), "log:\n" << first.log());
        CHECK(first.process().kill().signal == SIGKILL);
        at_kill = count_rows(s, table);
        MESSAGE(sluice::testing::db_name(db), ": kill -9 with ", at_kill, " rows in the table");
        REQUIRE(at_kill < kRecords);
    }
    Sluice second(dir, run_args(worker, pipeline), "run2");
    REQUIRE_MESSAGE(wait_rows(s, table, kRecords, 90s), "rows " << count_rows(s, table) << "; log:\n" << second.log());
    CHECK(second.stop() == exited(0));
    CHECK(count_rows(s, table) == kRecords);
    check_every_seq_once(s, table, kRecords);
    CHECK_MESSAGE(second.count_in_log("as the sink asked") >= 1, second.log());  // resumed from the offsets table
    SqlClient c(s, false);
    CHECK(c.scalar("SELECT note FROM " + table + " WHERE seq = 12345") == "n'\"12345");
}

// A private server, destroyed whatever happens.
struct PrivateServer {
    Db db;
    std::string dir, script;
    PrivateServer(Db d, const TempDir& tmp)
        : db(d), dir(tmp.file(std::string(sluice::testing::db_name(d)) + "-server")),
          script(source_dir() + "/scripts/" + sluice::testing::db_name(d) + "-server.sh") {
        try {
            command("start");
        } catch (...) {
            sluice::testing::run({"bash", script, "destroy", dir}, "/", 90s);  // no destructor runs for a failed constructor
            throw;
        }
    }
    ~PrivateServer() {
        sluice::testing::run({"bash", script, "destroy", dir}, "/", 90s);
    }
    void command(const std::string& what) {
        auto r = sluice::testing::run({"bash", script, what, dir}, "/", 120s);
        REQUIRE_MESSAGE(r.status == exited(0), script << " " << what << ": " << r.err);
    }
    ServerInfo info() const { return ServerInfo::from_file(db, dir + "/ports"); }
};

// The database stops for 10 s while records flow: the sink retries, then writes everything
// once. Half the records are written before the stop; the other half reach Kafka during
// the outage, so that writes are sure to fail meanwhile.
void outage(Db db) {
    TempDir dir;
    PrivateServer server(db, dir);
    const ServerInfo s = server.info();
    const std::string table = "outage";
    MockKafka kafka(dir, {"sluice-offsets:1", "outage.raw:2"});
    constexpr int kRecords = 8000;
    produce(dir, kafka.bootstrap(), "outage.raw", seq_records(0, kRecords / 2));
    const std::string worker = write_worker_file(dir, kafka.bootstrap(), {1000, 200, "sink.batch.max.records: 100\n"});
    const std::string pipeline = write_pipeline(
        dir, "outage.yaml",
        "name: outage\nsinks:\n" + sink_yaml(db, s, "rows", "outage.raw",
                                             "      table.name.format: " + table + "\n"
                                             "      auto.create: true\n"
                                             "      batch.max.rows: 100\n"
                                             "      batch.max.ms: 0\n"
                                             "      connection.timeout.ms: 2000\n",
                                             "    errors: {retry.delay.max.ms: 1000}\n"));
    Sluice run(dir, run_args(worker, pipeline));
    REQUIRE_MESSAGE(wait_rows(s, table, kRecords / 2, 60s), "log:\n" << run.log());
    server.command("stop");
    const auto stopped = std::chrono::steady_clock::now();
    CHECK(count_rows(s, table) == -1);
    produce(dir, kafka.bootstrap(), "outage.raw", seq_records(kRecords / 2, kRecords));
    // The sink meets the stopped server (every way it reports a write to try again)...
    auto retried = [&] {
        return run.count_in_log("background write failed") + run.count_in_log("write deferred") +
               run.count_in_log("put asked to retry") + run.count_in_log("flush: ");
    };
    REQUIRE_MESSAGE(wait_until([&] { return retried() >= 1; }, 30s), run.log());
    // ... and keeps trying for the rest of the ten seconds.
    std::this_thread::sleep_until(stopped + 10s);
    CHECK(run.process().running());
    server.command("start");
    REQUIRE_MESSAGE(wait_rows(s, table, kRecords, 90s), "rows " << count_rows(s, table) << "; log:\n" << run.log());
    CHECK(run.stop() == exited(0));
    CHECK(count_rows(s, table) == kRecords);
    check_every_seq_once(s, table, kRecords);
}

std::string typed_table(Db db, const std::string& t) {
    return db == Db::postgres ? "CREATE TABLE " + t + " (seq bigint PRIMARY KEY, sensor text, flow integer, speed double precision, note text)"
                              : "CREATE TABLE " + t + " (seq BIGINT PRIMARY KEY, sensor TEXT, flow INT, speed DOUBLE, note TEXT) ENGINE=InnoDB";
}

// A record whose flow is not a number, in the middle of a batch.
void poison(Db db) {
    const ServerInfo s = ServerInfo::fixture(db);
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "poison.raw:1", "poison.dlq:1"});
    auto lines = seq_records(0, 40);
    lines[17] = "S0\t{\"seq\":17,\"sensor\":\"S0\",\"flow\":\"heavy\",\"speed\":1}";
    produce(dir, kafka.bootstrap(), "poison.raw", lines);
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    SqlClient c(s, false);
    const std::string strict = unique_name("strict"), tolerant = unique_name("tolerant");
    c.exec(typed_table(db, strict));
    c.exec(typed_table(db, tolerant));
    {
        // errors.tolerance none: the task fails naming the record; nothing of its batch is written.
        const std::string pipeline = write_pipeline(
            dir, "strict.yaml", "name: strict\nsinks:\n" + sink_yaml(db, s, "rows", "poison.raw", "      table.name.format: " + strict + "\n",
                                                                "    restart: {policy: never}\n"));  // stays FAILED: the worker ends
        Sluice run(dir, run_args(worker, pipeline), "strict");
        REQUIRE_MESSAGE(run.wait_for_log("ended FAILED", 60s), "log:\n" << run.log());
        CHECK_MESSAGE(run.log().find("record poison.raw[0]@17 not written to " + strict + ": field 'flow': \"heavy\" is not an integer") !=
                          std::string::npos,
                      run.log());
        auto status = run.stop();
        REQUIRE(status);
        CHECK(*status == exited(4));
        CHECK(count_rows(s, strict, "seq >= 17") == 0);
    }
    // errors.tolerance all: dead-lettered unchanged, every other record written.
    const std::string pipeline = write_pipeline(
        dir, "tolerant.yaml",
        "name: tolerant\nsinks:\n" + sink_yaml(db, s, "rows", "poison.raw", "      table.name.format: " + tolerant + "\n",
                                               "    errors: {tolerance: all, deadletterqueue.topic.name: poison.dlq, "
                                               "deadletterqueue.context.headers.enable: true}\n"));
    Sluice run(dir, run_args(worker, pipeline), "tolerant");
    REQUIRE_MESSAGE(wait_rows(s, tolerant, 39, 60s), "log:\n" << run.log());
    REQUIRE(wait_until([&] { return kcat_read(dir, kafka.bootstrap(), "poison.dlq").size() >= 1; }, 30s));
    CHECK(run.stop() == exited(0));
    CHECK(count_rows(s, tolerant) == 39);
    CHECK(count_rows(s, tolerant, "seq = 17") == 0);
    auto dlq = kcat_read(dir, kafka.bootstrap(), "poison.dlq");
    REQUIRE(dlq.size() == 1);
    CHECK(dlq[0].value == "{\"seq\":17,\"sensor\":\"S0\",\"flow\":\"heavy\",\"speed\":1}");
}

// A table receiving inserts while the source reads it: bursts of rows sharing one
// timestamp, and a transaction that commits after newer rows were committed (inside
// timestamp.delay.interval.ms), the worker stopped and started in the middle. Every row
// reaches the topic exactly once.
void source_under_inserts(Db db) {
    const ServerInfo s = ServerInfo::fixture(db);
    TempDir dir;
    const std::string table = unique_name("events");
    SqlClient c(s, false);
    c.exec(db == Db::postgres
               ? "CREATE TABLE " + table + " (id bigserial PRIMARY KEY, ts timestamp(6) NOT NULL, burst integer, v integer)"
               : "CREATE TABLE " + table + " (id BIGINT AUTO_INCREMENT PRIMARY KEY, ts DATETIME(6) NOT NULL, burst INT, v INT) ENGINE=InnoDB");
    MockKafka kafka(dir, {"sluice-offsets:1", "events.out:1"});
    const std::string now = db == Db::postgres ? "(now() AT TIME ZONE 'UTC')" : "UTC_TIMESTAMP(6)";
    int inserted = 0;
    // One burst: `n` rows with the very same timestamp, in one statement.
    auto burst = [&](SqlClient& client, int b, int n) {
        std::string sql = "INSERT INTO " + table + " (ts, burst, v) SELECT " + now + ", " + std::to_string(b) + ", x FROM ";
        sql += db == Db::postgres ? "generate_series(1, " + std::to_string(n) + ") AS g(x)"
                                  : "(SELECT seq AS x FROM seq_1_to_" + std::to_string(n) + ") g";
        client.exec(sql);
        inserted += n;
    };
    const std::string pipeline = write_pipeline(
        dir, "events.yaml",
        "name: events\n"
        "source:\n"
        "  name: table\n"
        "  plugin: " + plugin(db) + "\n"
        "  topic: events.out\n"
        "  config:\n"
        "    connection.url: " + s.url + "\n"
        "    connection.user: " + s.user + "\n"
        "    connection.password: " + s.password + "\n"
        "    mode: timestamp+incrementing\n"
        "    table.whitelist: [" + table + "]\n"
        "    timestamp.column.name: ts\n"
        "    incrementing.column.name: id\n"
        "    timestamp.delay.interval.ms: 3000\n"
        "    poll.interval.ms: 200\n"
        "    batch.max.rows: 70\n");
    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    auto topic_ids = [&] {
        std::vector<long long> ids;
        for (const auto& r : kcat_read(dir, kafka.bootstrap(), "events.out")) ids.push_back(Json::parse(r.value)["id"].get<long long>());
        return ids;
    };
    for (int b = 0; b < 3; ++b) burst(c, b, 150);
    {
        Sluice first(dir, run_args(worker, pipeline), "first");
        // A transaction that takes its time: its row gets an earlier timestamp than rows
        // another connection commits meanwhile.
        SqlClient slow(s, false);
        slow.exec(db == Db::postgres ? "BEGIN" : "START TRANSACTION");
        slow.exec("INSERT INTO " + table + " (ts, burst, v) VALUES (" + now + ", 99, 1)");
        ++inserted;
        burst(c, 3, 200);
        std::this_thread::sleep_for(500ms);  // the late commit: newer rows are committed first
        slow.exec("COMMIT");
        REQUIRE_MESSAGE(wait_until([&] { return topic_ids().size() >= 300; }, 60s), "log:\n" << first.log());
        CHECK(first.stop() == exited(0));
    }
    burst(c, 4, 120);
    Sluice second(dir, run_args(worker, pipeline), "second");
    burst(c, 5, 80);
    REQUIRE_MESSAGE(wait_until([&] { return topic_ids().size() >= static_cast<size_t>(inserted); }, 60s),
                    "topic " << topic_ids().size() << " of " << inserted << "; log:\n" << second.log());
    CHECK(second.stop() == exited(0));
    auto ids = topic_ids();
    std::set<long long> distinct(ids.begin(), ids.end());
    CHECK(ids.size() == static_cast<size_t>(inserted));
    CHECK(distinct.size() == static_cast<size_t>(inserted));
    CHECK(*distinct.rbegin() == c.number("SELECT max(id) FROM " + table));
}

// `sluice check` before anything runs: a wrong password, a missing table, a missing column
// of the source's mode, each named, exit 3, the password never shown.
void check_names_the_problem(Db db) {
    const ServerInfo s = ServerInfo::fixture(db);
    TempDir dir;
    const std::string table = unique_name("checked");
    SqlClient c(s, false);
    c.exec(db == Db::postgres ? "CREATE TABLE " + table + " (id bigint PRIMARY KEY, v text)"
                              : "CREATE TABLE " + table + " (id BIGINT PRIMARY KEY, v TEXT) ENGINE=InnoDB");
    auto check = [&](const std::string& password, const std::string& sink_table, const std::string& source_column) {
        ServerInfo as_given = s;
        as_given.password = password;
        const std::string pipeline = write_pipeline(
            dir, unique_name("check") + ".yaml",
            "name: checked\n"
            "source:\n"
            "  name: rows\n"
            "  plugin: " + plugin(db) + "\n"
            "  topic: checked.rows\n"
            "  config:\n"
            "    connection.url: " + s.url + "\n"
            "    connection.user: " + s.user + "\n"
            "    connection.password: " + password + "\n"
            "    mode: incrementing\n"
            "    table.whitelist: [" + table + "]\n"
            "    incrementing.column.name: " + source_column + "\n"
            "sinks:\n" + sink_yaml(db, as_given, "copy", "checked.rows", "      table.name.format: " + sink_table + "\n"));
        return run_sluice(dir, {"check", "--plugin-dir", plugin_dir(), pipeline});
    };
    auto ok = check(s.password, table, "id");
    CHECK_MESSAGE(ok.status == exited(0), ok.out << ok.err);
    auto wrong = check("not-the-password", table, "id");
    CHECK(wrong.status == exited(3));
    CHECK_MESSAGE(wrong.err.find(db == Db::postgres ? "password authentication failed" : "Access denied") != std::string::npos,
                  wrong.err);
    CHECK(wrong.err.find("not-the-password") == std::string::npos);
    auto missing = check(s.password, table + "_nope", "nope");
    CHECK(missing.status == exited(3));
    CHECK_MESSAGE(missing.err.find("table " + table + "_nope does not exist") != std::string::npos, missing.err);
    CHECK_MESSAGE(missing.err.find("has no column nope (incrementing.column.name)") != std::string::npos, missing.err);
    c.exec("DROP TABLE " + table);
}

}  // namespace

TEST_CASE("postgres: the SQL example pipelines validate as shipped") {
    TempDir dir;
    for (const char* file : {"configs/pipelines/rennes-to-postgres.yaml", "configs/pipelines/traffic-to-mariadb.yaml",
                             "configs/pipelines/postgres-changes.yaml", "configs/docker/pipelines/traffic-to-postgres.yaml"}) {
        CAPTURE(file);
        auto r = run_sluice(dir, {"validate", "--plugin-dir", plugin_dir(), source_dir() + "/" + file});
        CHECK_MESSAGE(r.status == exited(0), r.out << r.err);
        CHECK(r.out.find(": valid") != std::string::npos);
    }
}

// What the plugins can tell without a database (ABI 1.2 validate): each broken rule at its
// key's line and column, exit 1, before any connection is tried.
TEST_CASE("postgres: sluice validate places the SQL plugins' key rules at their lines") {
    TempDir dir;
    const std::string file = write_pipeline(dir, "bad.yaml",
                                            "name: bad\n"
                                            "source:\n"
                                            "  plugin: mysql\n"
                                            "  topic: rows\n"
                                            "  config:\n"
                                            "    connection.url: mysql://127.0.0.1/db\n"
                                            "    mode: incrementing\n"
                                            "    table.whitelist: [t]\n"
                                            "sinks:\n"
                                            "  - plugin: postgres\n"
                                            "    topics: [rows]\n"
                                            "    config:\n"
                                            "      connection.url: postgresql://u:hunter2@127.0.0.1/db\n"
                                            "      insert.mode: upsert\n");
    auto r = run_sluice(dir, {"validate", "--plugin-dir", plugin_dir(), file});
    CHECK(r.status == exited(1));
    CHECK_MESSAGE(r.err.find(file + ":7:5: source.config.mode: mode incrementing needs incrementing.column.name") !=
                      std::string::npos,
                  r.err);
    CHECK_MESSAGE(r.err.find(file + ":13:7: sinks[0].config.connection.url: put the user and password in connection.user") !=
                      std::string::npos,
                  r.err);
    CHECK_MESSAGE(r.err.find(file + ":14:7: sinks[0].config.insert.mode: insert.mode upsert needs a key") != std::string::npos,
                  r.err);
    CHECK(r.err.find("hunter2") == std::string::npos);
}

// The example pipeline as shipped, its portal replaced by the replay of the stored Rennes
// snapshot (2 859 segments, one shared datetime) and its connection by the fixture's.
TEST_CASE("postgres: configs/pipelines/rennes-to-postgres.yaml as shipped: one row per segment, typed") {
    namespace replay = sluice::testing::ods_replay;
    const ServerInfo s = ServerInfo::fixture(Db::postgres);
    TempDir dir;
    const replay::Dataset snapshot = replay::load_csv_export(
        fixtures_dir() + "/rennes/etat-du-trafic-en-temps-reel_2025-11-04T1724.csv", "etat-du-trafic-en-temps-reel",
        {{"datetime", "datetime"}, {"averagevehiclespeed", "int"}, {"traveltime", "int"}, {"traveltimereliability", "int"},
         {"vehicleprobemeasurement", "int"}, {"vitesse_maxi", "int"}, {"id_rva_troncon_fcd_v1_1", "int"},
         {"geo_point_2d", "geo_point_2d"}, {"geo_shape", "geo_shape"}});
    replay::ReplayServer portal;
    portal.put(snapshot);
    std::string pipeline = sluice::testing::read_file(source_dir() + "/configs/pipelines/rennes-to-postgres.yaml");
    const std::string shipped_url = "base.url: https://data.rennesmetropole.fr";
    REQUIRE(pipeline.find(shipped_url) != std::string::npos);
    pipeline.replace(pipeline.find(shipped_url), shipped_url.size(), "base.url: " + portal.url());
    SqlClient c(s, false);
    c.exec("DROP TABLE IF EXISTS rennes_traffic");
    MockKafka kafka(dir, {"sluice-offsets:1", "rennes.traffic:3"});
    sluice::testing::SpawnOptions env;
    env.env = {{"POSTGRES_URL", s.url}, {"POSTGRES_USER", s.user}, {"POSTGRES_PASSWORD", s.password}};
    Sluice run(dir, run_args(write_worker_file(dir, kafka.bootstrap()), write_pipeline(dir, "rennes.yaml", pipeline)), "rennes",
               env);
    REQUIRE_MESSAGE(wait_rows(s, "rennes_traffic", static_cast<long long>(snapshot.records.size()), 60s),
                    "rows " << count_rows(s, "rennes_traffic") << "; log:\n" << run.log());
    CHECK(run.stop() == exited(0));
    CHECK(count_rows(s, "rennes_traffic") == static_cast<long long>(snapshot.records.size()));
    std::map<std::string, std::string> types;
    for (const auto& row : c.rows("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'rennes_traffic'"))
        types[*row[0]] = *row[1];
    CHECK(types["segment"] == "text");
    CHECK(types["datetime"] == "timestamp with time zone");
    CHECK(types["speed_kmh"] == "bigint");
    CHECK(types["geo_shape"] == "jsonb");
    CHECK(types.count("predefinedlocationreference") == 0);  // not in fields.whitelist
    CHECK(c.scalar("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                   "WHERE i.indisprimary AND i.indrelid = 'rennes_traffic'::regclass") == "segment");
    CHECK(c.scalar("SELECT to_char(min(datetime) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM rennes_traffic") == "2025-11-04 16:24");
    CHECK(c.scalar("SELECT speed_kmh FROM rennes_traffic WHERE segment = '10273_D'") == "71");
    c.exec("DROP TABLE rennes_traffic");
}

#define SQL_CASE(name, body)                                    \
    TEST_CASE("postgres: " name) { body(Db::postgres); }        \
    TEST_CASE("mariadb: " name) { body(Db::mariadb); }

SQL_CASE("real records -> table, every value and type exact", exact_rows)
SQL_CASE("upsert keeps the latest record of each key, tombstones delete, auto.evolve adds a column", upsert_latest)
SQL_CASE("kill -9 mid-stream, restart: every record exactly once", kill_and_restart)
SQL_CASE("the database stopped for 10 s mid-stream: no loss, no duplicate", outage)
SQL_CASE("a poison record: tolerance none fails naming it, all dead-letters it and writes the rest", poison)
SQL_CASE("source over a table receiving inserts, a late commit and a restart: every row once", source_under_inserts)
SQL_CASE("sluice check names a wrong password, a missing table and a missing column, exit 3", check_names_the_problem)
