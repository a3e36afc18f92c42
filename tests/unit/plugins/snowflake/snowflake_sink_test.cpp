// The snowflake sink through its C ABI, against the fake over real HTTP: rows exactly as
// put, resume from the table on open(), retries without duplicates, refused records to the
// error policy, statement errors with Snowflake's message, the pre-flight check.
#include "sdk_harness.hpp"
#include "snowflake_fixture.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <map>

using namespace snowflake_test;
using sluice::testing::AbiRecords;
using sluice::testing::CallResult;
using sluice::testing::ConfigFixture;
using sluice::testing::FakeHost;
using sluice::testing::FakeSnowflake;
using sluice::testing::SinkInput;

namespace {

class Sink {
public:
    Sink(FakeHost& host, std::map<std::string, std::string> config)
        : desc_(sluice::testing::descriptor(SLUICE_KIND_SINK, "snowflake")),
          vt_(static_cast<const sluice_sink_vtable*>(desc_.vtable)),
          config_(desc_, std::move(config)) {
        created = sluice::testing::call([&](sluice_error* e) { return vt_->create(host.get(), config_.get(), &instance_, e); });
    }
    ~Sink() {
        if (instance_) vt_->destroy(instance_);
    }
    CallResult put(const std::vector<SinkInput>& inputs) {
        const AbiRecords records(inputs);
        return sluice::testing::call([&](sluice_error* e) { return vt_->put(instance_, records.data(), records.size(), e); });
    }
    CallResult flush() {
        sluice_topic_partition p{"traffic", 0, 1000};
        sluice_topic_partition* pp = &p;
        return sluice::testing::call([&](sluice_error* e) { return vt_->flush(instance_, &pp, 1, e); });
    }
    // (partition -> resume offset or SLUICE_OFFSET_UNSET)
    std::map<int32_t, int64_t> open(std::vector<int32_t> partitions, CallResult* result = nullptr) {
        std::vector<sluice_topic_partition> parts;
        for (int32_t p : partitions) parts.push_back({"traffic", p, SLUICE_OFFSET_UNSET});
        std::vector<sluice_topic_partition*> ptrs;
        for (auto& p : parts) ptrs.push_back(&p);
        CallResult r = sluice::testing::call([&](sluice_error* e) { return vt_->open(instance_, ptrs.data(), ptrs.size(), e); });
        if (result) *result = r;
        std::map<int32_t, int64_t> out;
        for (auto& p : parts) out[p.partition] = p.offset;
        return out;
    }
    static CallResult test(FakeHost& host, std::map<std::string, std::string> config) {
        const auto& d = sluice::testing::descriptor(SLUICE_KIND_SINK, "snowflake");
        ConfigFixture c(d, std::move(config));
        return sluice::testing::call([&](sluice_error* e) {
            return static_cast<const sluice_sink_vtable*>(d.vtable)->test(host.get(), c.get(), e);
        });
    }
    CallResult created;

private:
    const sluice_plugin_descriptor& desc_;
    const sluice_sink_vtable* vt_;
    ConfigFixture config_;
    void* instance_ = nullptr;
};

std::map<std::string, std::string> config_for(FakeSnowflake& fake, std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> c = {{"account", "testacct.eu-west-1.aws"},
                                            {"user", "loader"},
                                            {"url", fake.url()},
                                            {"private_key_file", key().private_key_file},
                                            {"database", "db"},
                                            {"schema", "raw"},
                                            {"table", "events"},
                                            {"retry.backoff.ms", "1"},
                                            {"retry.backoff.max.ms", "10"},
                                            {"retry.max.attempts", "3"},
                                            {"poll.interval.max.ms", "5"},
                                            {"batch.max.ms", "600000"}};
    for (auto& [k, v] : extra) c[k] = v;
    return c;
}

SinkInput rec(int64_t offset, std::optional<std::string> value, int32_t partition = 0) {
    SinkInput in;
    in.topic = "traffic";
    in.partition = partition;
    in.offset = offset;
    in.value = std::move(value);
    in.key = "S" + std::to_string(offset);
    in.timestamp_ms = 1700000000000 + offset;
    return in;
}

std::vector<SinkInput> recs(int64_t from, int64_t to, int32_t partition = 0) {
    std::vector<SinkInput> out;
    for (int64_t o = from; o < to; ++o) out.push_back(rec(o, "{\"seq\":" + std::to_string(o) + "}", partition));
    return out;
}

// offsets stored per partition, failing on a duplicate.
std::map<int64_t, std::vector<int64_t>> stored(const FakeSnowflake& fake) {
    std::map<int64_t, std::vector<int64_t>> out;
    for (const auto& r : fake.rows(kTable)) out[r.partition].push_back(r.offset);
    for (auto& [p, offsets] : out) {
        std::sort(offsets.begin(), offsets.end());
        CHECK_MESSAGE(std::adjacent_find(offsets.begin(), offsets.end()) == offsets.end(), "duplicate in partition " << p);
    }
    return out;
}

std::vector<int64_t> range(int64_t from, int64_t to) {
    std::vector<int64_t> v;
    for (int64_t i = from; i < to; ++i) v.push_back(i);
    return v;
}

}  // namespace

TEST_CASE("sink: rows arrive exactly as put, at flush") {
    Fixture f;
    FakeHost host;
    host.enable_errant(SLUICE_OK);
    Sink sink(host, config_for(f.fake));
    REQUIRE_MESSAGE(sink.created.status == SLUICE_OK, sink.created.message);
    std::vector<SinkInput> batch = {rec(0, R"({"sensor":"S1","speed":52.5})"), rec(1, std::nullopt)};
    batch[1].key.reset();
    batch[1].timestamp_ms = SLUICE_NO_TIMESTAMP;
    CHECK(sink.put(batch).status == SLUICE_OK);
    CHECK(f.fake.rows(kTable).empty());  // buffered until a flush (batch.max.ms is long)
    CHECK(sink.flush().status == SLUICE_OK);
    auto rows = f.fake.rows(kTable);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].topic == "traffic");
    CHECK(rows[0].offset == 0);
    CHECK(rows[0].key == "S0");
    CHECK(rows[0].timestamp_ms == 1700000000000);
    CHECK(nlohmann::json::parse(*rows[0].content) == nlohmann::json{{"sensor", "S1"}, {"speed", 52.5}});
    CHECK_FALSE(rows[1].key);
    CHECK_FALSE(rows[1].timestamp_ms);
    CHECK_FALSE(rows[1].content);
    CHECK(f.fake.executed_statements().size() == 1);  // one MERGE for the batch
}

TEST_CASE("sink: batch.max.rows splits a buffer into several statements") {
    Fixture f;
    FakeHost host;
    host.enable_errant(SLUICE_OK);
    Sink sink(host, config_for(f.fake, {{"batch.max.rows", "4"}}));
    CHECK(sink.put(recs(0, 10)).status == SLUICE_OK);  // 10 >= 4: written at once
    CHECK(f.fake.executed_statements().size() == 3);   // 4 + 4 + 2
    CHECK(stored(f.fake)[0] == range(0, 10));
}

TEST_CASE("sink: open() resumes each partition after max(_OFFSET) in the table") {
    Fixture f;
    {
        FakeHost host;
        host.enable_errant(SLUICE_OK);
        Sink first(host, config_for(f.fake));
        auto batch = recs(0, 5, 0);
        auto more = recs(0, 3, 2);
        batch.insert(batch.end(), more.begin(), more.end());
        CHECK(first.put(batch).status == SLUICE_OK);
        CHECK(first.flush().status == SLUICE_OK);
    }
    FakeHost host;
    host.enable_errant(SLUICE_OK);
    Sink second(host, config_for(f.fake));
    auto resume = second.open({0, 1, 2});
    CHECK(resume[0] == 5);
    CHECK(resume[1] == SLUICE_OFFSET_UNSET);  // nothing stored: the committed offset decides
    CHECK(resume[2] == 3);
    CHECK(host.logged("traffic[0]: the table holds offsets up to 4; resuming at 5"));
    // Records below the resume point (a re-delivery) are not written twice.
    CHECK(second.put(recs(3, 8, 0)).status == SLUICE_OK);
    CHECK(second.flush().status == SLUICE_OK);
    CHECK(stored(f.fake)[0] == range(0, 8));
}

TEST_CASE("sink: a RETRY keeps the batch; offered again it is written once") {
    Fixture f;
    FakeHost host;
    host.enable_errant(SLUICE_OK);
    Sink sink(host, config_for(f.fake, {{"batch.max.rows", "5"}}));
    f.fake.inject(FakeSnowflake::http(503), 3);  // retry.max.attempts 3: the write gives up
    CallResult r = sink.put(recs(0, 5));
    CHECK(r.status == SLUICE_RETRY);
    CHECK(r.message.find("Snowflake unavailable after 3 submissions: HTTP 503") != std::string::npos);
    CHECK(f.fake.rows(kTable).empty());
    CHECK(sink.put(recs(0, 5)).status == SLUICE_OK);  // the worker offers the same batch again
    CHECK(sink.put(recs(5, 7)).status == SLUICE_OK);
    CHECK(sink.flush().status == SLUICE_OK);
    CHECK(stored(f.fake)[0] == range(0, 7));
}

TEST_CASE("sink: a zombie writer and the partition's new owner overlap: each record once") {
    Fixture f;
    FakeHost old_host, new_host;
    old_host.enable_errant(SLUICE_OK);
    new_host.enable_errant(SLUICE_OK);
    Sink zombie(old_host, config_for(f.fake));
    Sink owner(new_host, config_for(f.fake));
    CHECK(owner.open({0})[0] == SLUICE_OFFSET_UNSET);  // nothing stored yet: from the committed offset
    CHECK(zombie.put(recs(0, 6)).status == SLUICE_OK);
    CHECK(owner.put(recs(3, 9)).status == SLUICE_OK);  // overlaps 3..5
    CHECK(zombie.flush().status == SLUICE_OK);
    CHECK(owner.flush().status == SLUICE_OK);
    CHECK(stored(f.fake)[0] == range(0, 9));
    CHECK(f.fake.rows(kTable).size() == 9);
}

TEST_CASE("sink: a flush that cannot write asks to retry and keeps the rows") {
    Fixture f;
    FakeHost host;
    host.enable_errant(SLUICE_OK);
    Sink sink(host, config_for(f.fake));
    CHECK(sink.put(recs(0, 3)).status == SLUICE_OK);
    f.fake.inject(FakeSnowflake::http(429), 3);
    CHECK(sink.flush().status == SLUICE_RETRY);  // the worker commits nothing
    CHECK(sink.flush().status == SLUICE_OK);
    CHECK(stored(f.fake)[0] == range(0, 3));
}

TEST_CASE("sink: a value that is not JSON goes to the error policy; the others are stored") {
    Fixture f;
    FakeHost host;
    host.enable_errant(SLUICE_OK);
    Sink sink(host, config_for(f.fake));
    auto batch = recs(0, 4);
    batch[2].value = "not json";
    CHECK(sink.put(batch).status == SLUICE_OK);
    CHECK(sink.flush().status == SLUICE_OK);
    REQUIRE(host.errants.size() == 1);
    CHECK(host.errants[0].offset == 2);
    CHECK(host.errants[0].message.find("value is not valid JSON") != std::string::npos);
    CHECK(stored(f.fake)[0] == std::vector<int64_t>{0, 1, 3});

    host.errant_answer = SLUICE_ERROR;  // errors.tolerance none: the task fails on it
    auto bad = recs(10, 11);
    bad[0].value = "{";
    CallResult r = sink.put(bad);
    CHECK(r.status == SLUICE_FATAL);
    CHECK(r.message.find("value is not valid JSON") != std::string::npos);
}

TEST_CASE("sink: rows Snowflake refuses for their data are isolated; the rest of the batch goes in") {
    Fixture f;
    f.fake.create_table(kTable, 8);  // RECORD_KEY VARCHAR(8)
    FakeHost host;
    host.enable_errant(SLUICE_OK);
    Sink sink(host, config_for(f.fake));
    auto batch = recs(0, 10);
    batch[6].key = "a-key-longer-than-eight";
    CHECK(sink.put(batch).status == SLUICE_OK);
    CHECK(sink.flush().status == SLUICE_OK);
    REQUIRE(host.errants.size() == 1);
    CHECK(host.errants[0].offset == 6);
    CHECK(host.errants[0].message.find("is too long and would be truncated (SQLSTATE 22001, code 100074)") != std::string::npos);
    CHECK(stored(f.fake)[0] == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 7, 8, 9});
}

TEST_CASE("sink: a statement Snowflake refuses fails the task with Snowflake's message") {
    Fixture f;
    FakeHost host;
    host.enable_errant(SLUICE_OK);
    Sink sink(host, config_for(f.fake));
    CHECK(sink.put(recs(0, 3)).status == SLUICE_OK);
    f.fake.inject(FakeSnowflake::sql_error("003001", "42501",
                                            "SQL access control error:\nInsufficient privileges to operate on table 'EVENTS'"));
    CallResult r = sink.flush();
    CHECK(r.status == SLUICE_FATAL);
    CHECK(r.message.find("Snowflake refused the MERGE of 3 rows (traffic[0]@0 .. traffic[0]@2) into DB.RAW.EVENTS") != std::string::npos);
    CHECK(r.message.find("Insufficient privileges to operate on table 'EVENTS' (SQLSTATE 42501, code 003001)") != std::string::npos);
}

TEST_CASE("sink: create_table creates the table when partitions are assigned") {
    Fixture f;
    FakeHost host;
    host.enable_errant(SLUICE_OK);
    auto config = config_for(f.fake, {{"table", "fresh"}, {"create_table", "true"}});
    CHECK(Sink::test(host, config).status == SLUICE_OK);  // missing, but it will be created
    Sink sink(host, config);
    CHECK_FALSE(f.fake.has_table("DB.RAW.FRESH"));
    sink.open({0});
    CHECK(f.fake.has_table("DB.RAW.FRESH"));
    CHECK(sink.put(recs(0, 2)).status == SLUICE_OK);
    CHECK(sink.flush().status == SLUICE_OK);
    CHECK(f.fake.rows("DB.RAW.FRESH").size() == 2);
}

TEST_CASE("sink: the pre-flight check names what is wrong") {
    Fixture f;
    FakeHost host;
    host.enable_errant(SLUICE_OK);
    CHECK(Sink::test(host, config_for(f.fake)).status == SLUICE_OK);

    CallResult missing = Sink::test(host, config_for(f.fake, {{"table", "nope"}}));
    CHECK(missing.status == SLUICE_FATAL);
    CHECK(missing.message.find("table DB.RAW.NOPE at " + f.fake.url()) != std::string::npos);
    CHECK(missing.message.find("does not exist or not authorized") != std::string::npos);
    CHECK(missing.message.find("set auto.create: true") != std::string::npos);

    CallResult wrong_key = Sink::test(host, config_for(f.fake, {{"private_key_file", key(1).private_key_file}}));
    CHECK(wrong_key.status == SLUICE_FATAL);
    CHECK(wrong_key.message.find("refused the key-pair JWT twice") != std::string::npos);
    CHECK(wrong_key.message.find("issuer TESTACCT.LOADER." + key(1).fingerprint) != std::string::npos);

    CallResult encrypted = Sink::test(host, config_for(f.fake, {{"private_key_file", key().encrypted_key_file}}));
    CHECK(encrypted.message.find("the private key is encrypted; set private.key.passphrase") != std::string::npos);
    CHECK(Sink::test(host, config_for(f.fake, {{"private_key_file", key().encrypted_key_file},
                                               {"private_key_passphrase", key().passphrase}}))
              .status == SLUICE_OK);
    CHECK(Sink::test(host, config_for(f.fake, {{"private_key_file", ""}, {"private_key", key().private_key_pem}}))
              .status == SLUICE_OK);

    CallResult unreachable = Sink::test(host, config_for(f.fake, {{"url", "http://127.0.0.1:1"}}));
    CHECK(unreachable.status == SLUICE_FATAL);
    CHECK(unreachable.message.find("did not answer the pre-flight query") != std::string::npos);
}

TEST_CASE("sink: configuration mistakes fail the task at creation with the key named") {
    Fixture f;
    FakeHost host;
    host.enable_errant(SLUICE_OK);
    Sink both(host, config_for(f.fake, {{"private_key", key().private_key_pem}}));
    CHECK(both.created.status == SLUICE_FATAL);
    CHECK(both.created.message == "set only one of private.key.file and private.key");
    Sink none(host, config_for(f.fake, {{"private_key_file", ""}}));
    CHECK(none.created.message == "no private key: set private.key.file (a PEM file) or private.key (the PEM text)");
    Sink bad_table(host, config_for(f.fake, {{"table", "events; drop"}}));
    CHECK(bad_table.created.message.find("table 'events; drop' is not an unquoted Snowflake identifier") == 0);
    Sink bad_url(host, config_for(f.fake, {{"url", "ftp://x"}}));
    CHECK(bad_url.created.message.find("url must start with https://") == 0);
}
