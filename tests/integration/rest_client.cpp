#include "rest_client.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

namespace sluice::it {

namespace {
std::atomic<int> request_counter{0};
}

Reply curl_request(const TempDir& dir, const std::string& method, const std::string& url, const std::string& body,
                   const std::string& content_type, const std::vector<std::string>& extra) {
    const std::string tag = "curl-" + std::to_string(request_counter.fetch_add(1));
    const std::string body_out = dir.file(tag + ".body"), headers_out = dir.file(tag + ".headers");
    std::vector<std::string> argv = {"curl", "-sS", "--max-time", "60", "-X", method, "-o", body_out, "-D", headers_out,
                                     "-w", "%{http_code}", "-H", "Expect:", "--path-as-is"};
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
        const std::string body_in = dir.file(tag + ".in");
        testing::write_file(body_in, body);
        argv.push_back("--data-binary");
        argv.push_back("@" + body_in);
        if (!content_type.empty()) argv.push_back("-H"), argv.push_back("Content-Type: " + content_type);
        else argv.push_back("-H"), argv.push_back("Content-Type:");
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(url);
    auto result = testing::run(argv, dir.path().string(), 70s);
    Reply r;
    try {
        r.status = std::stol(result.out);
    } catch (...) {
        r.status = 0;
    }
    std::error_code ec;
    if (std::filesystem::exists(body_out, ec)) r.body = testing::read_file(body_out);
    for (const auto& line : testing::read_lines(headers_out)) {
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon), value = line.substr(colon + 1);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
        while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
        r.headers[name] = value;
    }
    r.json = nlohmann::json::parse(r.body, nullptr, false);
    std::filesystem::remove(body_out, ec);
    std::filesystem::remove(headers_out, ec);
    return r;
}

std::string write_rest_worker_file(const TempDir& dir, const std::string& bootstrap, const std::string& extra,
                                   const std::string& name) {
    std::string yaml = "rest.listener: 127.0.0.1:0\n"
                       "log.progress.interval.ms: 0\n"
                       "offset.flush.interval.ms: 500\n"
                       "shutdown.timeout.ms: 10000\n"
                       "kafka:\n"
                       "  bootstrap.servers: \"" + bootstrap + "\"\n"
                       "  consumer:\n"
                       "    session.timeout.ms: 3000\n"
                       "    heartbeat.interval.ms: 500\n" +
                       extra;
    const std::string path = dir.file(name);
    testing::write_file(path, yaml);
    return path;
}

RestWorker::RestWorker(const TempDir& dir, const std::string& worker_file, std::vector<std::string> args,
                       testing::SpawnOptions options)
    : dir_(dir) {
    static std::atomic<int> counter{0};
    const std::string port_file = dir.file("rest-port-" + std::to_string(counter.fetch_add(1)));
    std::vector<std::string> argv = {"run", "--worker", worker_file, "--rest-port-file", port_file};
    bool has_plugin_dir = false;
    for (const auto& a : args) has_plugin_dir = has_plugin_dir || a.rfind("--plugin-dir", 0) == 0;
    if (!has_plugin_dir) argv.push_back("--plugin-dir=" + plugin_dir());
    argv.insert(argv.end(), args.begin(), args.end());
    sluice_.emplace(dir, argv, "rest-worker", std::move(options));
    std::string port;
    REQUIRE_MESSAGE(testing::wait_until(
                        [&] {
                            auto lines = testing::read_complete_lines(port_file);
                            if (lines.empty()) return false;
                            port = lines.front();
                            return true;
                        },
                        30s, 20ms),
                    "no REST port written; log:\n" << sluice_->log());
    base_ = "http://127.0.0.1:" + port;
    REQUIRE_MESSAGE(testing::wait_until([&] { return get("/health").status == 200 && get("/connectors").status == 200; }, 30s, 50ms),
                    "GET /health never answered 200; log:\n" << sluice_->log());
    // The log says where it listens, in a line scripts can parse.
    CHECK(sluice_->log().find("REST API listening on " + base_) != std::string::npos);
}

nlohmann::json RestWorker::wait_status(const std::string& name, const std::function<bool(const nlohmann::json&)>& pred,
                                       std::chrono::milliseconds timeout) {
    nlohmann::json last;
    testing::wait_until(
        [&] {
            auto r = get("/connectors/" + name + "/status");
            if (r.status != 200 || !r.is_json()) return false;
            last = r.json;
            return pred(last);
        },
        timeout, 100ms);
    return last;
}

std::string connector_body(const std::string& name, const std::map<std::string, std::string>& config) {
    return nlohmann::json{{"name", name}, {"config", config}}.dump();
}

std::string connector_state(const nlohmann::json& status) {
    return status.contains("connector") ? status["connector"].value("state", "") : "";
}

std::vector<std::string> task_states(const nlohmann::json& status) {
    std::vector<std::string> out;
    if (status.contains("tasks"))
        for (const auto& t : status["tasks"]) out.push_back(t.value("state", ""));
    return out;
}

}  // namespace sluice::it
