// The postgres and mysql sources through their ABI against real servers: each mode reads
// every row once, in order, across pages and restarts (stored offsets), rows sharing a
// timestamp included; values mapped to JSON; the pre-flight names what is wrong.
#include "sql_plugin_driver.hpp"

#include <nlohmann/json.hpp>

#include <doctest/doctest.h>

#include <set>

using namespace sluice::testing;
using namespace std::chrono_literals;

namespace {

// id (serial), k (text key), ts (microseconds), v.
std::string events_ddl(Db db, const std::string& t) {
    if (db == Db::postgres)
        return "CREATE TABLE " + t + " (id bigserial PRIMARY KEY, k text NOT NULL UNIQUE, ts timestamp(6) NOT NULL, v integer)";
    return "CREATE TABLE " + t + " (id BIGINT AUTO_INCREMENT PRIMARY KEY, k VARCHAR(50) NOT NULL UNIQUE, ts DATETIME(6) NOT NULL, "
           "v INT) ENGINE=InnoDB";
}

void insert_events(SqlClient& c, const std::string& t, int from, int to, const std::string& ts) {
    std::string sql = "INSERT INTO " + t + " (k, ts, v) VALUES ";
    for (int i = from; i < to; ++i) sql += std::string(i > from ? ", " : "") + "('k" + std::to_string(i) + "', '" + ts + "', " + std::to_string(i) + ")";
    c.exec(sql);
}

std::vector<int> values_of(const std::vector<CapturedRecord>& records) {
    std::vector<int> out;
    for (const auto& r : records) out.push_back(nlohmann::json::parse(*r.value)["v"].get<int>());
    return out;
}

std::vector<int> range(int from, int to) {
    std::vector<int> out;
    for (int i = from; i < to; ++i) out.push_back(i);
    return out;
}

}  // namespace

TEST_SUITE("sql_server") {

TEST_CASE("source, incrementing: every row once, in id order, page after page and after a restart") {
    for (Db db : servers()) {
        const std::string server = db_name(db);
        CAPTURE(server);
        const ServerInfo s = ServerInfo::fixture(db);
        SqlClient c(s, false);
        const std::string t = unique_name("inc");
        c.exec(events_ddl(db, t));
        insert_events(c, t, 0, 25, "2024-05-01 10:00:00");
        const auto cfg = config(s, {{"mode", "incrementing"}, {"incrementing.column.name", "id"}, {"table.whitelist", t},
                                    {"batch.max.rows", "10"}, {"poll.interval.ms", "50"}});
        std::map<std::string, std::string> offsets;
        {
            SourceDriver source(db, cfg);
            REQUIRE_MESSAGE(source.ok(), source.created().message);
            auto records = source.poll_until(25, 10s);
            CHECK(values_of(records) == range(0, 25));
            const auto& last = records.back();
            CHECK(last.source_partition == "{\"database\":\"" + s.database + "\",\"table\":\"" + t + "\"}");
            CHECK(last.source_offset == "{\"id\":25}");
            CHECK(*last.key == "{\"id\":25}");
            offsets = source.offsets;
        }
        insert_events(c, t, 25, 30, "2024-05-01 10:00:00");
        SourceDriver again(db, cfg, offsets);
        auto records = again.poll_until(5, 10s);
        CHECK(values_of(records) == range(25, 30));
        CHECK(again.poll_until(1, 300ms).empty());
        c.exec("DROP TABLE " + t);
    }
}

TEST_CASE("source, timestamp: rows sharing a timestamp across pages and a restart, each exactly once") {
    for (Db db : servers()) {
        const std::string server = db_name(db);
        CAPTURE(server);
        const ServerInfo s = ServerInfo::fixture(db);
        SqlClient c(s, false);
        const std::string t = unique_name("ts");
        c.exec(events_ddl(db, t));
        insert_events(c, t, 0, 30, "2024-05-01 10:00:00.250000");  // 30 rows, one timestamp, pages of 7
        insert_events(c, t, 30, 35, "2024-05-01 10:00:01");
        const auto cfg = config(s, {{"mode", "timestamp"}, {"timestamp.column.name", "ts"}, {"key.fields", "k"},
                                    {"table.whitelist", t}, {"batch.max.rows", "7"}, {"poll.interval.ms", "50"}});
        std::vector<CapturedRecord> seen;
        std::map<std::string, std::string> offsets;
        {
            SourceDriver first(db, cfg);
            REQUIRE_MESSAGE(first.ok(), first.created().message);
            // Stop in the middle of the shared timestamp: 12 records, 5 per poll.
            while (seen.size() < 12) {
                CapturingWriter w(5);
                CallResult r = first.poll_once(w);
                REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
                for (auto& rec : w.records) {
                    if (rec.has_source_offset) offsets[rec.source_partition] = rec.source_offset;
                    seen.push_back(rec);
                }
            }
        }
        const auto stored = nlohmann::json::parse(offsets.begin()->second);
        // As the database prints it: PostgreSQL trims the fraction, DATETIME(6) has six digits.
        CHECK(stored["timestamp"] == (db == Db::postgres ? "2024-05-01T10:00:00.25Z" : "2024-05-01T10:00:00.250000Z"));
        CHECK(stored["ids"].size() == seen.size());
        SourceDriver second(db, cfg, offsets);
        auto rest = second.poll_until(35 - seen.size(), 10s);
        seen.insert(seen.end(), rest.begin(), rest.end());
        CHECK(second.poll_until(1, 300ms).empty());
        std::multiset<int> values;
        for (int v : values_of(seen)) values.insert(v);
        CHECK(values.size() == 35);
        CHECK(std::set<int>(values.begin(), values.end()).size() == 35);
        CHECK(seen.back().timestamp_ms == 1714557601000);
        c.exec("DROP TABLE " + t);
    }
}

TEST_CASE("source, timestamp+incrementing: rows newer than the delay wait; late commits below it still land") {
    for (Db db : servers()) {
        const std::string server = db_name(db);
        CAPTURE(server);
        const ServerInfo s = ServerInfo::fixture(db);
        SqlClient c(s, false);
        const std::string t = unique_name("tsinc");
        c.exec(events_ddl(db, t));
        insert_events(c, t, 0, 10, "2024-05-01 10:00:00");
        // A row stamped an hour ahead of the database clock is not read while the delay
        // (1 s) has not passed it.
        c.exec("INSERT INTO " + t + " (k, ts, v) VALUES ('future', " +
               (db == Db::postgres ? std::string("now() AT TIME ZONE 'UTC' + interval '1 hour'") : "UTC_TIMESTAMP(6) + INTERVAL 1 HOUR") + ", 99)");
        const auto cfg = config(s, {{"mode", "timestamp+incrementing"}, {"timestamp.column.name", "ts"},
                                    {"incrementing.column.name", "id"}, {"table.whitelist", t}, {"batch.max.rows", "4"},
                                    {"poll.interval.ms", "50"}, {"timestamp.delay.interval.ms", "1000"}});
        SourceDriver source(db, cfg);
        REQUIRE_MESSAGE(source.ok(), source.created().message);
        auto records = source.poll_until(10, 10s);
        CHECK(values_of(records) == range(0, 10));
        CHECK(source.poll_until(1, 300ms).empty());
        // A transaction that committed after newer rows were read, with an older timestamp
        // but a larger id at the same timestamp: read.
        insert_events(c, t, 10, 12, "2024-05-01 10:00:00");
        records = source.poll_until(2, 10s);
        CHECK(values_of(records) == range(10, 12));
        CHECK(nlohmann::json::parse(source.offsets.begin()->second)["timestamp"] ==
              (db == Db::postgres ? "2024-05-01T10:00:00Z" : "2024-05-01T10:00:00.000000Z"));
        c.exec("DROP TABLE " + t);
    }
}

TEST_CASE("source, bulk and query modes; types mapped to JSON") {
    for (Db db : servers()) {
        const std::string server = db_name(db);
        CAPTURE(server);
        const ServerInfo s = ServerInfo::fixture(db);
        SqlClient c(s, false);
        const std::string t = unique_name("types");
        if (db == Db::postgres) {
            c.exec("CREATE TABLE " + t + " (id integer PRIMARY KEY, big numeric(30,5), small numeric(6,2), f double precision, "
                   "ok boolean, at timestamptz, local timestamp, d date, doc jsonb, raw bytea, s text)");
            c.exec("INSERT INTO " + t + " VALUES (1, 1234567890123456789012.5, 12.50, 0.25, true, '2024-05-01 12:00:00.5+02', "
                   "'2024-05-01 10:00:00', '2024-05-01', '{\"a\": [1, 2]}', '\\x00ff', 'é\"x'), "
                   "(2, NULL, NULL, 'NaN', false, NULL, NULL, NULL, NULL, NULL, NULL)");
        } else {
            c.exec("CREATE TABLE " + t + " (id INT PRIMARY KEY, big DECIMAL(30,5), small DECIMAL(6,2), f DOUBLE, ok BOOLEAN, "
                   "at TIMESTAMP(1) NULL, local DATETIME, d DATE, doc JSON, raw VARBINARY(10), s TEXT) ENGINE=InnoDB");
            c.exec("INSERT INTO " + t + " VALUES (1, 1234567890123456789012.5, 12.50, 0.25, true, '2024-05-01 10:00:00.5', "
                   "'2024-05-01 10:00:00', '2024-05-01', '{\"a\": [1, 2]}', X'00ff', 'é\"x'), "
                   "(2, NULL, NULL, 1e300, false, NULL, NULL, NULL, NULL, NULL, NULL)");
        }
        SourceDriver bulk(db, config(s, {{"mode", "bulk"}, {"table.whitelist", t}, {"poll.interval.ms", "100"}}));
        REQUIRE_MESSAGE(bulk.ok(), bulk.created().message);
        auto records = bulk.poll_until(4, 10s);  // the whole table, twice
        REQUIRE(records.size() >= 4);
        CHECK(!records[0].has_source_offset);  // bulk has no position
        if (db == Db::postgres) {
            CHECK(*records[0].value == R"({"id":1,"big":"1234567890123456789012.50000","small":12.50,"f":0.25,"ok":true,)"
                                       R"("at":"2024-05-01T10:00:00.5Z","local":"2024-05-01T10:00:00Z","d":"2024-05-01",)"
                                       R"("doc":{"a": [1, 2]},"raw":"AP8=","s":"é\"x"})");
            CHECK(*records[1].value == R"({"id":2,"big":null,"small":null,"f":"NaN","ok":false,"at":null,"local":null,"d":null,)"
                                       R"("doc":null,"raw":null,"s":null})");
        } else {
            CHECK(*records[0].value == R"({"id":1,"big":"1234567890123456789012.50000","small":12.50,"f":0.25,"ok":true,)"
                                       R"("at":"2024-05-01T10:00:00.5Z","local":"2024-05-01T10:00:00Z","d":"2024-05-01",)"
                                       R"("doc":{"a": [1, 2]},"raw":"AP8=","s":"é\"x"})");
            CHECK(*records[1].value == R"({"id":2,"big":null,"small":null,"f":1e300,"ok":false,"at":null,"local":null,"d":null,)"
                                       R"("doc":null,"raw":null,"s":null})");
        }
        CHECK(*records[0].key == "{\"id\":1}");
        SourceDriver query(db, config(s, {{"mode", "incrementing"}, {"incrementing.column.name", "id"},
                                          {"query", "SELECT id, s FROM " + t + " WHERE ok"}, {"poll.interval.ms", "100"}}));
        REQUIRE_MESSAGE(query.ok(), query.created().message);
        records = query.poll_until(1, 10s);
        REQUIRE(records.size() == 1);
        CHECK(*records[0].value == R"({"id":1,"s":"é\"x"})");
        CHECK(!records[0].key);
        CHECK(records[0].source_partition.find("\"query\":\"SELECT id, s FROM") != std::string::npos);
        c.exec("DROP TABLE " + t);
    }
}

TEST_CASE("source pre-flight names the table, the column and what it should be") {
    for (Db db : servers()) {
        const std::string server = db_name(db);
        CAPTURE(server);
        const ServerInfo s = ServerInfo::fixture(db);
        SqlClient c(s, false);
        const std::string t = unique_name("srccheck");
        c.exec(events_ddl(db, t));
        auto refusal = [&](std::map<std::string, std::string> extra) {
            CallResult r = SourceDriver::test(db, config(s, std::move(extra)));
            return r.status == SLUICE_OK ? std::string("OK") : r.message;
        };
        CHECK(refusal({{"mode", "incrementing"}, {"incrementing.column.name", "id"}, {"table.whitelist", t}}) == "OK");
        CHECK(refusal({{"mode", "bulk"}, {"table.whitelist", t + "_nope"}}).find("table " + t + "_nope does not exist") !=
              std::string::npos);
        CHECK(refusal({{"mode", "incrementing"}, {"incrementing.column.name", "nope"}, {"table.whitelist", t}})
                  .find("has no column nope (incrementing.column.name); its columns: id, k, ts, v") != std::string::npos);
        CHECK(refusal({{"mode", "incrementing"}, {"incrementing.column.name", "k"}, {"table.whitelist", t}})
                  .find("incrementing.column.name k is of kind text, not an integer") != std::string::npos);
        CHECK(refusal({{"mode", "timestamp"}, {"timestamp.column.name", "v"}, {"table.whitelist", t}})
                  .find("timestamp.column.name v is of kind integer, not a timestamp or date") != std::string::npos);
        CHECK(refusal({{"mode", "bulk"}, {"query", "SELECT nope FROM " + t}}) != "OK");
        CHECK(refusal({{"mode", "bulk"}, {"table.whitelist", t}, {"connection.password", "wrong"}}).find("cannot connect") !=
              std::string::npos);
        c.exec("DROP TABLE " + t);
    }
}

}  // TEST_SUITE
