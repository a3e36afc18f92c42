#include "connection.hpp"

namespace sluice::clickhouse {

Connection::Connection(ConnectionOptions options)
    : options_(std::move(options)),
      client_(http::Client::Options{std::min(options_.timeout, std::chrono::milliseconds(10000)), "sluice-clickhouse", true, ""}) {
    while (!options_.url.empty() && options_.url.back() == '/') options_.url.pop_back();
}

std::string Connection::send(const std::string& query_string, std::string body, bool may_gzip) {
    http::Request request;
    request.method = "POST";
    request.url = options_.url + "/" + query_string;
    request.timeout = options_.timeout;
    request.gzip_body = may_gzip && options_.gzip_min_bytes > 0 && body.size() >= options_.gzip_min_bytes;
    request.body = std::move(body);
    if (!options_.user.empty()) {
        if (options_.auth == AuthMode::basic) {
            request.basic_auth = std::make_pair(options_.user, options_.password);
        } else {
            request.headers.push_back({"X-ClickHouse-User", options_.user});
            request.headers.push_back({"X-ClickHouse-Key", options_.password});
        }
    }
    ++requests_;
    http::Response response;
    try {
        response = client_.send(request);
    } catch (const http::TransportError& e) {
        throw ServerFailure(Failure::retriable, -1, std::string("cannot reach ClickHouse: ") + e.what());
    }
    if (response.status != 200)
        throw classify_response(response.status, response.header("x-clickhouse-exception-code"), response.body);
    return std::move(response.body);
}

std::string Connection::query(const std::string& sql) { return send("", sql, false); }

void Connection::insert(const std::string& insert_sql, std::string rows, const Settings& settings) {
    std::string qs = "?query=" + http::url_encode(insert_sql);
    for (const auto& [name, value] : settings) qs += "&" + http::url_encode(name) + "=" + http::url_encode(value);
    send(qs, std::move(rows), true);
}

}  // namespace sluice::clickhouse
