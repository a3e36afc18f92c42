// What a ClickHouse answer means for the sink: retry later, blame the rows, or stop.
//
// ClickHouse reports a failed query with an HTTP status (500 for most exceptions, 404 for
// unknown tables, 401 for authentication) and a text body starting with its error code:
// "Code: 60, e.displayText() = DB::Exception: ..." (18.x) or "Code: 60. DB::Exception:
// ... (UNKNOWN_TABLE) (version 23.x)" (newer servers, which also send the code in the
// X-ClickHouse-Exception-Code header). The code decides, not the status.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sluice::clickhouse {

enum class Failure {
    retriable,  // the server or the network is in trouble: the same insert may succeed later
    record,     // the data of this insert was refused: some row in it is bad
    fatal,      // configuration, authentication, schema: no retry or split can help
};

const char* failure_name(Failure f);

// A failed request, classified. what() is the message for logs and task status:
// "ClickHouse error 60 (HTTP 404): Table default.x doesn't exist." (no credentials).
class ServerFailure : public std::runtime_error {
public:
    ServerFailure(Failure kind, int code, const std::string& message)
        : std::runtime_error(message), kind_(kind), code_(code) {}
    Failure kind() const noexcept { return kind_; }
    int code() const noexcept { return code_; }  // -1: no ClickHouse error code

private:
    Failure kind_;
    int code_;
};

// The error code: the X-ClickHouse-Exception-Code header when present, otherwise the
// "Code: N" the body starts with; -1 when neither is there.
int error_code(const std::optional<std::string>& code_header, std::string_view body);

// The server's explanation without the code prefix, exception class and stack noise, on
// one line, at most ~1000 characters.
std::string error_text(std::string_view body);

// How a ClickHouse error code is handled. Codes not listed are fatal: a failure we do not
// understand must not send rows to a dead-letter topic or be retried forever.
Failure classify_code(int code);

// Classifies an HTTP answer that is not 200 into a ServerFailure.
ServerFailure classify_response(long status, const std::optional<std::string>& code_header, std::string_view body);

// The 1-based row number ClickHouse names in a parse error ("(at row 17)"), if any: a hint
// for isolating the bad row of a refused insert.
std::optional<std::size_t> failed_row(std::string_view message);

}  // namespace sluice::clickhouse
