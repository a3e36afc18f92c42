// The snowflake sink in a real `sluice run`: datagen -> mock Kafka (its own process) ->
// snowflake sink -> the fake Snowflake SQL API (a server thread of this test process, real
// HTTP on 127.0.0.1). Every check compares the table with what Kafka holds, read from outside
// with kcat: each record exactly once, nothing else. Keys are generated with openssl.
#include "fake_snowflake.hpp"
#include "harness.hpp"
#include "test_keys.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <map>
#include <set>

using namespace sluice::it;
using sluice::testing::FakeRow;
using sluice::testing::FakeSnowflake;
using sluice::testing::TestKeyPair;
using sluice::testing::wait_until;
using sluice::testing::write_file;

namespace {

const std::string kTable = "ANALYTICS.RAW.TRAFFIC";
const std::string kTopic = "sf.readings";

struct Setup {
    TempDir dir;
    TestKeyPair key = sluice::testing::make_test_key_pair(dir.path().string(), "loader");
    MockKafka kafka{dir, {"sluice-offsets:1", kTopic + ":4"}};
    FakeSnowflake fake{{"TESTACCT", "KAFKA_LOADER", key.public_key_pem}};
    std::string worker = write_worker_file(dir, kafka.bootstrap(), {500, 200, ""});

    Setup() { fake.create_table(kTable); }

    // datagen (rate, records) -> snowflake; `sink_extra` adds sink config lines.
    std::string pipeline(int rate, int64_t records, const std::string& sink_extra = "",
                         const std::string& key_file = "") {
        const std::string path = dir.file("sf.yaml");
        write_file(path, "name: sf\n"
                         "source:\n"
                         "  name: gen\n"
                         "  plugin: datagen\n"
                         "  topic: " + kTopic + "\n"
                         "  config: {rate: " + std::to_string(rate) + ", max.records: " + std::to_string(records) +
                         ", sensors: 200, batch.size: 200}\n"
                         "sinks:\n"
                         "  - name: wh\n"
                         "    plugin: snowflake\n"
                         "    config:\n"
                         "      account: testacct.eu-central-1\n"
                         "      user: kafka_loader\n"
                         "      url: " + fake.url() + "\n"
                         "      private_key_file: " + (key_file.empty() ? key.encrypted_key_file : key_file) + "\n"
                         "      private_key_passphrase: ${env:SF_PASSPHRASE}\n"
                         "      database: analytics\n"
                         "      schema: raw\n"
                         "      table: traffic\n"
                         "      batch.max.ms: 200\n"
                         "      retry.backoff.ms: 5\n"
                         "      retry.backoff.max.ms: 50\n"
                         "      poll.interval.max.ms: 20\n" +
                         sink_extra);
        return path;
    }

    sluice::testing::SpawnOptions env() const {
        sluice::testing::SpawnOptions o;
        o.env["SF_PASSPHRASE"] = key.passphrase;
        return o;
    }

    std::vector<std::string> run_args(const std::string& pipeline_path) const {
        return {"run", "--worker", worker, "--plugin-dir", plugin_dir(), pipeline_path};
    }
};

int64_t seq_of(const std::string& json_text) {
    auto v = nlohmann::json::parse(json_text, nullptr, false);
    return v.is_object() && v.contains("seq") && v["seq"].is_number_integer() ? v["seq"].get<int64_t>() : -1;
}

bool every_seq_stored(const FakeSnowflake& fake, int64_t records) {
    std::set<int64_t> seqs;
    for (const FakeRow& r : fake.rows(kTable))
        if (r.content) seqs.insert(seq_of(*r.content));
    return static_cast<int64_t>(seqs.size()) >= records && seqs.count(0) && seqs.count(records - 1);
}

// The table holds exactly Kafka's records: same (partition, offset) set, same keys and values,
// no (partition, offset) twice.
void expect_table_equals_topic(Setup& s, int64_t records) {
    const auto kafka = kcat_read(s.dir, s.kafka.bootstrap(), kTopic);
    const auto rows = s.fake.rows(kTable);
    std::map<std::pair<int64_t, int64_t>, const FakeRow*> table;
    size_t duplicates = 0;
    for (const FakeRow& r : rows) {
        CHECK(r.topic == kTopic);
        if (!table.emplace(std::make_pair(r.partition, r.offset), &r).second) ++duplicates;
    }
    CHECK_MESSAGE(duplicates == 0, duplicates << " (partition, offset) pairs stored twice");
    CHECK(rows.size() == kafka.size());
    size_t missing = 0, different = 0;
    std::set<int64_t> seqs;
    for (const KafkaRecord& k : kafka) {
        auto it = table.find({k.partition, k.offset});
        if (it == table.end()) {
            ++missing;
            continue;
        }
        const FakeRow& r = *it->second;
        if (!r.content || nlohmann::json::parse(*r.content) != nlohmann::json::parse(k.value) || r.key != k.key ||
            !r.timestamp_ms)
            ++different;
        seqs.insert(seq_of(k.value));
    }
    CHECK_MESSAGE(missing == 0, missing << " Kafka records are not in the table");
    CHECK_MESSAGE(different == 0, different << " rows differ from their Kafka record");
    CHECK(static_cast<int64_t>(seqs.size()) == records);  // every generated record reached Kafka
}

void run_to_completion(Setup& s, Sluice& run, int64_t records, std::chrono::seconds timeout = 60s) {
    bool done = wait_until(
        [&] { return every_seq_stored(s.fake, records) || !run.process().running(); }, timeout, 50ms);
    REQUIRE_MESSAGE(run.process().running(), run.process().status()->describe() << "; log:\n" << run.log());
    REQUIRE_MESSAGE(done, s.fake.rows(kTable).size() << " rows after " << timeout.count() << " s; log:\n" << run.log());
    // Every record Kafka holds (the source may have produced some twice across a crash) is in.
    bool caught_up = wait_until(
        [&] { return s.fake.rows(kTable).size() >= kcat_read(s.dir, s.kafka.bootstrap(), kTopic).size(); }, 30s, 300ms);
    CHECK_MESSAGE(caught_up, "log:\n" << run.log());
    auto status = run.stop();
    REQUIRE(status);
    CHECK_MESSAGE(*status == exited(0), status->describe() << "; log:\n" << run.log());
}

}  // namespace

TEST_CASE("snowflake: datagen into the table, every record exactly once") {
    Setup s;
    const int64_t records = 3000;
    Sluice run(s.dir, s.run_args(s.pipeline(0, records)), "run", s.env());
    run_to_completion(s, run, records);
    expect_table_equals_topic(s, records);
    CHECK(s.fake.stats().auth_failures.empty());
    CHECK(s.fake.stats().bad_requests.empty());
    CHECK(run.log().find("[sf.wh/0] writing to ANALYTICS.RAW.TRAFFIC at " + s.fake.url() +
                         " as TESTACCT.KAFKA_LOADER (key " + s.key.fingerprint + ")") != std::string::npos);
}

TEST_CASE("snowflake: kill -9 mid-stream, then restart: no loss, no duplicate") {
    Setup s;
    const int64_t records = 8000;
    const std::string pipeline = s.pipeline(2000, records);
    {
        Sluice first(s.dir, s.run_args(pipeline), "run1", s.env());
        bool midway = wait_until([&] { return s.fake.rows(kTable).size() >= 1500 || !first.process().running(); }, 30s, 10ms);
        REQUIRE_MESSAGE(first.process().running(), "log:\n" << first.log());
        REQUIRE_MESSAGE(midway, "log:\n" << first.log());
        CHECK(first.process().kill().signal == SIGKILL);
    }
    const size_t at_kill = s.fake.rows(kTable).size();
    CHECK(at_kill < static_cast<size_t>(records));
    Sluice second(s.dir, s.run_args(pipeline), "run2", s.env());
    REQUIRE_MESSAGE(second.wait_for_log("resuming at", 30s), "log:\n" << second.log());
    run_to_completion(s, second, records);
    expect_table_equals_topic(s, records);
    // The restarted sink resumed from the table, not from scratch.
    CHECK(second.log().find("the table holds offsets up to") != std::string::npos);
    MESSAGE("kill at ", at_kill, " rows; executions ", s.fake.stats().executions);
}

TEST_CASE("snowflake: storms of 429 and 503, 202s and polling: no loss, no duplicate") {
    Setup s;
    const int64_t records = 4000;
    Sluice run(s.dir, s.run_args(s.pipeline(1000, records, "      retry.max.attempts: 3\n")), "run", s.env());
    // Faults only once the sink writes (the pre-flight check would otherwise meet them).
    REQUIRE_MESSAGE(wait_until([&] { return !s.fake.rows(kTable).empty(); }, 30s), "log:\n" << run.log());
    s.fake.set_async_polls(2);
    for (int i = 0; i < 12; ++i) {
        s.fake.inject(FakeSnowflake::throttled(0), 2);
        s.fake.inject(FakeSnowflake::http(503), 2);
        s.fake.inject(FakeSnowflake::http(503, FakeSnowflake::Target::poll));
        s.fake.inject(FakeSnowflake::lost_response());  // ran, but the answer is lost
    }
    run_to_completion(s, run, records, 90s);
    expect_table_equals_topic(s, records);
    auto stats = s.fake.stats();
    MESSAGE("faults served ", stats.faults_served, ", answered from a first run ", stats.answered_from_first_run,
            ", submissions ", stats.submissions, ", polls ", stats.polls);
    CHECK(stats.faults_served >= 30);  // the storm did hit the pipeline (the rest came after the last row)
    CHECK(stats.answered_from_first_run >= 1);
    CHECK(run.log().find("asked to retry") != std::string::npos);  // some storms outlasted the sink's own retries
}

TEST_CASE("snowflake: a 401 renews the token and the pipeline goes on") {
    Setup s;
    const int64_t records = 2000;
    Sluice run(s.dir, s.run_args(s.pipeline(1000, records)), "run", s.env());
    REQUIRE_MESSAGE(wait_until([&] { return !s.fake.rows(kTable).empty(); }, 30s), "log:\n" << run.log());
    s.fake.inject(FakeSnowflake::http(401));
    run_to_completion(s, run, records);
    expect_table_equals_topic(s, records);
    CHECK(s.fake.stats().auth_failures.size() == 1);
    CHECK(run.log().find("1 token renewals after 401") != std::string::npos);
}

TEST_CASE("snowflake: a statement refused with 422 fails the task with Snowflake's message") {
    Setup s;
    // restart.policy never: the task stays FAILED (exit 4) instead of restarting past the refusal.
    Sluice run(s.dir, s.run_args(s.pipeline(500, 5000, "    restart: {policy: never}\n")), "run", s.env());
    REQUIRE_MESSAGE(wait_until([&] { return !s.fake.rows(kTable).empty(); }, 30s), "log:\n" << run.log());
    s.fake.inject(FakeSnowflake::sql_error("003001", "42501",
                                           "SQL access control error:\nInsufficient privileges to operate on table 'TRAFFIC'"));
    const size_t before = s.fake.rows(kTable).size();  // after inject(): a MERGE running then has finished
    REQUIRE_MESSAGE(run.wait_for_log("[sf.wh/0] task failed: ", 30s), "log:\n" << run.log());
    const std::string log = run.log();
    CHECK(log.find("Snowflake refused the MERGE of") != std::string::npos);
    CHECK(log.find("into ANALYTICS.RAW.TRAFFIC: SQL access control error:") != std::string::npos);
    CHECK(log.find("(SQLSTATE 42501, code 003001)") != std::string::npos);
    auto status = run.stop();
    REQUIRE(status);
    CHECK_MESSAGE(*status == exited(4), status->describe());
    CHECK(s.fake.rows(kTable).size() == before);  // the refused MERGE inserted nothing, and nothing followed
}

TEST_CASE("snowflake: sluice check refuses a key Snowflake does not know (exit 3)") {
    Setup s;
    TestKeyPair stranger = sluice::testing::make_test_key_pair(s.dir.path().string(), "stranger");
    const std::string pipeline =
        s.pipeline(0, 10, "", stranger.private_key_file);  // unencrypted: the passphrase is ignored
    auto result = run_sluice(s.dir, {"check", "--worker", s.worker, "--plugin-dir", plugin_dir(), pipeline}, 60s, s.env());
    CHECK_MESSAGE(result.status == exited(3), result.status.describe() << "\n" << result.err);
    CHECK(result.err.find("pre-flight check failed: sf.wh (sink plugin snowflake)") != std::string::npos);
    CHECK(result.err.find("refused the key-pair JWT twice") != std::string::npos);
    CHECK(result.err.find("issuer TESTACCT.KAFKA_LOADER." + stranger.fingerprint) != std::string::npos);
    CHECK(s.fake.stats().executions == 0);

    auto good = run_sluice(s.dir, {"check", "--worker", s.worker, "--plugin-dir", plugin_dir(), s.pipeline(0, 10)}, 60s, s.env());
    CHECK_MESSAGE(good.status == exited(0), good.status.describe() << "\n" << good.err);
}
