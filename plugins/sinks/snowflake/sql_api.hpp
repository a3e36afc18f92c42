// The Snowflake SQL API v2 wire format: the body of POST /api/v2/statements and what comes
// back (ResultSet on 200, QueryStatus on 202/408, QueryFailureStatus on 422).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::snowflake {

// One positional bind variable ("?"): a Snowflake type name (TEXT, FIXED, ...) and the
// value as text; nullopt binds SQL NULL.
struct Binding {
    std::string type;
    std::optional<std::string> value;
};

struct StatementRequest {
    std::string statement;
    std::vector<Binding> bindings;  // bound as "1", "2", ... in order
    int timeout_s = 0;              // 0: the account's STATEMENT_TIMEOUT_IN_SECONDS
    std::string database, schema, warehouse, role;  // empty: the user's defaults
};

// The JSON body for POST /api/v2/statements.
std::string request_body(const StatementRequest& request);
// A random RFC 4122 version 4 UUID (requestId).
std::string new_request_id();

// What a response body says. Missing fields stay empty.
struct ApiResponse {
    std::string code;        // Snowflake's status/error code, e.g. "090001", "002003"
    std::string sql_state;   // e.g. "00000", "42S02"
    std::string message;
    std::string statement_handle;
    std::string status_url;  // statementStatusUrl (202)
    std::vector<std::string> columns;                          // resultSetMetaData.rowType[].name
    std::vector<std::vector<std::optional<std::string>>> rows;  // data, cells as text
    std::int64_t total_rows = -1;                               // resultSetMetaData.numRows
};

// nullopt when the body is not a JSON object (an HTML error page from a proxy, say).
std::optional<ApiResponse> parse_response(std::string_view body);

// A statement Snowflake ran and refused (422): its message, SQLSTATE and error code.
class SqlError : public std::runtime_error {
public:
    SqlError(const ApiResponse& response, const std::string& what);
    const std::string& code() const { return code_; }
    const std::string& sql_state() const { return sql_state_; }
    const std::string& snowflake_message() const { return message_; }
    // SQLSTATE class 22 (data exception: bad JSON, value too long, numeric overflow): a
    // problem of the rows bound, not of the statement; other rows may go in without them.
    bool is_data_error() const { return sql_state_.rfind("22", 0) == 0; }

private:
    std::string code_, sql_state_, message_;
};

// "message (SQLSTATE 42S02, code 002003, statement handle ...)" for logs and errors.
std::string describe(const ApiResponse& response);

}  // namespace sluice::snowflake
