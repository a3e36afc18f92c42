#include "sql_api.hpp"

#include <nlohmann/json.hpp>

#include <random>

namespace sluice::snowflake {

std::string request_body(const StatementRequest& request) {
    nlohmann::json body = nlohmann::json::object();
    body["statement"] = request.statement;
    if (request.timeout_s > 0) body["timeout"] = request.timeout_s;
    if (!request.database.empty()) body["database"] = request.database;
    if (!request.schema.empty()) body["schema"] = request.schema;
    if (!request.warehouse.empty()) body["warehouse"] = request.warehouse;
    if (!request.role.empty()) body["role"] = request.role;
    if (!request.bindings.empty()) {
        nlohmann::json bindings = nlohmann::json::object();
        for (std::size_t i = 0; i < request.bindings.size(); ++i) {
            const Binding& b = request.bindings[i];
            nlohmann::json value = b.value ? nlohmann::json(*b.value) : nlohmann::json(nullptr);
            bindings[std::to_string(i + 1)] = {{"type", b.type}, {"value", std::move(value)}};
        }
        body["bindings"] = std::move(bindings);
    }
    // Record bytes need not be UTF-8; replace rather than throw (the value is validated as
    // JSON before it gets here, so this only touches keys).
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string new_request_id() {
    thread_local std::mt19937_64 rng(std::random_device{}());
    std::uint64_t hi = rng(), lo = rng();
    hi = (hi & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;  // version 4
    lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;  // RFC 4122 variant
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    auto put = [&](std::uint64_t v, int nibbles) {
        for (int i = nibbles - 1; i >= 0; --i) out.push_back(hex[(v >> (i * 4)) & 0xF]);
    };
    put(hi >> 32, 8);
    out.push_back('-');
    put(hi >> 16, 4);
    out.push_back('-');
    put(hi, 4);
    out.push_back('-');
    put(lo >> 48, 4);
    out.push_back('-');
    put(lo, 12);
    return out;
}

std::optional<ApiResponse> parse_response(std::string_view body) {
    nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
    ApiResponse r;
    auto text = [&](const char* name, std::string& out) {
        auto it = doc.find(name);
        if (it != doc.end() && it->is_string()) out = it->get<std::string>();
    };
    text("code", r.code);
    text("sqlState", r.sql_state);
    text("message", r.message);
    text("statementHandle", r.statement_handle);
    text("statementStatusUrl", r.status_url);
    if (auto meta = doc.find("resultSetMetaData"); meta != doc.end() && meta->is_object()) {
        if (auto n = meta->find("numRows"); n != meta->end() && n->is_number_integer()) r.total_rows = n->get<std::int64_t>();
        if (auto types = meta->find("rowType"); types != meta->end() && types->is_array())
            for (const auto& column : *types)
                r.columns.push_back(column.is_object() && column.contains("name") && column["name"].is_string()
                                        ? column["name"].get<std::string>()
                                        : std::string());
    }
    if (auto data = doc.find("data"); data != doc.end() && data->is_array()) {
        for (const auto& row : *data) {
            if (!row.is_array()) continue;
            std::vector<std::optional<std::string>> cells;
            for (const auto& cell : row) {
                if (cell.is_null()) cells.emplace_back(std::nullopt);
                else if (cell.is_string()) cells.emplace_back(cell.get<std::string>());
                else cells.emplace_back(cell.dump());
            }
            r.rows.push_back(std::move(cells));
        }
    }
    return r;
}

std::string describe(const ApiResponse& response) {
    std::string out = response.message.empty() ? "(no message)" : response.message;
    std::string details;
    if (!response.sql_state.empty()) details += "SQLSTATE " + response.sql_state;
    if (!response.code.empty()) details += (details.empty() ? "" : ", ") + std::string("code ") + response.code;
    if (!response.statement_handle.empty())
        details += (details.empty() ? "" : ", ") + std::string("statement handle ") + response.statement_handle;
    if (!details.empty()) out += " (" + details + ")";
    return out;
}

SqlError::SqlError(const ApiResponse& response, const std::string& what)
    : std::runtime_error(what), code_(response.code), sql_state_(response.sql_state), message_(response.message) {}

}  // namespace sluice::snowflake
