// /admin/loggers on an Api whose worker is constructed but not started: Connect's shapes and
// status codes, every bad request, and scope=cluster with and without the cluster's hook.
#include "rest/api.hpp"

#include "common/log_levels.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

using namespace sluice;
using namespace sluice::rest;

namespace {

struct LoggersApi {
    plugin::Registry registry;
    runtime::Worker worker{config::default_worker_config(), registry};
    std::vector<std::pair<std::string, std::string>> cluster_calls;
    Api api;

    explicit LoggersApi(bool clustered = false) : api(worker, registry, options(clustered)) {
        log::reset_levels(log::Level::info);
        api.restore();
    }
    ~LoggersApi() { log::reset_levels(log::Level::info); }

    ApiOptions options(bool clustered) {
        ApiOptions o;
        if (clustered) o.apply_logger_on_cluster = [this](const std::string& logger, const std::string& level) {
            cluster_calls.emplace_back(logger, level);
        };
        return o;
    }

    HttpResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                      std::vector<std::pair<std::string, std::string>> query = {},
                      const std::string& content_type = "application/json") {
        HttpRequest r;
        r.method = method;
        r.path = r.target = path;
        r.query = std::move(query);
        r.body = body;
        if (!content_type.empty()) r.headers["content-type"] = content_type;
        return api.handle(r);
    }
};

nlohmann::json json_of(const HttpResponse& r) { return nlohmann::json::parse(r.body); }
std::string message_of(const HttpResponse& r) { return json_of(r).value("message", ""); }

}  // namespace

TEST_CASE("loggers: root and the module loggers are listed with their levels; unknown ones are 404") {
    LoggersApi a;
    auto all = a.call("GET", "/admin/loggers");
    REQUIRE(all.status == 200);
    auto j = json_of(all);
    CHECK(j["root"] == nlohmann::json::parse(R"({"level": "INFO", "last_modified": null})"));
    CHECK(j["kafka"]["level"] == "INFO");
    CHECK(j["rest"]["level"] == "INFO");
    CHECK(j.size() == 3);  // no connector yet

    CHECK(json_of(a.call("GET", "/admin/loggers/root"))["level"] == "INFO");
    auto unknown = a.call("GET", "/admin/loggers/nope");
    CHECK(unknown.status == 404);
    CHECK(json_of(unknown)["error_code"] == 404);
    CHECK(message_of(unknown).find("nope") != std::string::npos);
    CHECK(a.call("POST", "/admin/loggers/kafka").status == 405);
}

TEST_CASE("loggers: PUT sets a logger and the loggers below it and answers their names, as Connect does") {
    LoggersApi a;
    auto kafka = a.call("PUT", "/admin/loggers/kafka", R"({"level": "DEBUG"})");
    REQUIRE_MESSAGE(kafka.status == 200, kafka.body);
    CHECK(json_of(kafka) == nlohmann::json::parse(R"(["kafka"])"));
    CHECK(log::enabled(log::Level::debug, "kafka/demo.src/0"));
    CHECK_FALSE(log::enabled(log::Level::debug, "rest/0"));
    auto got = json_of(a.call("GET", "/admin/loggers/kafka"));
    CHECK(got["level"] == "DEBUG");
    CHECK(got["last_modified"].is_number_integer());

    // A name below a module: percent-encoded '/' stays in the parameter; levels in any case.
    auto below = a.call("PUT", "/admin/loggers/kafka%2Fdemo.src", R"({"level": "warn"})");
    REQUIRE_MESSAGE(below.status == 200, below.body);
    CHECK(json_of(below) == nlohmann::json::parse(R"(["kafka/demo.src"])"));
    CHECK(json_of(a.call("GET", "/admin/loggers/kafka%2Fdemo.src"))["level"] == "WARN");
    CHECK(json_of(a.call("PUT", "/admin/loggers/kafka", R"({"level": "ERROR"})")) ==
          nlohmann::json::parse(R"(["kafka", "kafka/demo.src"])"));
    CHECK(json_of(a.call("GET", "/admin/loggers/kafka%2Fdemo.src"))["level"] == "ERROR");

    // A name nobody uses yet (a connector to come) may be set; it is listed from then on.
    CHECK(a.call("PUT", "/admin/loggers/later", R"({"level": "TRACE"})").status == 200);
    CHECK(json_of(a.call("GET", "/admin/loggers"))["later"]["level"] == "TRACE");

    // Root: every logger.
    auto root = a.call("PUT", "/admin/loggers/root", R"({"level": "OFF"})");
    REQUIRE(root.status == 200);
    CHECK(json_of(root) == nlohmann::json::parse(R"(["kafka", "kafka/demo.src", "later", "rest", "root"])"));
    const auto listed = json_of(a.call("GET", "/admin/loggers"));
    for (const auto& [name, l] : listed.items()) CHECK(l["level"] == "OFF");
}

TEST_CASE("loggers: a bad level, body, name or scope is a 400 that says what was expected") {
    LoggersApi a;
    struct Bad {
        std::string path, body, needle;
        std::vector<std::pair<std::string, std::string>> query = {};
    };
    for (const Bad& b : std::vector<Bad>{
             {"/admin/loggers/kafka", R"({"level": "LOUD"})", "expected TRACE, DEBUG, INFO, WARN, ERROR or OFF"},
             {"/admin/loggers/kafka", R"({"level": "FATAL"})", "no FATAL level"},
             {"/admin/loggers/kafka", R"({"level": 3})", "must be a string"},
             {"/admin/loggers/kafka", R"({"level": null})", "not given"},
             {"/admin/loggers/kafka", R"({})", "not given"},
             {"/admin/loggers/kafka", R"(["DEBUG"])", "JSON object"},
             {"/admin/loggers/kafka", R"({"level": )", "malformed JSON"},
             {"/admin/loggers/a%20b", R"({"level": "DEBUG"})", "letters, digits"},
             {"/admin/loggers/a%2F%2Fb", R"({"level": "DEBUG"})", "segments"},
             {"/admin/loggers/kafka", R"({"level": "DEBUG"})", "scope must be worker", {{"scope", "galaxy"}}},
         }) {
        INFO(b.path, " ", b.body);
        auto r = a.call("PUT", b.path, b.body, b.query);
        CHECK(r.status == 400);
        CHECK_MESSAGE(message_of(r).find(b.needle) != std::string::npos, message_of(r));
    }
    CHECK(a.call("PUT", "/admin/loggers/kafka", R"({"level": "DEBUG"})", {}, "text/plain").status == 415);
    // Nothing of that changed a level.
    const auto listed = json_of(a.call("GET", "/admin/loggers"));
    for (const auto& [name, l] : listed.items()) CHECK(l["level"] == "INFO");
}

TEST_CASE("loggers: scope=cluster goes through the cluster's hook when there is one, else applies here") {
    SUBCASE("standalone: this worker is the cluster") {
        LoggersApi a;
        auto r = a.call("PUT", "/admin/loggers/rest", R"({"level": "debug"})", {{"scope", "Cluster"}});
        CHECK(r.status == 204);
        CHECK(r.body.empty());
        CHECK(json_of(a.call("GET", "/admin/loggers/rest"))["level"] == "DEBUG");
    }
    SUBCASE("clustered: the hook gets the logger and the normalised level; nothing is set here directly") {
        LoggersApi a(true);
        auto r = a.call("PUT", "/admin/loggers/kafka", R"({"level": "trace"})", {{"scope", "cluster"}});
        CHECK(r.status == 204);
        CHECK(a.cluster_calls == std::vector<std::pair<std::string, std::string>>{{"kafka", "TRACE"}});
        CHECK(json_of(a.call("GET", "/admin/loggers/kafka"))["level"] == "INFO");
        // scope=worker still applies on this worker alone, without the hook.
        CHECK(a.call("PUT", "/admin/loggers/kafka", R"({"level": "WARN"})", {{"scope", "worker"}}).status == 200);
        CHECK(a.cluster_calls.size() == 1);
        CHECK(json_of(a.call("GET", "/admin/loggers/kafka"))["level"] == "WARN");
        // A bad level never reaches the cluster.
        CHECK(a.call("PUT", "/admin/loggers/kafka", R"({"level": "LOUD"})", {{"scope", "cluster"}}).status == 400);
        CHECK(a.cluster_calls.size() == 1);
    }
}

TEST_CASE("loggers: a refusal from the cluster's hook is the answer") {
    plugin::Registry registry;
    runtime::Worker worker(config::default_worker_config(), registry);
    ApiOptions options;
    options.apply_logger_on_cluster = [](const std::string&, const std::string&) {
        throw control::Error(control::Refusal::unavailable, "the config topic cannot be written: Kafka is unreachable");
    };
    Api api(worker, registry, options);
    api.restore();
    HttpRequest r;
    r.method = "PUT";
    r.path = r.target = "/admin/loggers/kafka";
    r.query = {{"scope", "cluster"}};
    r.headers["content-type"] = "application/json";
    r.body = R"({"level": "DEBUG"})";
    auto answer = api.handle(r);
    CHECK(answer.status == 503);
    CHECK(answer.body.find("Kafka is unreachable") != std::string::npos);
}
