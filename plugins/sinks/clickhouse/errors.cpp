#include "errors.hpp"
#include <sluice/sdk/text.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sluice::clickhouse {

using text::trim;

const char* failure_name(Failure f) {
    switch (f) {
    case Failure::retriable: return "retriable";
    case Failure::record: return "bad data";
    case Failure::fatal: return "fatal";
    }
    return "?";
}

namespace {

std::optional<int> parse_int(std::string_view text) {
    int value = 0;
    auto res = std::from_chars(text.data(), text.data() + text.size(), value);
    if (res.ec != std::errc() || res.ptr == text.data()) return std::nullopt;
    return value;
}


}  // namespace

int error_code(const std::optional<std::string>& code_header, std::string_view body) {
    if (code_header)
        if (auto code = parse_int(trim(*code_header))) return *code;
    body = trim(body);
    constexpr std::string_view prefix = "Code: ";
    if (body.substr(0, prefix.size()) != prefix) return -1;
    return parse_int(body.substr(prefix.size())).value_or(-1);
}

std::string error_text(std::string_view body) {
    std::string_view text = trim(body);
    // "Code: N, e.displayText() = " (18.x) or "Code: N. " (newer) before the explanation.
    if (text.substr(0, 6) == "Code: ") {
        std::size_t i = 6;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
        if (i < text.size() && (text[i] == ',' || text[i] == '.')) ++i;
        text.remove_prefix(i);
        constexpr std::string_view display = " e.displayText() = ";
        if (text.substr(0, display.size()) == display) text.remove_prefix(display.size());
        text = trim(text);
    }
    // 18.x appends ", e.what() = DB::Exception" (on its own line after a parse error).
    if (auto what = text.rfind(", e.what() = "); what != std::string_view::npos) text = trim(text.substr(0, what));
    constexpr std::string_view exception = "DB::Exception: ";
    if (text.substr(0, exception.size()) == exception) text.remove_prefix(exception.size());
    std::string out;
    out.reserve(std::min<std::size_t>(text.size(), 1000));
    for (char c : text) {
        if (out.size() >= 1000) {
            out += "...";
            break;
        }
        out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
    }
    return std::string(trim(out));
}

Failure classify_code(int code) {
    switch (code) {
    // The server is busy, short of memory, or cannot reach its coordination service.
    case 159:  // TIMEOUT_EXCEEDED
    case 202:  // TOO_MANY_SIMULTANEOUS_QUERIES
    case 203:  // NO_FREE_CONNECTION
    case 209:  // SOCKET_TIMEOUT
    case 210:  // NETWORK_ERROR
    case 225:  // NO_ZOOKEEPER
    case 236:  // ABORTED
    case 241:  // MEMORY_LIMIT_EXCEEDED
    case 242:  // TABLE_IS_READ_ONLY (a replica lost its ZooKeeper session)
    case 252:  // TOO_MANY_PARTS (merges are behind)
    case 285:  // TOO_FEW_LIVE_REPLICAS
    case 319:  // UNKNOWN_STATUS_OF_INSERT
    case 394:  // QUERY_WAS_CANCELLED
    case 425:  // SYSTEM_ERROR
    case 439:  // CANNOT_SCHEDULE_TASK
    case 999:  // KEEPER_EXCEPTION
        return Failure::retriable;
    // The data of the insert: a value that does not parse or fit its column.
    case 6:    // CANNOT_PARSE_TEXT
    case 16:   // NO_SUCH_COLUMN_IN_TABLE
    case 25:   // CANNOT_PARSE_ESCAPE_SEQUENCE
    case 26:   // CANNOT_PARSE_QUOTED_STRING
    case 27:   // CANNOT_PARSE_INPUT_ASSERTION_FAILED
    case 32:   // ATTEMPT_TO_READ_AFTER_EOF
    case 33:   // CANNOT_READ_ALL_DATA
    case 38:   // CANNOT_PARSE_DATE
    case 41:   // CANNOT_PARSE_DATETIME
    case 49:   // LOGICAL_ERROR: what 18.x throws for an unknown Enum element
    case 53:   // TYPE_MISMATCH
    case 69:   // ARGUMENT_OUT_OF_BOUND
    case 70:   // CANNOT_CONVERT_TYPE
    case 72:   // CANNOT_PARSE_NUMBER
    case 117:  // INCORRECT_DATA (unknown or duplicate field, bad JSON)
    case 131:  // TOO_LARGE_STRING_SIZE
    case 349:  // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
        return Failure::record;
    default:
        // 60 UNKNOWN_TABLE, 81 UNKNOWN_DATABASE, 192/193/194/516 authentication, 497
        // ACCESS_DENIED, 164 READONLY, 115 UNKNOWN_SETTING, 62 SYNTAX_ERROR, ... and
        // everything we do not know.
        return Failure::fatal;
    }
}

ServerFailure classify_response(long status, const std::optional<std::string>& code_header, std::string_view body) {
    const int code = error_code(code_header, body);
    const std::string text = error_text(body);
    std::string message = code >= 0 ? "ClickHouse error " + std::to_string(code) + " (HTTP " + std::to_string(status) + ")"
                                    : "HTTP " + std::to_string(status);
    if (!text.empty()) message += ": " + text;
    if (code >= 0) return {classify_code(code), code, message};
    // No ClickHouse code: a proxy, a load balancer, or not ClickHouse at all.
    if (status == 408 || status == 425 || status == 429 || status >= 500) return {Failure::retriable, -1, message};
    if (status == 401 || status == 403) return {Failure::fatal, -1, message + " (check user and password)"};
    if (status == 404) return {Failure::fatal, -1, message + " (is url ClickHouse's HTTP interface?)"};
    return {Failure::fatal, -1, message};
}

std::optional<std::size_t> failed_row(std::string_view message) {
    constexpr std::string_view marker = "(at row ";
    auto at = message.rfind(marker);
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view rest = message.substr(at + marker.size());
    std::size_t row = 0;
    auto res = std::from_chars(rest.data(), rest.data() + rest.size(), row);
    if (res.ec != std::errc() || row == 0) return std::nullopt;
    return row;
}

}  // namespace sluice::clickhouse
