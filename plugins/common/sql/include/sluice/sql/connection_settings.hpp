// The connection keys every SQL connector shares (Confluent JDBC's names): connection.url,
// connection.user, connection.password, connection.timeout.ms, request.timeout.ms.
#pragma once

#include <sluice/sdk.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::sql {

enum class Dialect { postgres, mysql };

const char* dialect_name(Dialect d);  // "PostgreSQL", "MariaDB"

// A rule a configuration breaks: the key to blame ("" for the whole) and what is expected.
struct SettingsProblem {
    std::string key;
    std::string message;
};

// The two faces of a settings check: the first problem as a FatalError (a task refusing its
// configuration), every problem to the worker (ABI 1.2 validate, which places each at its
// key's line; a leading "<key>: " of the message is dropped there).
void throw_first(const std::vector<SettingsProblem>& problems);
void report(const std::vector<SettingsProblem>& problems, ConfigProblems& out);

struct ConnectionSettings {
    Dialect dialect = Dialect::postgres;
    std::string host;
    int port = 0;
    std::string database;
    std::vector<std::pair<std::string, std::string>> params;  // PostgreSQL: more libpq keywords
    std::string user;
    std::string password;
    std::chrono::milliseconds connect_timeout{10000};
    std::chrono::milliseconds request_timeout{300000};

    // `request_timeout`: declare request.timeout.ms (sinks; a source's reads are paced by the
    // worker and may take as long as they take).
    static void declare(std::vector<ConfigKey>& keys, Dialect dialect, bool request_timeout = true);
    // Throws FatalError naming the key when a value is unusable.
    static ConnectionSettings from(const Config& config, Dialect dialect);
    // What from() would refuse, without throwing (connection.url's form).
    static std::vector<SettingsProblem> problems(const Config& config, Dialect dialect);
    // Parses connection.url alone (tests, messages). Throws FatalError.
    static ConnectionSettings parse_url(std::string_view url, Dialect dialect);
    // "postgresql://127.0.0.1:5432/sluice" (never credentials).
    std::string where() const;
};

}  // namespace sluice::sql
