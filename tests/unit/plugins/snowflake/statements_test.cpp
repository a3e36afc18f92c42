// The SQL API v2 wire format (request bodies, responses, errors) and the statements the
// sink builds.
#include "sql_api.hpp"
#include "table_statements.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <set>

using namespace sluice::snowflake;
using nlohmann::json;

TEST_CASE("request body: statement, session fields, bindings numbered from 1, NULL as null") {
    StatementRequest r;
    r.statement = "SELECT ?, ?";
    r.bindings = {{"TEXT", "a\"b"}, {"FIXED", std::nullopt}};
    r.timeout_s = 300;
    r.database = "DB";
    r.schema = "PUBLIC";
    r.warehouse = "WH";
    json body = json::parse(request_body(r));
    CHECK(body == json{{"statement", "SELECT ?, ?"},
                       {"timeout", 300},
                       {"database", "DB"},
                       {"schema", "PUBLIC"},
                       {"warehouse", "WH"},
                       {"bindings", {{"1", {{"type", "TEXT"}, {"value", "a\"b"}}}, {"2", {{"type", "FIXED"}, {"value", nullptr}}}}}});

    StatementRequest bare;
    bare.statement = "SELECT 1";
    CHECK(json::parse(request_body(bare)) == json{{"statement", "SELECT 1"}});  // no empty fields
}

TEST_CASE("request ids are distinct version 4 UUIDs") {
    std::set<std::string> seen;
    const std::regex v4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    for (int i = 0; i < 200; ++i) {
        std::string id = new_request_id();
        CHECK(std::regex_match(id, v4));
        seen.insert(id);
    }
    CHECK(seen.size() == 200);
}

TEST_CASE("responses: ResultSet, QueryStatus, QueryFailureStatus, and bodies that are not JSON") {
    auto result = parse_response(R"js({"resultSetMetaData":{"numRows":2,"rowType":[{"name":"_PARTITION"},{"name":"MAX(_OFFSET)"}]},
        "data":[["0","41"],["3",null]],"code":"090001","sqlState":"00000","message":"Statement executed successfully.",
        "statementHandle":"01b2-x","statementStatusUrl":"/api/v2/statements/01b2-x"})js");
    REQUIRE(result);
    CHECK(result->total_rows == 2);
    CHECK(result->columns == std::vector<std::string>{"_PARTITION", "MAX(_OFFSET)"});
    REQUIRE(result->rows.size() == 2);
    CHECK(result->rows[0][1] == "41");
    CHECK_FALSE(result->rows[1][1].has_value());

    auto running = parse_response(R"({"code":"333334","message":"Asynchronous execution in progress.",
        "statementHandle":"h1","statementStatusUrl":"/api/v2/statements/h1"})");
    REQUIRE(running);
    CHECK(running->status_url == "/api/v2/statements/h1");
    CHECK(running->rows.empty());

    auto failed = parse_response(R"({"code":"002003","sqlState":"42S02","message":"SQL compilation error:\nObject 'DB.S.T' does not exist or not authorized.","statementHandle":"h2"})");
    REQUIRE(failed);
    CHECK(describe(*failed) ==
          "SQL compilation error:\nObject 'DB.S.T' does not exist or not authorized. (SQLSTATE 42S02, code 002003, statement handle h2)");
    SqlError compile(*failed, "x");
    CHECK_FALSE(compile.is_data_error());
    ApiResponse data_problem;
    data_problem.sql_state = "22001";
    CHECK(SqlError(data_problem, "x").is_data_error());

    CHECK_FALSE(parse_response("<html>502 Bad Gateway</html>"));
    CHECK_FALSE(parse_response("[1,2]"));
}

TEST_CASE("identifiers: unquoted only, resolved upper-case") {
    CHECK(checked_identifier("kafka_raw", "table") == "KAFKA_RAW");
    CHECK(checked_identifier("_x$1", "schema") == "_X$1");
    CHECK_THROWS_WITH(checked_identifier("1abc", "table"),
                      "table '1abc' is not an unquoted Snowflake identifier (letters, digits, _ and $, starting with a "
                      "letter or _)");
    CHECK_THROWS(checked_identifier("a.b", "table"));
    CHECK_THROWS(checked_identifier("x; DROP TABLE y", "table"));
    CHECK_THROWS(checked_identifier("", "database"));
}

TEST_CASE("the MERGE: one tuple of six placeholders per row, keyed on topic, partition, offset") {
    TableName t{"DB", "RAW", "EVENTS"};
    const std::string s = merge_statement(t, 3);
    CHECK(s.rfind("MERGE INTO DB.RAW.EVENTS AS t USING (SELECT column1 AS _TOPIC", 0) == 0);
    CHECK(std::count(s.begin(), s.end(), '?') == 18);
    CHECK(s.find("FROM VALUES (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?)) AS s") != std::string::npos);
    CHECK(s.find("ON t._TOPIC = s._TOPIC AND t._PARTITION = s._PARTITION AND t._OFFSET = s._OFFSET WHEN NOT MATCHED "
                 "THEN INSERT") != std::string::npos);
    CHECK(s.find("WHEN MATCHED") == std::string::npos);  // rows already there stay as they are
}

TEST_CASE("MERGE bindings: types, NULLs, JSON values as is, text values as JSON strings") {
    std::vector<Row> rows(2);
    rows[0] = {"traffic", 3, 17, 1700000000123, std::string("S0001"), std::string(R"({"speed":52.5})")};
    rows[1] = {"traffic", 3, 18, -1, std::nullopt, std::nullopt};
    auto b = merge_bindings(rows, ContentFormat::json);
    REQUIRE(b.size() == 12);
    CHECK(b[0].type == "TEXT");
    CHECK(b[0].value == "traffic");
    CHECK(b[1].type == "FIXED");
    CHECK(b[1].value == "3");
    CHECK(b[2].value == "17");
    CHECK(b[3].value == "1700000000123");
    CHECK(b[4].value == "S0001");
    CHECK(b[5].value == R"({"speed":52.5})");
    CHECK_FALSE(b[9].value.has_value());   // no timestamp
    CHECK_FALSE(b[10].value.has_value());  // no key
    CHECK_FALSE(b[11].value.has_value());  // tombstone

    std::vector<Row> text(1);
    text[0] = {"t", 0, 0, -1, std::nullopt, std::string("plain \"quoted\" line")};
    CHECK(merge_bindings(text, ContentFormat::text)[5].value == R"("plain \"quoted\" line")");
}

TEST_CASE("records that can never be stored are named with the reason") {
    Row r{"t", 0, 5, -1, std::nullopt, std::string("{not json")};
    CHECK(row_problem(r, ContentFormat::json) ==
          "value is not valid JSON (content.format json); use content.format: text to store it as a string");
    CHECK_FALSE(row_problem(r, ContentFormat::text));
    r.value = std::string(kMaxVariantBytes + 1, 'x');
    CHECK(row_problem(r, ContentFormat::text)->find("larger than Snowflake's VARIANT limit") != std::string::npos);
    r.value.reset();
    CHECK_FALSE(row_problem(r, ContentFormat::json));  // tombstone: NULL content
}

TEST_CASE("resume, probe and create statements") {
    TableName t{"DB", "RAW", "EVENTS"};
    CHECK(resume_statement(t) == "SELECT _PARTITION, MAX(_OFFSET) FROM DB.RAW.EVENTS WHERE _TOPIC = ? GROUP BY _PARTITION");
    CHECK(resume_bindings("traffic").size() == 1);
    CHECK(probe_statement(t) ==
          "SELECT _TOPIC, _PARTITION, _OFFSET, _TIMESTAMP, RECORD_KEY, RECORD_CONTENT FROM DB.RAW.EVENTS LIMIT 0");
    CHECK(create_statement(t).rfind("CREATE TABLE IF NOT EXISTS DB.RAW.EVENTS (", 0) == 0);
}
