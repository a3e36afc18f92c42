// The clickhouse sink driven through its ABI (as the worker drives it) against a real
// ClickHouse server: the ctest fixture's, from Debian's clickhouse-server package.
#include "clickhouse_test_server.hpp"
#include "sdk_harness.hpp"

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdlib>
#include "process.hpp"
#include <map>
#include <thread>
#include <string>
#include <vector>

using namespace sluice::testing;
using namespace std::chrono_literals;

namespace {

bool no_server() { return std::getenv("SLUICE_CLICKHOUSE_ENV") == nullptr; }

// One sink instance through the C ABI, with open() and close() (the shared harness has
// put and flush only). With an `errant_answer` its host has report_errant, which records
// each report in host_.errants and answers that.
class Sink {
public:
    explicit Sink(std::map<std::string, std::string> config, std::optional<sluice_status> errant_answer = std::nullopt)
        : desc_(descriptor(SLUICE_KIND_SINK, "clickhouse")),
          vt_(static_cast<const sluice_sink_vtable*>(desc_.vtable)),
          config_(desc_, std::move(config)) {
        if (errant_answer) host_.enable_errant(*errant_answer);
        created = call([&](sluice_error* e) { return vt_->create(host_.get(), config_.get(), &instance_, e); });
    }
    ~Sink() {
        if (instance_ != nullptr) vt_->destroy(instance_);
    }
    CallResult put(const std::vector<SinkInput>& inputs) {
        const AbiRecords records(inputs);
        return call([&](sluice_error* e) { return vt_->put(instance_, records.data(), records.size(), e); });
    }
    // The final flush of a stopping task (inserts everything) unless `final` is false (the
    // periodic one). `positions` (topic, partition, next offset) come back as the sink left them.
    CallResult flush(bool final = true, std::vector<sluice_topic_partition>* positions = nullptr) {
        host_.stopping = final;
        std::vector<sluice_topic_partition*> ptrs;
        if (positions)
            for (auto& p : *positions) ptrs.push_back(&p);
        CallResult r = call([&](sluice_error* e) { return vt_->flush(instance_, ptrs.data(), ptrs.size(), e); });
        host_.stopping = false;
        return r;
    }
    // Partitions assigned; returns the offsets the sink asked to resume at (UNSET: committed).
    std::vector<int64_t> open(const std::string& topic, const std::vector<int32_t>& partitions, CallResult* result = nullptr) {
        std::vector<sluice_topic_partition> parts;
        for (int32_t p : partitions) parts.push_back({topic.c_str(), p, SLUICE_OFFSET_UNSET});
        std::vector<sluice_topic_partition*> ptrs;
        for (auto& p : parts) ptrs.push_back(&p);
        CallResult r = call([&](sluice_error* e) { return vt_->open(instance_, ptrs.data(), ptrs.size(), e); });
        if (result) *result = r;
        else CHECK_MESSAGE(r.status == SLUICE_OK, r.message);
        std::vector<int64_t> out;
        for (auto& p : parts) out.push_back(p.offset);
        return out;
    }
    static CallResult test(std::map<std::string, std::string> config) {
        FakeHost host;
        return SinkUnderTest::test("clickhouse", std::move(config), host);
    }
    CallResult created;
    FakeHost host_;

private:
    const sluice_plugin_descriptor& desc_;
    const sluice_sink_vtable* vt_;
    ConfigFixture config_;
    void* instance_ = nullptr;
};

std::vector<SinkInput> rows(const std::string& topic, int32_t partition, int64_t from, int64_t to) {
    std::vector<SinkInput> out;
    for (int64_t o = from; o < to; ++o) {
        SinkInput in;
        in.topic = topic;
        in.partition = partition;
        in.offset = o;
        in.key = "S" + std::to_string(o % 7);
        in.value = "{\"sensor\":\"S" + std::to_string(o % 7) + "\",\"flow\":" + std::to_string(o * 3) + "}";
        out.push_back(in);
    }
    return out;
}

struct Table {
    std::string url = clickhouse_url();
    std::string name = unique_table("sink");
    std::map<std::string, std::string> config(std::map<std::string, std::string> extra = {}) const {
        std::map<std::string, std::string> c{{"url", url}, {"table", name}, {"create_table", "true"},
                                             {"columns", "sensor String,flow UInt32"}};
        for (auto& [k, v] : extra) c[k] = v;
        return c;
    }
    long long count(const std::string& where = "1") const {
        return clickhouse_number(url, "SELECT count() FROM " + name + " WHERE " + where);
    }
    long long duplicates() const {
        return clickhouse_number(url, "SELECT count() FROM (SELECT _topic, _partition, _offset, count() AS n FROM " + name +
                                          " GROUP BY _topic, _partition, _offset HAVING n > 1)");
    }
    ~Table() {
        try {
            clickhouse_query(url, "DROP TABLE IF EXISTS " + name);
        } catch (...) {
        }
    }
};

// The INSERTs ClickHouse finished into `table` (the sink sends log_queries=1 with each).
// The inserts into `table` that system.query_log records, once it records at least
// `expected` of them (bounded wait): on a server just started, a flush of the logs may come
// before the entries of the first inserts are queued for it. More than expected still shows.
long long inserts_into(const std::string& url, const std::string& table, long long expected) {
    long long n = 0;
    wait_until([&] {
        clickhouse_query(url, "SYSTEM FLUSH LOGS");
        n = clickhouse_number(url, "SELECT count() FROM system.query_log WHERE type = 2 AND query LIKE 'INSERT INTO%' "
                                   "AND position(query, '`" + table + "`') > 0");
        return n >= expected;
    }, 10s, 100ms);
    return n;
}

std::vector<SinkInput> partitions(const std::string& topic, int count, int64_t from, int64_t to) {
    std::vector<SinkInput> out;
    for (int32_t p = 0; p < count; ++p) {
        auto part = rows(topic, p, from, to);
        out.insert(out.end(), part.begin(), part.end());
    }
    return out;
}

bool logged(const Sink& sink, const std::string& text) { return sink.host_.logged(text); }

int closed_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);  // nobody listens there now
    return ntohs(a.sin_port);
}

}  // namespace

TEST_SUITE("clickhouse_server" * doctest::skip(no_server())) {

TEST_CASE("rows land in the created table with their values and Kafka coordinates") {
    Table t;
    Sink sink(t.config());
    REQUIRE_MESSAGE(sink.created.status == SLUICE_OK, sink.created.message);
    auto input = rows("traffic", 0, 0, 3);
    auto more = rows("traffic", 1, 10, 12);
    input.insert(input.end(), more.begin(), more.end());
    CallResult put = sink.put(input);
    REQUIRE_MESSAGE(put.status == SLUICE_OK, put.message);
    CallResult flushed = sink.flush();
    REQUIRE_MESSAGE(flushed.status == SLUICE_OK, flushed.message);
    CHECK(clickhouse_query(t.url, "SELECT sensor, flow, _topic, _partition, _offset FROM " + t.name +
                                      " ORDER BY _partition, _offset FORMAT TabSeparated") ==
          "S0\t0\ttraffic\t0\t0\n"
          "S1\t3\ttraffic\t0\t1\n"
          "S2\t6\ttraffic\t0\t2\n"
          "S3\t30\ttraffic\t1\t10\n"
          "S4\t33\ttraffic\t1\t11\n");
}

TEST_CASE("batches: an insert per batch.max.rows, the rest at flush; gzip bodies are accepted") {
    Table t;
    Sink sink(t.config({{"batch.max.rows", "5"}, {"batch.max.ms", "600000"}, {"gzip.min.bytes", "1"}}));
    REQUIRE(sink.created.status == SLUICE_OK);
    REQUIRE(sink.put(rows("t", 0, 0, 4)).status == SLUICE_OK);
    CHECK(t.count() == 0);  // below every threshold: buffered
    REQUIRE(sink.put(rows("t", 0, 4, 8)).status == SLUICE_OK);
    // 8 >= 5 rows: inserted in the background, while put has returned.
    CHECK(wait_until([&] { return t.count() == 8; }, 10s));
    // A put as large as the others (a shorter one would be the tail of a backlog, inserted
    // early at a moment that depends on the background insert): 4 < 5 rows stay buffered.
    REQUIRE(sink.put(rows("t", 0, 8, 12)).status == SLUICE_OK);
    CHECK(t.count() == 8);
    REQUIRE(sink.flush().status == SLUICE_OK);
    CHECK(t.count() == 12);
    CHECK(t.duplicates() == 0);
}

TEST_CASE("a periodic flush does not cut batches: it commits only up to the first buffered record") {
    Table t;
    Sink sink(t.config({{"batch.max.rows", "100"}, {"batch.max.ms", "600000"}}));
    // Puts of one size, as a worker with a backlog makes them: no put is the short tail of a
    // backlog, so nothing is inserted early and what is buffered does not depend on timing.
    REQUIRE(sink.put(rows("t", 0, 0, 50)).status == SLUICE_OK);
    REQUIRE(sink.put(rows("t", 0, 50, 100)).status == SLUICE_OK);  // due at 100 rows: inserted
    auto mixed = rows("t", 0, 100, 145);
    for (auto& r : rows("t", 1, 0, 5)) mixed.push_back(r);
    REQUIRE(sink.put(mixed).status == SLUICE_OK);
    std::vector<sluice_topic_partition> positions;
    // Until the background insert of the first 100 is finished, nothing is durable.
    CHECK(wait_until(
        [&] {
            positions = {{"t", 0, 145}, {"t", 1, 5}, {"t", 2, 7}};
            REQUIRE(sink.flush(false, &positions).status == SLUICE_OK);
            return positions[0].offset == 100;
        },
        10s));
    CHECK(t.count() == 100);
    CHECK(positions[0].offset == 100);  // 100..144 are still buffered
    CHECK(positions[1].offset == 0);
    CHECK(positions[2].offset == 7);    // nothing buffered there: left as it was
    REQUIRE(sink.flush(true, &positions).status == SLUICE_OK);  // the final one inserts everything
    CHECK(t.count() == 150);
}

TEST_CASE("the end of a backlog (full puts, then a smaller one) is inserted at once, not after batch.max.ms") {
    Table t;
    Sink sink(t.config({{"batch.max.ms", "60000"}, {"insert_settings", "log_queries=1"}}));
    // A trickle of equal puts is no backlog: buffered until a threshold.
    REQUIRE(sink.put(rows("t", 0, 0, 5)).status == SLUICE_OK);
    REQUIRE(sink.put(rows("t", 0, 5, 10)).status == SLUICE_OK);
    std::this_thread::sleep_for(200ms);
    CHECK(t.count() == 0);
    // Full puts, then a short one: the consumer ran dry, everything goes now.
    REQUIRE(sink.put(partitions("t", 2, 10, 60)).status == SLUICE_OK);
    REQUIRE(sink.put(partitions("t", 2, 60, 110)).status == SLUICE_OK);
    REQUIRE(sink.put(rows("t", 1, 110, 120)).status == SLUICE_OK);
    CHECK(wait_until([&] { return t.count() == 220; }, 10s));
    // Another drain within half of batch.max.ms of that insert waits for the usual thresholds.
    REQUIRE(sink.put(partitions("t", 2, 120, 170)).status == SLUICE_OK);
    REQUIRE(sink.put(rows("t", 1, 170, 175)).status == SLUICE_OK);
    std::this_thread::sleep_for(300ms);
    CHECK(t.count() == 220);
    REQUIRE(sink.flush().status == SLUICE_OK);
    CHECK(t.count() == 325);
    CHECK(t.duplicates() == 0);
    CHECK(inserts_into(t.url, t.name, 2) == 2);
}

TEST_CASE("exactly once: open resumes after the highest stored offset; stored rows are never inserted again") {
    Table t;
    {
        Sink first(t.config());
        REQUIRE(first.created.status == SLUICE_OK);
        CHECK(first.open("traffic", {0, 1}) == std::vector<int64_t>{SLUICE_OFFSET_UNSET, SLUICE_OFFSET_UNSET});
        REQUIRE(first.put(rows("traffic", 0, 0, 10)).status == SLUICE_OK);
        REQUIRE(first.flush().status == SLUICE_OK);
    }
    // A restart: partition 0 resumes at 10 (max _offset 9 + 1), partition 1 has no row.
    Sink second(t.config());
    CHECK(second.open("traffic", {0, 1}) == std::vector<int64_t>{10, SLUICE_OFFSET_UNSET});

    // A sink that could not read the table at open() (or after an insert whose answer was
    // lost) gets records again from the committed offset: those stored are skipped.
    Sink third(t.config());
    REQUIRE(third.put(rows("traffic", 0, 5, 15)).status == SLUICE_OK);
    REQUIRE(third.flush().status == SLUICE_OK);
    CHECK(t.count() == 15);
    CHECK(t.duplicates() == 0);
    CHECK(t.count("_offset BETWEEN 10 AND 14") == 5);

    // The same through a background insert (a due batch during put): the unknown watermark
    // is read before the rows are handed over.
    Sink fourth(t.config({{"batch.max.rows", "5"}, {"batch.max.ms", "600000"}}));
    REQUIRE(fourth.put(rows("traffic", 0, 12, 20)).status == SLUICE_OK);
    CHECK(wait_until([&] { return t.count() == 20; }, 10s));
    REQUIRE(fourth.flush().status == SLUICE_OK);
    CHECK(t.count() == 20);
    CHECK(t.duplicates() == 0);
}

TEST_CASE("exactly once into a table without PARTITION BY: one insert carries every Kafka partition of a batch") {
    Table t;
    Sink sink(t.config({{"insert_settings", "log_queries=1"}, {"batch.max.ms", "600000"}}));
    REQUIRE(sink.created.status == SLUICE_OK);
    sink.open("traffic", {0, 1, 2, 3});
    REQUIRE(sink.put(partitions("traffic", 4, 0, 25)).status == SLUICE_OK);
    REQUIRE(sink.flush().status == SLUICE_OK);
    CHECK(t.count() == 100);
    CHECK(inserts_into(t.url, t.name, 1) == 1);
    CHECK(logged(sink, "one insert for all partitions of a batch, at most 1048576 rows each"));  // the server's block size
    // The insert was atomic: every partition's watermark is exact.
    Sink restarted(t.config());
    CHECK(restarted.open("traffic", {0, 1, 2, 3, 4}) == std::vector<int64_t>{25, 25, 25, 25, SLUICE_OFFSET_UNSET});
}

TEST_CASE("combined inserts are cut at the server's max_insert_block_size (one block, one part)") {
    Table t;
    SUBCASE("a due batch: the background insert takes a block, the rest follow") {
        Sink sink(t.config({{"insert_settings", "log_queries=1,max_insert_block_size=30"},
                            {"batch.max.rows", "100"},
                            {"batch.max.ms", "600000"}}));
        REQUIRE(sink.put(partitions("t", 4, 0, 25)).status == SLUICE_OK);  // 100 rows: due
        CHECK(wait_until([&] { return t.count() == 30; }, 10s));
        // The 70 left over are not "old": a periodic flush does not send them as a small insert.
        std::vector<sluice_topic_partition> positions{{"t", 0, 25}, {"t", 1, 25}, {"t", 2, 25}, {"t", 3, 25}};
        REQUIRE(sink.flush(false, &positions).status == SLUICE_OK);
        std::this_thread::sleep_for(300ms);
        CHECK(t.count() == 30);
        REQUIRE(sink.flush().status == SLUICE_OK);  // final: 70 rows in inserts of <= 30
        CHECK(t.count() == 100);
        CHECK(t.duplicates() == 0);
        CHECK(inserts_into(t.url, t.name, 1 + 3) == 1 + 3);
    }
    SUBCASE("the final flush: every insert at most max_insert_block_size rows, watermarks exact") {
        Sink sink(t.config({{"insert_settings", "log_queries=1,max_insert_block_size=20"}, {"batch.max.ms", "600000"}}));
        REQUIRE(sink.put(partitions("t", 4, 0, 25)).status == SLUICE_OK);
        REQUIRE(sink.flush().status == SLUICE_OK);
        CHECK(t.count() == 100);
        CHECK(t.duplicates() == 0);
        CHECK(inserts_into(t.url, t.name, 5) == 5);
        CHECK(logged(sink, "at most 20 rows each"));
        Sink restarted(t.config());
        CHECK(restarted.open("t", {0, 1, 2, 3}) == std::vector<int64_t>{25, 25, 25, 25});
    }
}

TEST_CASE("exactly once into a partitioned table: one insert per Kafka partition") {
    Table t;
    auto create = [&](const std::string& partition_by) {
        clickhouse_query(t.url, "CREATE TABLE " + t.name + " (sensor String, flow UInt32, _topic String, _partition Int32, "
                                "_offset Int64) ENGINE = MergeTree " + partition_by + " ORDER BY (_topic, _partition, _offset)");
    };
    SUBCASE("PARTITION BY an expression: a mixed insert could become several parts") {
        create("PARTITION BY _partition % 2");
        Sink sink(t.config({{"create_table", "false"}, {"insert_settings", "log_queries=1"}, {"batch.max.ms", "600000"}}));
        REQUIRE(sink.put(partitions("traffic", 4, 0, 25)).status == SLUICE_OK);
        REQUIRE(sink.flush().status == SLUICE_OK);
        CHECK(t.count() == 100);
        CHECK(inserts_into(t.url, t.name, 4) == 4);
        CHECK(logged(sink, "one insert per Kafka partition (the table is partitioned by _partition % 2, engine MergeTree)"));
        // ... through the background path too.
        Sink second(t.config({{"create_table", "false"}, {"insert_settings", "log_queries=1"}, {"batch.max.rows", "10"}}));
        REQUIRE(second.put(partitions("traffic", 4, 25, 30)).status == SLUICE_OK);
        CHECK(wait_until([&] { return t.count() == 120; }, 10s));
        REQUIRE(second.flush().status == SLUICE_OK);
        CHECK(inserts_into(t.url, t.name, 8) == 8);
        CHECK(t.duplicates() == 0);
    }
    SUBCASE("PARTITION BY tuple() is one partition: combined") {
        create("PARTITION BY tuple()");
        Sink sink(t.config({{"create_table", "false"}, {"insert_settings", "log_queries=1"}, {"batch.max.ms", "600000"}}));
        REQUIRE(sink.put(partitions("traffic", 4, 0, 25)).status == SLUICE_OK);
        REQUIRE(sink.flush().status == SLUICE_OK);
        CHECK(t.count() == 100);
        CHECK(inserts_into(t.url, t.name, 1) == 1);
    }
}

TEST_CASE("exactly once off: the table needs no coordinates, rows go in as they are") {
    Table t;
    clickhouse_query(t.url, "CREATE TABLE " + t.name + " (sensor String, flow UInt32) ENGINE = MergeTree ORDER BY sensor");
    CallResult refused = Sink::test(t.config({{"create_table", "false"}}));
    CHECK(refused.status != SLUICE_OK);
    CHECK_MESSAGE(refused.message.find("has no _topic, _partition, _offset columns") != std::string::npos, refused.message);
    Sink sink(t.config({{"create_table", "false"}, {"exactly_once", "false"}, {"coordinates", "false"}}));
    REQUIRE(sink.put(rows("t", 0, 0, 6)).status == SLUICE_OK);
    REQUIRE(sink.flush().status == SLUICE_OK);
    CHECK(t.count() == 6);
}

TEST_CASE("at-least-once: partitions share inserts; a refused row still only costs itself") {
    Table t;
    Sink sink(t.config({{"exactly_once", "false"}}), SLUICE_OK);
    auto input = rows("t", 0, 0, 10);
    auto other = rows("t", 1, 0, 10);
    other[4].value = "{\"flow\":-5}";  // UInt32: refused
    input.insert(input.end(), other.begin(), other.end());
    REQUIRE(sink.put(input).status == SLUICE_OK);
    REQUIRE(sink.flush().status == SLUICE_OK);
    CHECK(t.count() == 19);
    REQUIRE(sink.host_.errants.size() == 1);
    CHECK(sink.host_.errants[0].partition == 1);
    CHECK(sink.host_.errants[0].offset == 4);
    REQUIRE(sink.put(rows("t", 0, 10, 15)).status == SLUICE_OK);
    REQUIRE(sink.put(rows("t", 1, 10, 15)).status == SLUICE_OK);
    REQUIRE(sink.flush().status == SLUICE_OK);
    CHECK(t.count() == 29);
}

TEST_CASE("a bad record in the middle of a batch: only it is rejected, every good row is inserted") {
    Table t;
    auto input = rows("traffic", 2, 100, 120);
    input[7].value = "{\"sensor\":\"S0\",\"flow\":\"not a number\"}";  // ClickHouse refuses it
    input[13].value = "plain text, not JSON";                          // refused before sending
    input[15].value = std::nullopt;                                    // a tombstone
    input[17].value = "{\"sensor\":\"S0\",\"unknown_column\":1}";       // ClickHouse refuses it

    SUBCASE("tolerated (errors.tolerance=all): reported with coordinates and message, the rest inserted") {
        Sink sink(t.config(), SLUICE_OK);
        REQUIRE(sink.put(input).status == SLUICE_OK);
        CallResult flushed = sink.flush();
        REQUIRE_MESSAGE(flushed.status == SLUICE_OK, flushed.message);
        CHECK(t.count() == 16);
        CHECK(t.count("_offset IN (107, 113, 115, 117)") == 0);
        REQUIRE(sink.host_.errants.size() == 4);
        std::vector<int64_t> offsets;
        for (auto& e : sink.host_.errants) {
            offsets.push_back(e.offset);
            CHECK(e.topic == "traffic");
            CHECK(e.partition == 2);
        }
        CHECK(offsets == std::vector<int64_t>{107, 113, 115, 117});
        CHECK(sink.host_.errants[0].value == input[7].value);  // the record as it came from Kafka
        CHECK(sink.host_.errants[0].key == input[7].key);
        CHECK_MESSAGE(sink.host_.errants[0].message.find("record traffic[2]@107 not inserted") != std::string::npos,
                      sink.host_.errants[0].message);
        CHECK_MESSAGE(sink.host_.errants[0].message.find("ClickHouse error 27") != std::string::npos, sink.host_.errants[0].message);
        CHECK(sink.host_.errants[1].message.find("not one JSON object") != std::string::npos);
        CHECK(sink.host_.errants[2].message.find("tombstone") != std::string::npos);
        CHECK_MESSAGE(sink.host_.errants[3].message.find("Unknown field found while parsing JSONEachRow format: unknown_column") !=
                          std::string::npos,
                      sink.host_.errants[3].message);
    }
    SUBCASE("not tolerated (errors.tolerance=none): the task fails naming the record; good rows on both sides are in") {
        Sink sink(t.config(), SLUICE_FATAL);
        CallResult put = sink.put(input);
        CallResult flushed = put.status == SLUICE_OK ? sink.flush() : put;
        CHECK(flushed.status == SLUICE_FATAL);
        CHECK_MESSAGE(flushed.message.find("record traffic[2]@107 not inserted") != std::string::npos, flushed.message);
        CHECK_MESSAGE(flushed.message.find("Cannot parse") != std::string::npos, flushed.message);
        CHECK(t.count() == 16);  // all the good rows: before and after the bad ones
        REQUIRE(sink.host_.errants.size() == 1);
        CHECK(sink.host_.errants[0].offset == 107);
    }
}

TEST_CASE("a bad record in a background insert: the periodic flush isolates it once, the good rows go in") {
    Table t;
    Sink sink(t.config({{"batch.max.rows", "10"}, {"batch.max.ms", "0"}}), SLUICE_OK);
    auto input = partitions("traffic", 3, 0, 10);
    input[14].value = "{\"sensor\":\"S0\",\"flow\":\"lots\"}";  // traffic[1]@4
    REQUIRE(sink.put(input).status == SLUICE_OK);  // due: one combined background insert, refused
    std::vector<sluice_topic_partition> positions;
    CHECK(wait_until(
        [&] {
            positions = {{"traffic", 0, 10}, {"traffic", 1, 10}, {"traffic", 2, 10}};
            REQUIRE(sink.flush(false, &positions).status == SLUICE_OK);
            return t.count() == 29;
        },
        10s));
    REQUIRE(sink.host_.errants.size() == 1);  // reported once, not once per flush
    CHECK(sink.host_.errants[0].partition == 1);
    CHECK(sink.host_.errants[0].offset == 4);
    CHECK(positions[1].offset == 10);  // everything settled: the commit may pass the bad record
    CHECK(t.duplicates() == 0);
}

TEST_CASE("bisection isolates bad rows without a row hint too, in offset order") {
    Table t;
    std::vector<SinkInput> input = rows("t", 0, 0, 64);
    // Duplicate keys: refused (code 117) without an "(at row N)" hint on some servers, so
    // the sink falls back to halving.
    for (int bad : {3, 40, 41}) input[bad].value = "{\"sensor\":\"a\",\"sensor\":\"b\"}";
    Sink sink(t.config(), SLUICE_OK);
    REQUIRE(sink.put(input).status == SLUICE_OK);
    REQUIRE(sink.flush().status == SLUICE_OK);
    CHECK(t.count() == 61);
    REQUIRE(sink.host_.errants.size() == 3);
    CHECK(sink.host_.errants[0].offset == 3);
    CHECK(sink.host_.errants[1].offset == 40);
    CHECK(sink.host_.errants[2].offset == 41);
}

TEST_CASE("configuration and connection problems are clear errors") {
    Table t;
    SUBCASE("unknown table without create_table") {
        CallResult r = Sink::test(t.config({{"create_table", "false"}}));
        CHECK(r.status != SLUICE_OK);
        CHECK_MESSAGE(r.message.find("`default`.`" + t.name + "` at " + t.url + " does not exist") != std::string::npos, r.message);
        Sink sink(t.config({{"create_table", "false"}}));
        CallResult put = sink.put(rows("t", 0, 0, 1));
        CHECK(put.status == SLUICE_FATAL);
        CHECK(put.message.find("does not exist") != std::string::npos);
    }
    SUBCASE("unknown database") {
        CallResult r = Sink::test(t.config({{"database", "no_such_db"}}));
        CHECK(r.status != SLUICE_OK);
        CHECK_MESSAGE(r.message.find("database `no_such_db` does not exist") != std::string::npos, r.message);
    }
    SUBCASE("wrong password, with basic auth and with the X-ClickHouse headers") {
        for (std::string auth : {"basic", "headers"}) {
            CallResult r = Sink::test(t.config({{"user", "sluice"}, {"password", "wrong"}, {"auth", auth}}));
            CHECK(r.status != SLUICE_OK);
            CHECK_MESSAGE(r.message.find("ClickHouse error 193") != std::string::npos, r.message);
            CHECK_MESSAGE(r.message.find("Wrong password for user sluice") != std::string::npos, r.message);
            CHECK(r.message.find("wrong") == std::string::npos);  // the password itself is never shown
        }
    }
    SUBCASE("right password: basic auth and headers both work") {
        for (std::string auth : {"basic", "headers"}) {
            Sink sink(t.config({{"user", "sluice"}, {"password", "sluice-secret"}, {"auth", auth}}));
            REQUIRE(sink.put(rows("t", 0, auth == "basic" ? 0 : 1, auth == "basic" ? 1 : 2)).status == SLUICE_OK);
            CallResult f = sink.flush();
            CHECK_MESSAGE(f.status == SLUICE_OK, f.message);
        }
        CHECK(t.count() == 2);
    }
    SUBCASE("server unreachable: test() says so, put() asks to retry and keeps nothing") {
        const std::string url = "http://127.0.0.1:" + std::to_string(closed_port());
        CallResult r = Sink::test(t.config({{"url", url}}));
        CHECK(r.status != SLUICE_OK);
        CHECK_MESSAGE(r.message.find("cannot reach ClickHouse") != std::string::npos, r.message);
        Sink sink(t.config({{"url", url}}));
        CallResult put = sink.put(rows("t", 0, 0, 3));
        CHECK(put.status == SLUICE_RETRY);
        CHECK(put.message.find("cannot reach ClickHouse") != std::string::npos);
    }
    SUBCASE("bad configuration values") {
        CHECK(Sink::test(t.config({{"url", "127.0.0.1:8123"}})).message.find("url must start with http://") != std::string::npos);
        CHECK(Sink::test(t.config({{"columns", "sensor"}})).message.find("columns[0] 'sensor': no type") != std::string::npos);
        CHECK(Sink::test(t.config({{"batch.max.rows", "2000000"}})).message.find("at most 1048576") != std::string::npos);
        CHECK(Sink::test(t.config({{"coordinates", "false"}})).message.find("exactly.once needs coordinates") != std::string::npos);
    }
}

}  // TEST_SUITE
