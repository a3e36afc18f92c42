// The connection keys every SQL connector shares (Confluent JDBC's names): connection.url,
// connection.user, connection.password, connection.timeout.ms, request.timeout.ms.
#pragma once

#include <sluice/config_kit.hpp>
#include <sluice/sdk.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::sql {

enum class Dialect { postgres, mysql };

const char* dialect_name(Dialect d);  // "PostgreSQL", "MariaDB"

struct ConnectionSettings {
    Dialect dialect = Dialect::postgres;
    std::string host;
    int port = 0;
    std::string database;
    std::vector<std::pair<std::string, std::string>> params;  // PostgreSQL: more libpq keywords
    std::string user;
    std::string password;
    std::chrono::milliseconds connect_timeout{};
    std::chrono::milliseconds request_timeout{};  // 0: no limit (sources)

    // The connection keys, for a sink's or source's spec to include(); `request_timeout`:
    // declare request.timeout.ms (sinks; a source's reads are paced by the worker and may
    // take as long as they take).
    static config_kit::Spec<ConnectionSettings> spec(Dialect dialect, bool request_timeout = true);
    // Parses connection.url alone (tests, messages). Throws FatalError.
    static ConnectionSettings parse_url(std::string_view url, Dialect dialect);
    // "postgresql://127.0.0.1:5432/sluice" (never credentials).
    std::string where() const;
};

}  // namespace sluice::sql
