// Run-time log levels (GET/PUT /admin/loggers) against a real `sluice run`: a PUT changes
// which lines the worker writes from then on, per connector and per module. (Who may change
// them: rest_security_test.)
#include "rest_client.hpp"

#include <doctest/doctest.h>

using namespace sluice::it;

namespace {

nlohmann::json names(std::initializer_list<const char*> list) {
    nlohmann::json out = nlohmann::json::array();
    for (const char* n : list) out.push_back(n);
    return out;
}

}  // namespace

TEST_CASE("rest loggers: a PUT changes what the worker logs, per connector and per module") {
    TempDir dir;
    // Progress lines ("[gen/0] polled ...") at INFO every 200 ms: a connector's own lines.
    const std::string worker_file = write_rest_worker_file(dir);
    std::string yaml = sluice::testing::read_file(worker_file);
    const std::string no_progress = "log.progress.interval.ms: 0\n";
    REQUIRE(yaml.find(no_progress) != std::string::npos);
    yaml.replace(yaml.find(no_progress), no_progress.size(), "log.progress.interval.ms: 200\n");
    sluice::testing::write_file(worker_file, yaml);
    RestWorker w(dir, worker_file);
    for (const char* name : {"gen", "other"})
        REQUIRE(w.call("POST", "/connectors",
                       connector_body(name, {{"connector.class", "datagen"}, {"topic", std::string(name) + ".t"}, {"rate", "100"}}))
                    .status == 201);
    REQUIRE_MESSAGE(w.sluice().wait_for_log("INFO  [gen/0] polled", 20s), w.sluice().log());
    REQUIRE_MESSAGE(w.sluice().wait_for_log("INFO  [other/0] polled", 20s), w.sluice().log());

    auto all = w.get("/admin/loggers");
    REQUIRE(all.status == 200);
    for (const char* logger : {"root", "kafka", "rest", "gen", "other"}) {
        INFO(logger);
        CHECK(all.json[logger]["level"] == "INFO");
    }
    CHECK(all.json["root"]["last_modified"].is_null());

    // Root at WARN: every logger below it, which is all of them, and their INFO lines stop.
    auto root = w.call("PUT", "/admin/loggers/root", R"({"level": "WARN"})");
    REQUIRE_MESSAGE(root.status == 200, root.describe());
    CHECK(root.json == names({"gen", "kafka", "other", "rest", "root"}));
    const size_t gen_before = w.sluice().count_in_log("[gen/0] polled");
    const size_t other_before = w.sluice().count_in_log("[other/0] polled");

    // One connector back at INFO: its lines return, the other's stay away.
    auto gen = w.call("PUT", "/admin/loggers/gen", R"({"level": "INFO"})");
    REQUIRE_MESSAGE(gen.status == 200, gen.describe());
    CHECK(gen.json == names({"gen"}));
    CHECK(w.get("/admin/loggers/gen").json["level"] == "INFO");
    CHECK(w.get("/admin/loggers/other").json["level"] == "WARN");
    CHECK_MESSAGE(sluice::testing::wait_until([&] { return w.sluice().count_in_log("[gen/0] polled") >= gen_before + 5; }, 20s, 50ms),
                  w.sluice().log());
    // A line already past its check when root changed may still land: one at most.
    CHECK(w.sluice().count_in_log("[other/0] polled") <= other_before + 1);

    // The REST threads' logger at DEBUG: each request gets its line.
    CHECK(w.sluice().count_in_log("DEBUG [rest/") == 0);
    REQUIRE(w.call("PUT", "/admin/loggers/rest", R"({"level": "DEBUG"})").status == 200);
    REQUIRE(w.get("/connectors").status == 200);
    CHECK_MESSAGE(w.sluice().wait_for_log("REST GET /connectors -> 200", 10s), w.sluice().log());
    CHECK(w.sluice().count_in_log("DEBUG [rest/") >= 1);

    // scope=cluster on a standalone worker: applied here, and the log says so.
    CHECK(w.call("PUT", "/admin/loggers/other?scope=cluster", R"({"level": "INFO"})").status == 204);
    CHECK(w.get("/admin/loggers/other").json["level"] == "INFO");
    CHECK(w.sluice().wait_for_log("scope=cluster on a standalone worker", 10s));
    CHECK_MESSAGE(sluice::testing::wait_until([&] { return w.sluice().count_in_log("[other/0] polled") >= other_before + 3; }, 20s, 50ms),
                  w.sluice().log());

    CHECK(w.call("PUT", "/admin/loggers/gen", R"({"level": "FATAL"})").status == 400);
    CHECK(w.get("/admin/loggers/nobody").status == 404);
}
