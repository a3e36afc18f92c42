#include "errors.hpp"

#include <doctest/doctest.h>

using namespace sluice::clickhouse;

// Bodies as ClickHouse 18.16 (Debian bookworm) sends them, and as 23.x does.
static const char* kOldParse =
    "Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected \" before: bad\"}\\n: "
    "(while read the value of key v): (at row 2)\n, e.what() = DB::Exception\n";
static const char* kOldUnknownTable =
    "Code: 60, e.displayText() = DB::Exception: Table default.nosuch doesn't exist., e.what() = DB::Exception\n";
static const char* kNewUnknownTable =
    "Code: 60. DB::Exception: Table default.nosuch does not exist. (UNKNOWN_TABLE) (version 23.8.2.7 (official build))\n";

TEST_CASE("the error code comes from the header when present, else from the body") {
    CHECK(error_code(std::nullopt, kOldParse) == 27);
    CHECK(error_code(std::nullopt, kNewUnknownTable) == 60);
    CHECK(error_code(std::string("241"), "Code: 60. whatever") == 241);
    CHECK(error_code(std::string("garbage"), kOldUnknownTable) == 60);
    CHECK(error_code(std::nullopt, "<html>Bad Gateway</html>") == -1);
    CHECK(error_code(std::nullopt, "") == -1);
    CHECK(error_code(std::nullopt, "Code: x") == -1);
}

TEST_CASE("the error text drops the code prefix, the exception class and the e.what() tail") {
    CHECK(error_text(kOldUnknownTable) == "Table default.nosuch doesn't exist.");
    CHECK(error_text(kNewUnknownTable) ==
          "Table default.nosuch does not exist. (UNKNOWN_TABLE) (version 23.8.2.7 (official build))");
    CHECK(error_text(kOldParse) ==
          "Cannot parse input: expected \" before: bad\"}\\n: (while read the value of key v): (at row 2)");
    CHECK(error_text("  plain text\nsecond line ") == "plain text second line");
    CHECK(error_text(std::string(5000, 'x')).size() == 1003);
}

TEST_CASE("codes: server trouble is retriable, refused data is the rows' fault, the rest is fatal") {
    for (int code : {159, 202, 209, 210, 241, 242, 252, 319, 425, 999}) CHECK(classify_code(code) == Failure::retriable);
    for (int code : {6, 16, 26, 27, 33, 38, 41, 49, 53, 72, 117, 349}) CHECK(classify_code(code) == Failure::record);
    for (int code : {60, 81, 192, 193, 194, 516, 497, 164, 115, 62, 46, 0, 12345}) CHECK(classify_code(code) == Failure::fatal);
}

TEST_CASE("responses: the ClickHouse code wins over the HTTP status") {
    ServerFailure table = classify_response(404, std::nullopt, kOldUnknownTable);
    CHECK(table.kind() == Failure::fatal);
    CHECK(table.code() == 60);
    CHECK(std::string(table.what()) == "ClickHouse error 60 (HTTP 404): Table default.nosuch doesn't exist.");

    ServerFailure parse = classify_response(500, std::nullopt, kOldParse);
    CHECK(parse.kind() == Failure::record);  // a 500 that is the data's fault
    CHECK(parse.code() == 27);

    ServerFailure parts = classify_response(500, std::string("252"), "Code: 252. DB::Exception: Too many parts (300).");
    CHECK(parts.kind() == Failure::retriable);

    ServerFailure auth = classify_response(401, std::nullopt, "Code: 193, e.displayText() = DB::Exception: Wrong password for user default, e.what() = DB::Exception");
    CHECK(auth.kind() == Failure::fatal);
    CHECK(std::string(auth.what()).find("Wrong password for user default") != std::string::npos);
}

TEST_CASE("responses without a ClickHouse code are judged by their status") {
    CHECK(classify_response(502, std::nullopt, "<html>Bad Gateway</html>").kind() == Failure::retriable);
    CHECK(classify_response(503, std::nullopt, "").kind() == Failure::retriable);
    CHECK(classify_response(429, std::nullopt, "slow down").kind() == Failure::retriable);
    CHECK(classify_response(408, std::nullopt, "").kind() == Failure::retriable);
    ServerFailure forbidden = classify_response(403, std::nullopt, "nope");
    CHECK(forbidden.kind() == Failure::fatal);
    CHECK(std::string(forbidden.what()) == "HTTP 403: nope (check user and password)");
    CHECK(std::string(classify_response(404, std::nullopt, "").what()) == "HTTP 404 (is url ClickHouse's HTTP interface?)");
    CHECK(classify_response(400, std::nullopt, "bad").kind() == Failure::fatal);
}

TEST_CASE("the failing row number is read from parse errors") {
    CHECK(failed_row(kOldParse) == 2u);
    CHECK(failed_row("Cannot parse datetime: (while read the value of key ts): (at row 17)") == 17u);
    CHECK(!failed_row("Table default.x doesn't exist."));
    CHECK(!failed_row("(at row 0)"));
    CHECK(!failed_row("(at row x)"));
}
