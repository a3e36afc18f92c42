// One task's conversation with ClickHouse's HTTP interface: queries (SQL in the POST body)
// and inserts (SQL in the URL, rows in the body, gzip above a size), authenticated by
// basic auth or X-ClickHouse-User/-Key. Every failure comes out as a classified
// ServerFailure; messages never contain the password.
#pragma once

#include "errors.hpp"

#include <sluice/http_client.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace sluice::clickhouse {

enum class AuthMode { basic, headers };

struct ConnectionOptions {
    std::string url;  // http(s)://host:port, no path or query
    std::string user;
    std::string password;
    AuthMode auth = AuthMode::basic;
    std::chrono::milliseconds timeout{30000};
    std::size_t gzip_min_bytes = 0;  // 0: never compress
};

using Settings = std::vector<std::pair<std::string, std::string>>;

class Connection {
public:
    explicit Connection(ConnectionOptions options);

    // Runs one statement; returns the answer's body (TabSeparated for SELECTs).
    std::string query(const std::string& sql);
    // Sends `rows` as the data of `insert_sql`, with these query-level settings.
    void insert(const std::string& insert_sql, std::string rows, const Settings& settings);

    const std::string& url() const { return options_.url; }
    std::size_t requests() const { return requests_; }

private:
    std::string send(const std::string& query_string, std::string body, bool may_gzip);

    ConnectionOptions options_;
    http::Client client_;
    std::size_t requests_ = 0;
};

}  // namespace sluice::clickhouse
