// The postgres and mysql sinks through their ABI against real servers (the ctest fixtures:
// Debian's PostgreSQL 15 and MariaDB 10.11): exact values and types, upserts and deletes,
// exactly-once resumption, bad records isolated, auto.create and auto.evolve, pre-flight.
// Every case runs against each server whose fixture is up.
#include "sql_plugin_driver.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace sluice::testing;

namespace {

SinkInput record(const std::string& topic, int32_t partition, int64_t offset, std::optional<std::string> value,
                 std::optional<std::string> key = std::nullopt) {
    SinkInput in;
    in.topic = topic;
    in.partition = partition;
    in.offset = offset;
    in.value = std::move(value);
    in.key = std::move(key);
    return in;
}

// Every column type the sink converts to, and a CHECK constraint for a server-side refusal.
std::string typed_table_ddl(Db db, const std::string& t) {
    if (db == Db::postgres)
        return "CREATE TABLE " + t + " (id bigint PRIMARY KEY, name text NOT NULL, speed double precision, flow integer, "
               "ratio numeric(10,3), ok boolean, seen timestamptz, local_ts timestamp, day date, doc jsonb, raw bytea, "
               "CONSTRAINT speed_ok CHECK (speed >= 0))";
    return "CREATE TABLE " + t + " (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, speed DOUBLE, flow INT, "
           "ratio DECIMAL(10,3), ok BOOLEAN, seen DATETIME(6), local_ts DATETIME(6), day DATE, doc JSON, raw BLOB, "
           "CONSTRAINT speed_ok CHECK (speed >= 0)) ENGINE=InnoDB";
}

// The typed table's rows as text, one string per row.
std::vector<std::string> typed_rows(SqlClient& c, Db db, const std::string& t) {
    const std::string sql =
        db == Db::postgres
            ? "SELECT id, name, speed::text, flow::text, ratio::text, ok::text, to_char(seen AT TIME ZONE 'UTC', "
              "'YYYY-MM-DD HH24:MI:SS.US'), local_ts::text, day::text, doc::text, encode(raw, 'base64') FROM " + t + " ORDER BY id"
            : "SELECT id, name, speed, flow, ratio, ok, seen, local_ts, day, doc, TO_BASE64(raw) FROM " + t + " ORDER BY id";
    std::vector<std::string> out;
    for (const auto& row : c.rows(sql)) {
        std::string line;
        for (const auto& cell : row) line += (line.empty() ? "" : "|") + cell.value_or("NULL");
        out.push_back(line);
    }
    return out;
}

}  // namespace

TEST_SUITE("sql_server") {

TEST_CASE("values land converted to each column's type, exactly") {
    for (Db db : servers()) {
        const std::string server = db_name(db);
        CAPTURE(server);
        const ServerInfo s = ServerInfo::fixture(db);
        SqlClient admin(s, false);  // the sluice user: owner of what it creates
        const std::string t = unique_name("typed");
        admin.exec(typed_table_ddl(db, t));
        SinkDriver sink(db, config(s, {{"table.name.format", t}}));
        REQUIRE_MESSAGE(sink.ok(), sink.created.message);
        const std::string topic = "typed";
        CallResult r = sink.put({
            record(topic, 0, 0, R"({"id":1,"name":"a\tb\\c\n\"q\"","speed":50.5,"flow":12,"ratio":"1.125","ok":true,)"
                                R"("seen":"2024-05-01T10:00:00.123+02:00","local_ts":"2024-05-01T10:00:00+02:00",)"
                                R"("day":"2024-05-01","doc":{"x":[1,"y"]},"raw":"AAEC"})"),
            record(topic, 0, 1, R"({"id":2,"name":"\u00e9\ud83d\ude00","speed":null,"flow":-3.0,"ok":0,"seen":1714557600000})"),
        });
        REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
        r = sink.flush();
        REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
        const auto rows = typed_rows(admin, db, t);
        REQUIRE(rows.size() == 2);
        if (db == Db::postgres) {
            CHECK(rows[0] == "1|a\tb\\c\n\"q\"|50.5|12|1.125|true|2024-05-01 08:00:00.123000|2024-05-01 08:00:00|2024-05-01|"
                             "{\"x\": [1, \"y\"]}|AAEC");
            CHECK(rows[1] == "2|\xc3\xa9\xf0\x9f\x98\x80|NULL|-3|NULL|false|2024-05-01 10:00:00.000000|NULL|NULL|NULL|NULL");
        } else {
            CHECK(rows[0] == "1|a\tb\\c\n\"q\"|50.5|12|1.125|1|2024-05-01 08:00:00.123000|2024-05-01 08:00:00.000000|"
                             "2024-05-01|{\"x\":[1,\"y\"]}|AAEC");
            CHECK(rows[1] == "2|\xc3\xa9\xf0\x9f\x98\x80|NULL|-3|NULL|0|2024-05-01 10:00:00.000000|NULL|NULL|NULL|NULL");
        }
        admin.exec("DROP TABLE " + t);
    }
}

TEST_CASE("bad records: converted ones and ones the server refuses go to the error policy, the rest is written") {
    for (Db db : servers()) {
        const std::string server = db_name(db);
        CAPTURE(server);
        const ServerInfo s = ServerInfo::fixture(db);
        SqlClient admin(s, false);  // the sluice user: owner of what it creates
        const std::string t = unique_name("poison");
        admin.exec(typed_table_ddl(db, t));
        const std::string topic = "poison";
        std::vector<SinkInput> batch;
        for (int i = 0; i < 40; ++i) batch.push_back(record(topic, 0, i, "{\"id\":" + std::to_string(i) + ",\"name\":\"n\",\"speed\":1}"));
        batch[5].value = R"({"id":5,"name":"n","flow":"abc"})";  // refused before sending
        batch[17].value = R"({"id":17,"name":"n","speed":-1})";   // the CHECK constraint refuses it
        batch[23].value = R"({"id":23,"speed":2})";               // NOT NULL name
        batch[31].value = "not json";
        {
            FakeHost host("test.sink");
            host.enable_errant(SLUICE_OK);
            SinkDriver sink(db, config(s, {{"table.name.format", t}}), host);
            REQUIRE(sink.put(batch).status == SLUICE_OK);
            CallResult r = sink.flush();
            REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
            CHECK(admin.number("SELECT count(*) FROM " + t) == 36);
            CHECK(admin.number("SELECT count(*) FROM " + t + " WHERE id IN (5, 17, 23, 31)") == 0);
            REQUIRE(host.errants.size() == 4);
            std::vector<int64_t> offsets;
            for (const auto& e : host.errants) offsets.push_back(e.offset);
            std::sort(offsets.begin(), offsets.end());
            CHECK(offsets == std::vector<int64_t>{5, 17, 23, 31});
            for (const auto& e : host.errants) {
                CAPTURE(e.message);
                CHECK(e.message.find("record poison[0]@" + std::to_string(e.offset) + " not written to " + t) == 0);
                if (e.offset == 5) CHECK(e.message.find("field 'flow': \"abc\" is not an integer (column flow") != std::string::npos);
                if (e.offset == 31) CHECK(e.message.find("its value is not a JSON object") != std::string::npos);
                if (e.offset == 17) CHECK(e.message.find("speed_ok") != std::string::npos);
                if (e.offset == 23) CHECK(e.message.find("name") != std::string::npos);
            }
            CHECK(host.errants[0].value.has_value());
            CHECK(sink.logged("isolate"));
        }
        // A batch due at once goes to the background write; refused records send it back to
        // the task thread, where the error policy is asked (here: at the flush).
        {
            admin.exec("DELETE FROM " + t);
            FakeHost host("background.sink");
            host.enable_errant(SLUICE_OK);
            SinkDriver sink(db, config(s, {{"table.name.format", t}, {"batch.max.rows", "10"}}), host);
            REQUIRE(sink.put(batch).status == SLUICE_OK);
            CallResult r = sink.flush();
            REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
            CHECK(admin.number("SELECT count(*) FROM " + t) == 36);
            CHECK(host.errants.size() == 4);
        }
        // errors.tolerance none: the first refused record fails the call; nothing of the batch is written.
        // (another connector: this one's offsets say the batch is written)
        admin.exec("DELETE FROM " + t);
        FakeHost strict("strict.sink");
        strict.enable_errant(SLUICE_FATAL);
        SinkDriver sink(db, config(s, {{"table.name.format", t}}), strict);
        REQUIRE(sink.put(batch).status == SLUICE_OK);
        CallResult r = sink.flush();
        CHECK(r.status == SLUICE_FATAL);
        CHECK(admin.number("SELECT count(*) FROM " + t) == 0);
        REQUIRE(!strict.errants.empty());
        admin.exec("DROP TABLE " + t);
    }
}

TEST_CASE("exactly once: the offsets table says where each partition resumes, and re-sent records are skipped") {
    for (Db db : servers()) {
        const std::string server = db_name(db);
        CAPTURE(server);
        const ServerInfo s = ServerInfo::fixture(db);
        SqlClient admin(s, false);  // the sluice user: owner of what it creates
        const std::string t = unique_name("eo");
        const std::string topic = unique_name("topic");
        auto batch = [&](int32_t partition, int64_t from, int64_t to) {
            std::vector<SinkInput> out;
            for (int64_t o = from; o < to; ++o)
                out.push_back(record(topic, partition, o,
                                     "{\"p\":" + std::to_string(partition) + ",\"o\":" + std::to_string(o) + ",\"v\":\"x\"}"));
            return out;
        };
        const auto cfg = config(s, {{"table.name.format", t}, {"auto.create", "true"}});
        {
            SinkDriver a(db, cfg);
            REQUIRE_MESSAGE(a.ok(), a.created.message);
            CHECK(a.open(topic, {0, 1}) == std::vector<int64_t>{SLUICE_OFFSET_UNSET, SLUICE_OFFSET_UNSET});
            REQUIRE(a.put(batch(0, 0, 100)).status == SLUICE_OK);
            REQUIRE(a.put(batch(1, 0, 50)).status == SLUICE_OK);
            CallResult r = a.flush();
            REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
        }
        CHECK(admin.number("SELECT count(*) FROM " + t) == 150);
        SinkDriver b(db, cfg);
        CHECK(b.open(topic, {0, 1, 2}) == std::vector<int64_t>{100, 50, SLUICE_OFFSET_UNSET});
        REQUIRE(b.put(batch(0, 90, 120)).status == SLUICE_OK);  // 90..99 were written by the first life
        REQUIRE(b.flush().status == SLUICE_OK);
        CHECK(admin.number("SELECT count(*) FROM " + t) == 170);
        CHECK(admin.number("SELECT count(*) FROM (SELECT p, o FROM " + t + " GROUP BY p, o HAVING count(*) > 1) d") == 0);
        CHECK(b.logged("10 records of the batch are already in the database"));
        CHECK(admin.scalar("SELECT next_offset FROM sluice_kafka_offsets WHERE connector = 'test.sink' AND topic = '" + topic +
                           "' AND " + (db == Db::postgres ? "\"partition\"" : "`partition`") + " = 0") == "120");
        // Another connector has its own progress.
        SinkDriver other(db, cfg, "other.sink");
        CHECK(other.open(topic, {0}) == std::vector<int64_t>{SLUICE_OFFSET_UNSET});
        // At least once: no offsets, the positions are left to the consumer group.
        SinkDriver plain(db, config(s, {{"table.name.format", t}, {"exactly.once", "false"}}));
        CHECK(plain.open(topic, {0}) == std::vector<int64_t>{SLUICE_OFFSET_UNSET});
        REQUIRE(plain.put(batch(0, 200, 210)).status == SLUICE_OK);
        std::vector<sluice_topic_partition> positions{{topic.c_str(), 0, 210}};
        REQUIRE(plain.flush(&positions).status == SLUICE_OK);
        CHECK(positions[0].offset == 210);
        CHECK(admin.number("SELECT count(*) FROM " + t) == 180);
        admin.exec("DROP TABLE " + t);
    }
}

// A real retriable refusal from the server: a row another session holds makes the write
// outlast request.timeout.ms (PostgreSQL: statement_timeout, 57014; MariaDB: the client's
// read timeout, a lost connection). The sink rolls back, keeps the records, keeps their
// offsets uncommitted, and writes them once the lock is gone (reconnecting when needed).
TEST_CASE("a row locked by another session: the write times out, is retried (never FATAL), and lands once") {
    for (Db db : servers()) {
        const std::string server = db_name(db);
        CAPTURE(server);
        const ServerInfo s = ServerInfo::fixture(db);
        SqlClient admin(s, false);
        const std::string t = unique_name("locked");
        admin.exec(db == Db::postgres ? "CREATE TABLE " + t + " (id bigint PRIMARY KEY, v text)"
                                      : "CREATE TABLE " + t + " (id BIGINT PRIMARY KEY, v TEXT) ENGINE=InnoDB");
        const std::string topic = unique_name("topic");
        std::vector<SinkInput> batch;
        for (int i = 0; i < 10; ++i) batch.push_back(record(topic, 0, i, "{\"id\":" + std::to_string(i) + ",\"v\":\"x\"}"));
        SqlClient holder(s, false);
        holder.exec(db == Db::postgres ? "BEGIN" : "START TRANSACTION");
        holder.exec("INSERT INTO " + t + " (id, v) VALUES (5, 'held')");  // the sink's row 5 waits for this transaction
        SinkDriver sink(db, config(s, {{"table.name.format", t}, {"request.timeout.ms", "1000"}}), unique_name("locked"));
        REQUIRE_MESSAGE(sink.ok(), sink.created.message);
        sink.open(topic, {0});
        REQUIRE(sink.put(batch).status == SLUICE_OK);
        std::vector<sluice_topic_partition> positions{{topic.c_str(), 0, 10}};
        CallResult r = sink.flush(&positions);
        CHECK_MESSAGE(r.status == SLUICE_OK, r.message);
        CHECK(positions[0].offset == 0);  // nothing of the batch may be committed to Kafka
        CHECK(sink.logged("flush: "));
        CHECK(admin.number("SELECT count(*) FROM " + t) == 0);
        holder.exec("ROLLBACK");
        // MariaDB's server thread of the timed-out connection may hold its locks a moment
        // longer (until it sees the client gone): a bounded number of flushes.
        for (int attempt = 0; attempt < 20; ++attempt) {
            positions[0].offset = 10;
            r = sink.flush(&positions);
            REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
            if (positions[0].offset == 10) break;
        }
        CHECK(positions[0].offset == 10);
        CHECK(admin.number("SELECT count(*) FROM " + t) == 10);
        CHECK(admin.number("SELECT count(*) FROM " + t + " WHERE v = 'held'") == 0);
        admin.exec("DROP TABLE " + t);
    }
}

TEST_CASE("upsert keeps the latest record of each key; tombstones delete; order inside a batch is kept") {
    for (Db db : servers()) {
        const std::string server = db_name(db);
        CAPTURE(server);
        const ServerInfo s = ServerInfo::fixture(db);
        SqlClient admin(s, false);  // the sluice user: owner of what it creates
        const std::string t = unique_name("upsert");
        SinkDriver sink(db, config(s, {{"table.name.format", t}, {"auto.create", "true"}, {"insert.mode", "upsert"},
                                       {"pk.mode", "record_key"}, {"pk.fields", "segment"}, {"delete.enabled", "true"}}));
        REQUIRE_MESSAGE(sink.ok(), sink.created.message);
        const std::string topic = "up";
        int64_t o = 0;
        auto v = [&](const char* key, std::optional<std::string> value) { return record(topic, 0, o++, std::move(value), key); };
        REQUIRE(sink.put({v("S1", R"({"speed":1})"), v("S2", R"({"speed":2})"), v("S1", R"({"speed":3})"),
                          v("S3", R"({"speed":4})"), v("S3", std::nullopt), v("S4", R"({"speed":5})"), v("S4", std::nullopt),
                          v("S4", R"({"speed":6})")})
                  .status == SLUICE_OK);
        CallResult r = sink.flush();
        REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
        auto state = [&] {
            std::string out;
            for (const auto& row : admin.rows("SELECT segment, speed FROM " + t + " ORDER BY segment"))
                out += *row[0] + "=" + row[1].value_or("NULL") + ";";
            return out;
        };
        CHECK(state() == "S1=3;S2=2;S4=6;");
        REQUIRE(sink.put({v("S2", R"({"speed":9})"), v("S1", std::nullopt), v("S5", "{}")}).status == SLUICE_OK);
        REQUIRE(sink.flush().status == SLUICE_OK);
        CHECK(state() == "S2=9;S4=6;S5=NULL;");
        // The created table: the key column from pk.fields, NOT NULL, the primary key.
        const std::string pk = db == Db::postgres
                                   ? admin.scalar("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                                                  "AND a.attnum = ANY(i.indkey) WHERE i.indisprimary AND i.indrelid = '" + t + "'::regclass")
                                   : admin.scalar("SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = "
                                                  "DATABASE() AND TABLE_NAME = '" + t + "' AND CONSTRAINT_NAME = 'PRIMARY'");
        CHECK(pk == "segment");
        admin.exec("DROP TABLE " + t);
    }
}

TEST_CASE("auto.create infers the types; auto.evolve adds columns; without them the table and column are named") {
    for (Db db : servers()) {
        const std::string server = db_name(db);
        CAPTURE(server);
        const ServerInfo s = ServerInfo::fixture(db);
        SqlClient admin(s, false);  // the sluice user: owner of what it creates
        const std::string t = unique_name("auto");
        auto types = [&] {
            std::string out;
            const std::string sql = db == Db::postgres
                                        ? "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '" + t +
                                              "' ORDER BY ordinal_position"
                                        : "SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
                                          "DATABASE() AND TABLE_NAME = '" + t + "' ORDER BY ORDINAL_POSITION";
            for (const auto& row : admin.rows(sql)) out += *row[0] + " " + *row[1] + ", ";
            return out;
        };
        {
            SinkDriver sink(db, config(s, {{"table.name.format", t}, {"auto.create", "true"}, {"auto.evolve", "true"},
                                           {"pk.mode", "record_value"}, {"pk.fields", "id"}}));
            REQUIRE(sink.put({record("a", 0, 0, R"({"id":1,"n":2,"x":1.5,"b":true,"s":"t","ts":"2024-05-01T10:00:00Z",)"
                                                R"("d":"2024-05-01","o":{"k":1},"nul":null})"),
                              record("a", 0, 1, R"({"id":2,"n":3,"x":2})")})
                      .status == SLUICE_OK);
            CallResult r = sink.flush();
            REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
            if (db == Db::postgres)
                CHECK(types() == "id bigint, n bigint, x double precision, b boolean, s text, ts timestamp with time zone, "
                                 "d date, o jsonb, nul text, ");
            else
                CHECK(types() == "id bigint(20), n bigint(20), x double, b tinyint(1), s mediumtext, ts datetime(6), d date, "
                                 "o longtext, nul mediumtext, ");
            CHECK(sink.logged("created table " + t));
            REQUIRE(sink.put({record("a", 0, 2, R"({"id":3,"extra":"new","more":7})")}).status == SLUICE_OK);
            REQUIRE(sink.flush().status == SLUICE_OK);
            CHECK(types().find("extra") != std::string::npos);
            CHECK(admin.scalar("SELECT more FROM " + t + " WHERE id = 3") == "7");
        }
        FakeHost host("test.sink");
        host.enable_errant(SLUICE_OK);
        {
            SinkDriver sink(db, config(s, {{"table.name.format", t}}), host);
            REQUIRE(sink.put({record("a", 0, 3, R"({"id":4,"unknown":1})"), record("a", 0, 4, R"({"id":5,"n":1,"gone":null})")})
                      .status == SLUICE_OK);
            REQUIRE(sink.flush().status == SLUICE_OK);
        }
        REQUIRE(host.errants.size() == 1);
        CHECK(host.errants[0].message.find("field 'unknown' has no column in table " + t +
                                           " (add the column, or set auto.evolve: true)") != std::string::npos);
        CHECK(admin.number("SELECT count(*) FROM " + t + " WHERE id = 5") == 1);  // a null field needs no column
        admin.exec("DROP TABLE " + t);
        // No table, no auto.create: the task stops naming the table.
        SinkDriver missing(db, config(s, {{"table.name.format", t}}));
        REQUIRE(missing.put({record("a", 0, 0, R"({"id":1})")}).status == SLUICE_OK);
        CallResult r = missing.flush();
        CHECK(r.status == SLUICE_FATAL);
        CHECK_MESSAGE(r.message.find("table " + t + " does not exist") != std::string::npos, r.message);
        CHECK(r.message.find("auto.create") != std::string::npos);
    }
}

TEST_CASE("pre-flight: credentials, the table, its key, the privileges, each refusal saying what to fix") {
    for (Db db : servers()) {
        const std::string server = db_name(db);
        CAPTURE(server);
        const ServerInfo s = ServerInfo::fixture(db);
        SqlClient admin(s, false);  // the sluice user: owner of what it creates
        const std::string t = unique_name("check");
        admin.exec(db == Db::postgres ? "CREATE TABLE " + t + " (id bigint, v text)" : "CREATE TABLE " + t + " (id BIGINT, v TEXT)");
        auto refusal = [&](std::map<std::string, std::string> extra) {
            CallResult r = SinkDriver::test(db, config(s, std::move(extra)));
            return r.status == SLUICE_OK ? std::string("OK") : r.message;
        };
        CHECK(refusal({{"table.name.format", t}}) == "OK");
        const std::string bad_password = refusal({{"table.name.format", t}, {"connection.password", "wrong"}});
        CHECK(bad_password.find("cannot connect as 'sluice'") != std::string::npos);
        CHECK(bad_password.find(db == Db::postgres ? "password authentication failed" : "Access denied") != std::string::npos);
        CHECK(bad_password.find("wrong") == std::string::npos);  // never the password
        CHECK(refusal({{"table.name.format", t + "_nope"}}).find("table " + t + "_nope does not exist (create it, or set "
                                                                 "auto.create: true)") != std::string::npos);
        CHECK(refusal({{"table.name.format", t + "_nope"}, {"auto.create", "true"}}) == "OK");
        CHECK(refusal({{"table.name.format", t}, {"insert.mode", "upsert"}, {"pk.mode", "record_value"}, {"pk.fields", "id"}})
                  .find("has no primary key or unique index on (id)") != std::string::npos);
        CHECK(refusal({{"table.name.format", t}, {"pk.mode", "record_value"}, {"pk.fields", "nope"}})
                  .find("has no column nope") != std::string::npos);
        CHECK(refusal({{"table.name.format", t}, {"fields.whitelist", "v,w"}}).find("has no column w") != std::string::npos);
        CHECK(refusal({{"connection.url", s.url + "_nodb"}}).find("cannot connect") != std::string::npos);
        // A user that may only read the table.
        const std::string reader = unique_name("reader");
        SqlClient root(s);
        if (db == Db::postgres) {
            root.exec("CREATE ROLE " + reader + " LOGIN PASSWORD 'pw'");
            admin.exec("GRANT SELECT ON " + t + " TO " + reader);
        } else {
            root.exec("CREATE USER '" + reader + "'@'%' IDENTIFIED BY 'pw'");
            root.exec("GRANT SELECT ON " + s.database + "." + t + " TO '" + reader + "'@'%'");
        }
        const std::string lacks = refusal({{"table.name.format", t}, {"connection.user", reader}, {"connection.password", "pw"},
                                           {"exactly.once", "false"}});
        CHECK_MESSAGE(lacks.find("user '" + reader + "' lacks INSERT on table " + t) != std::string::npos, lacks);
        const std::string no_offsets = refusal({{"table.name.format", t}, {"connection.user", reader}, {"connection.password", "pw"},
                                                {"offsets.table.name", unique_name("offsets")}});
        CHECK_MESSAGE(no_offsets.find("may not create it") != std::string::npos, no_offsets);
        // At run time, the database's own refusal stops the task with its message.
        SinkDriver sink(db, config(s, {{"table.name.format", t}, {"connection.user", reader}, {"connection.password", "pw"},
                                       {"exactly.once", "false"}}));
        REQUIRE(sink.put({record("c", 0, 0, R"({"id":1})")}).status == SLUICE_OK);
        CallResult r = sink.flush();
        CHECK(r.status == SLUICE_FATAL);
        CHECK_MESSAGE(r.message.find(db == Db::postgres ? "permission denied" : "command denied") != std::string::npos, r.message);
        admin.exec("DROP TABLE " + t);
        root.exec(db == Db::postgres ? "DROP ROLE " + reader : "DROP USER '" + reader + "'@'%'");
    }
}

}  // TEST_SUITE
