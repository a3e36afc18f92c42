// Configuration of the SQL plugins through the ABI (declared keys, defaults), the rules
// between keys, the connection URL, and the record mapping the sink's keys describe.
#include "sdk_harness.hpp"

#include <sluice/sql/connection_settings.hpp>
#include <sluice/sql/record_mapper.hpp>
#include <sluice/sql/sink_settings.hpp>
#include <sluice/sql/source_settings.hpp>

#include <doctest/doctest.h>

using namespace sluice::sql;
using sluice::testing::ConfigFixture;
using sluice::testing::descriptor;

namespace {

// The sink settings of `plugin` from text values (defaults applied), or the error.
std::string sink_error(const std::string& plugin, std::map<std::string, std::string> values) {
    ConfigFixture c(descriptor(SLUICE_KIND_SINK, plugin), std::move(values));
    try {
        SinkSettings::from(sluice::Config(c.get()), plugin == "postgres" ? Dialect::postgres : Dialect::mysql);
        return "";
    } catch (const sluice::FatalError& e) {
        return e.what();
    }
}

std::string source_error(std::map<std::string, std::string> values) {
    ConfigFixture c(descriptor(SLUICE_KIND_SOURCE, "postgres"), std::move(values));
    try {
        SourceSettings::from(sluice::Config(c.get()), Dialect::postgres);
        return "";
    } catch (const sluice::FatalError& e) {
        return e.what();
    }
}

const std::string kPg = "postgresql://127.0.0.1:5432/db";

}  // namespace

TEST_CASE("connection.url: PostgreSQL and MariaDB forms, JDBC prefixes, no credentials in it") {
    auto pg = ConnectionSettings::parse_url("jdbc:postgresql://db.example:6543/warehouse?sslmode=require", Dialect::postgres);
    CHECK(pg.host == "db.example");
    CHECK(pg.port == 6543);
    CHECK(pg.database == "warehouse");
    REQUIRE(pg.params.size() == 1);
    CHECK(pg.params[0].first == "sslmode");
    CHECK(pg.where() == "postgresql://db.example:6543/warehouse");
    auto v6 = ConnectionSettings::parse_url("postgres://[::1]/x", Dialect::postgres);
    CHECK(v6.host == "::1");
    CHECK(v6.port == 5432);
    auto my = ConnectionSettings::parse_url("mariadb://127.0.0.1/traffic", Dialect::mysql);
    CHECK(my.port == 3306);
    CHECK(my.where() == "mysql://127.0.0.1:3306/traffic");
    auto refused = [](std::string_view url, Dialect d) {
        try {
            ConnectionSettings::parse_url(url, d);
            return std::string();
        } catch (const sluice::FatalError& e) {
            return std::string(e.what());
        }
    };
    CHECK(refused("mysql://127.0.0.1/x", Dialect::postgres).starts_with("connection.url: expected postgresql://"));
    CHECK(refused("postgresql://u:secret@h/db", Dialect::postgres).find("secret") == std::string::npos);
    CHECK(refused("postgresql://u:secret@h/db", Dialect::postgres).find("connection.password") != std::string::npos);
    CHECK(refused("postgresql://h/db?password=secret", Dialect::postgres).find("connection.password") != std::string::npos);
    CHECK(refused("postgresql://h:99999/db", Dialect::postgres).find("between 1 and 65535") != std::string::npos);
    CHECK(refused("postgresql://h", Dialect::postgres).find("name the database") != std::string::npos);
    CHECK(refused("mysql://h/db?useSSL=false", Dialect::mysql).find("unknown parameter 'useSSL'") != std::string::npos);
}

TEST_CASE("sink keys: the rules between them, each refusal naming the keys") {
    CHECK(sink_error("postgres", {{"connection.url", kPg}}) == "");
    CHECK(sink_error("postgres", {{"connection.url", kPg}, {"insert.mode", "upsert"}}).starts_with("insert.mode upsert needs a key"));
    CHECK(sink_error("postgres", {{"connection.url", kPg}, {"pk.mode", "record_value"}}).starts_with("pk.mode record_value needs pk.fields"));
    CHECK(sink_error("mysql", {{"connection.url", "mysql://h/db"}, {"delete.enabled", "true"}, {"pk.mode", "record_value"},
                               {"pk.fields", "id"}})
              .starts_with("delete.enabled needs pk.mode record_key"));
    CHECK(sink_error("postgres", {{"connection.url", kPg}, {"pk.fields", "id"}}).starts_with("pk.fields is set but pk.mode is none"));
    CHECK(sink_error("postgres", {{"connection.url", kPg}, {"fields.rename", "a=x,b=x"}})
              .starts_with("fields.rename: two fields renamed to the same column 'x'"));
}

TEST_CASE("sink batches: 50 000 rows or 16 MiB by default, either bound by its own key") {
    auto settings = [](std::map<std::string, std::string> values) {
        values["connection.url"] = kPg;
        ConfigFixture c(descriptor(SLUICE_KIND_SINK, "postgres"), std::move(values));
        return SinkSettings::from(sluice::Config(c.get()), Dialect::postgres);
    };
    const SinkSettings d = settings({});
    CHECK(d.batch_max_rows == 50000);
    CHECK(d.batch_max_bytes == 16u * 1024 * 1024);
    CHECK(settings({{"batch.max.bytes", "65536"}}).batch_max_bytes == 65536);
    CHECK(sink_error("postgres", {{"connection.url", kPg}, {"batch.max.bytes", "10"}}).find("batch.max.bytes") != std::string::npos);
}

TEST_CASE("validate (ABI 1.2): every broken rule reported at its key, the connection URL's too, none for a good config") {
    using sluice::testing::validate_config;
    using Found = std::vector<std::pair<std::string, std::string>>;
    CHECK(validate_config("postgres", {{"connection.url", kPg}}, SLUICE_KIND_SINK).empty());
    CHECK(validate_config("mysql", {{"connection.url", "mysql://h/db"}, {"insert.mode", "upsert"}, {"pk.mode", "record_key"}},
                          SLUICE_KIND_SINK)
              .empty());
    const Found sink = validate_config("postgres",
                                       {{"connection.url", "mysql://h/db"}, {"insert.mode", "upsert"}, {"delete.enabled", "true"},
                                        {"fields.rename", "a=x,b=x"}},
                                       SLUICE_KIND_SINK);
    REQUIRE(sink.size() == 4);
    CHECK(sink[0].first == "connection.url");
    CHECK(sink[0].second.starts_with("expected postgresql://host[:port]/database"));  // the key is not repeated
    CHECK(sink[1] == Found::value_type{"insert.mode", "insert.mode upsert needs a key: set pk.mode to record_key or "
                                                      "record_value (and pk.fields)"});
    CHECK(sink[2].first == "delete.enabled");
    CHECK(sink[3] == Found::value_type{"fields.rename", "two fields renamed to the same column 'x'"});
    // The password never shows, even from a URL that carries one.
    const Found secret = validate_config("mysql", {{"connection.url", "mysql://u:hunter2@h/db"}}, SLUICE_KIND_SINK);
    REQUIRE(secret.size() == 1);
    CHECK(secret[0].second.find("hunter2") == std::string::npos);

    CHECK(validate_config("postgres", {{"connection.url", kPg}, {"mode", "bulk"}, {"table.whitelist", "t"}}).empty());
    const Found source = validate_config("mysql", {{"connection.url", "mysql://h/db"}, {"mode", "timestamp+incrementing"},
                                                   {"query", "UPDATE t SET x = 1"}, {"timestamp.column.name", "ts"}});
    REQUIRE(source.size() == 2);
    CHECK(source[0] == Found::value_type{"mode", "mode timestamp+incrementing needs incrementing.column.name (e.g. id)"});
    CHECK(source[1] == Found::value_type{"query", "expected a SELECT statement"});
    const Found neither = validate_config("postgres", {{"connection.url", kPg}, {"mode", "bulk"}});
    REQUIRE(neither.size() == 1);
    CHECK(neither[0].first == "");
}

TEST_CASE("table.name.format: ${topic} made a safe identifier, schema allowed") {
    ConfigFixture c(descriptor(SLUICE_KIND_SINK, "postgres"), {{"connection.url", kPg}, {"table.name.format", "raw.${topic}_v1"}});
    const SinkSettings s = SinkSettings::from(sluice::Config(c.get()), Dialect::postgres);
    const TableName t = s.table_for("traffic.readings-2");
    CHECK(t.schema == "raw");
    CHECK(t.name == "traffic_readings_2_v1");
    CHECK(s.table_depends_on_topic());
    CHECK(TableName::parse("\"my.schema\".\"t\"").schema == "my.schema");
}

TEST_CASE("source keys: modes need their columns, one of table.whitelist and query") {
    CHECK(source_error({{"connection.url", kPg}, {"mode", "bulk"}, {"table.whitelist", "t"}}) == "");
    CHECK(source_error({{"connection.url", kPg}, {"mode", "bulk"}}) == "give the tables to read (table.whitelist) or one query");
    CHECK(source_error({{"connection.url", kPg}, {"mode", "bulk"}, {"table.whitelist", "t"}, {"query", "SELECT 1"}})
              .starts_with("table.whitelist and query exclude each other"));
    CHECK(source_error({{"connection.url", kPg}, {"mode", "incrementing"}, {"table.whitelist", "t"}}) ==
          "mode incrementing needs incrementing.column.name (e.g. id)");
    CHECK(source_error({{"connection.url", kPg}, {"mode", "timestamp+incrementing"}, {"table.whitelist", "t"},
                        {"incrementing.column.name", "id"}}) ==
          "mode timestamp+incrementing needs timestamp.column.name (e.g. updated_at)");
    CHECK(source_error({{"connection.url", kPg}, {"mode", "timestamp"}, {"query", "SELECT * FROM t"},
                        {"timestamp.column.name", "ts"}})
              .starts_with("mode timestamp over a query needs key.fields"));
    CHECK(source_error({{"connection.url", kPg}, {"mode", "bulk"}, {"query", "DELETE FROM t"}}) == "query: expected a SELECT statement");
    CHECK(source_error({{"connection.url", kPg}, {"mode", "bulk"}, {"table.whitelist", "t"}, {"timestamp.delay.interval.ms", "5"}})
              .starts_with("timestamp.delay.interval.ms applies to the timestamp modes"));
}

TEST_CASE("record mapping: pk from the key or the value, whitelist, renames, tombstones") {
    auto settings = [](std::map<std::string, std::string> values) {
        values.emplace("connection.url", kPg);
        ConfigFixture c(descriptor(SLUICE_KIND_SINK, "postgres"), std::move(values));
        return SinkSettings::from(sluice::Config(c.get()), Dialect::postgres);
    };
    auto mapped = [](RecordMapper& m, std::optional<std::string> key, std::optional<std::string> value) {
        try {
            const MappedRecord r = m.map(key, value);
            std::string out = r.op == Operation::remove ? "delete " : "";
            for (const auto& v : m.values(r))
                out += std::string(v.column) + (v.key ? "*" : "") + "=" + std::string(v.value.text) + ";";
            return out;
        } catch (const MappingError& e) {
            return std::string("error: ") + e.what();
        }
    };
    {
        const SinkSettings s = settings({{"pk.mode", "record_value"}, {"pk.fields", "id"}, {"fields.whitelist", "speed"},
                                         {"fields.rename", "speed=speed_kmh"}});
        RecordMapper m(s);
        CHECK(mapped(m, std::nullopt, R"({"id":7,"speed":50,"other":1})") == "id*=7;speed_kmh=50;");
        CHECK(mapped(m, std::nullopt, R"({"speed":50})") == "error: its value has no primary key field 'id' (pk.fields)");
        CHECK(mapped(m, std::nullopt, R"({"id":null})") == "error: its primary key field 'id' is null");
        CHECK(mapped(m, std::nullopt, "[1]").starts_with("error: its value is not a JSON object"));
        CHECK(mapped(m, std::nullopt, std::nullopt) == "error: its value is null (a tombstone) and delete.enabled is false");
    }
    {
        const SinkSettings s = settings({{"pk.mode", "record_key"}, {"pk.fields", "segment"}, {"delete.enabled", "true"},
                                         {"insert.mode", "upsert"}});
        RecordMapper m(s);
        CHECK(mapped(m, std::string("S12"), R"({"segment":"ignored","v":1})") == "segment*=S12;v=1;");
        CHECK(mapped(m, std::string(R"({"segment":"S3","x":1})"), R"({"v":2})") == "segment*=S3;v=2;");
        CHECK(mapped(m, std::string("S12"), std::nullopt) == "delete segment*=S12;");
        CHECK(mapped(m, std::nullopt, R"({"v":1})") == "error: it has no key, and pk.mode is record_key");
        CHECK(mapped(m, std::string(R"({"other":1})"), "{}") == "error: its key has no field 'segment' (pk.fields)");
    }
    {
        const SinkSettings s = settings({{"pk.mode", "record_key"}});
        RecordMapper m(s);
        CHECK(mapped(m, std::string(R"({"a":1,"b":"x"})"), R"({"c":2})") == "a*=1;b*=x;c=2;");
        CHECK(mapped(m, std::string("plain"), "{}").starts_with("error: its key is a plain value, not a JSON object"));
    }
}
