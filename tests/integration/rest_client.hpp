// A `sluice run` worker driven over its REST API with curl, as an operator would: the
// worker listens on 127.0.0.1:0 and writes its port to a file (--rest-port-file); every
// request is one curl process, its status, headers and body captured.
#pragma once

#include "harness.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::it {

struct Reply {
    long status = 0;  // 0: curl could not connect or failed
    std::string body;
    std::map<std::string, std::string> headers;  // lower-case names
    nlohmann::json json;                          // discarded when the body is not JSON
    bool is_json() const { return !json.is_discarded(); }
    std::string describe() const { return std::to_string(status) + " " + body; }
};

// curl one request. `content_type` empty: no body header beyond what curl adds.
// `extra`: more curl arguments (credentials, certificates).
Reply curl_request(const TempDir& dir, const std::string& method, const std::string& url, const std::string& body = "",
                   const std::string& content_type = "application/json", const std::vector<std::string>& extra = {});

// The worker file for REST tests: embedded Kafka unless `bootstrap` is given, REST on port 0.
std::string write_rest_worker_file(const TempDir& dir, const std::string& bootstrap = "", const std::string& extra = "",
                                   const std::string& name = "worker.yaml");

class RestWorker {
public:
    // Starts `sluice run --worker <file> [args...]` and waits (bounded) for GET /health = 200.
    RestWorker(const TempDir& dir, const std::string& worker_file, std::vector<std::string> args = {},
               testing::SpawnOptions options = {});
    Sluice& sluice() { return *sluice_; }
    const std::string& base() const { return base_; }  // http://127.0.0.1:<port>
    Reply get(const std::string& path) { return curl_request(dir_, "GET", base_ + path); }
    Reply call(const std::string& method, const std::string& path, const std::string& body = "",
               const std::string& content_type = "application/json") {
        return curl_request(dir_, method, base_ + path, body, content_type);
    }
    // Polls the connector's status until `pred` holds; the last status.
    nlohmann::json wait_status(const std::string& name, const std::function<bool(const nlohmann::json&)>& pred,
                               std::chrono::milliseconds timeout = 20s);

private:
    const TempDir& dir_;
    std::optional<Sluice> sluice_;
    std::string base_;
};

// {"name": n, "config": {...}} as JSON text.
std::string connector_body(const std::string& name, const std::map<std::string, std::string>& config);

// "RUNNING" when the connector and all its tasks are, etc.: the status's states, for checks.
std::string connector_state(const nlohmann::json& status);
std::vector<std::string> task_states(const nlohmann::json& status);

}  // namespace sluice::it
