// The ClickHouse server the tests talk to: started by scripts/clickhouse-server.sh as a
// ctest fixture (tests/unit/plugins/clickhouse/CMakeLists.txt), found through the env file
// it writes ($SLUICE_CLICKHOUSE_ENV), queried over HTTP with sluice_http.
#pragma once

#include <sluice/http_client.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace sluice::testing {

// http://127.0.0.1:<port> of a server whose env file (KEY=value lines) is at `env_path`.
inline std::string clickhouse_url_from(const std::string& env_path) {
    std::ifstream in(env_path);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("CLICKHOUSE_URL=", 0) == 0) return line.substr(15);
    throw std::runtime_error("no CLICKHOUSE_URL in " + env_path +
                             " (is the clickhouse.server fixture running? ctest starts it for the tests needing it)");
}

// The fixture's server.
inline std::string clickhouse_url() {
    const char* env = std::getenv("SLUICE_CLICKHOUSE_ENV");
    if (env == nullptr) throw std::runtime_error("SLUICE_CLICKHOUSE_ENV is not set (run this test through ctest)");
    return clickhouse_url_from(env);
}

// Runs one statement as the default user; the body of the answer. Throws with the server's
// message on anything but 200.
inline std::string clickhouse_query(const std::string& url, const std::string& sql) {
    static thread_local http::Client client;
    http::Request r;
    r.method = "POST";
    r.url = url + "/";
    r.body = sql;
    r.timeout = std::chrono::seconds(30);
    http::Response response = client.send(r);
    if (response.status != 200)
        throw std::runtime_error("ClickHouse answered " + std::to_string(response.status) + " to '" + sql + "': " +
                                 response.body);
    return response.body;
}

// The answer of a query returning one number.
inline long long clickhouse_number(const std::string& url, const std::string& sql) {
    return std::stoll(clickhouse_query(url, sql));
}

// A table name no other test (or earlier run) uses.
inline std::string unique_table(const std::string& stem) {
    static std::atomic<int> counter{0};
    std::random_device rd;
    return stem + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + std::to_string(rd() % 100000);
}

}  // namespace sluice::testing
