// The web console at /ui in Debian's chromium (headless, driven by playwright-core from
// tests/support/node): a real worker with basic auth, an admin and a viewer made with
// `sluice passwd`, a datagen connector; the browser steps are tests/support/node/console-browser.js.
// Screenshots go to <build>/tests/console-screenshots. Skipped only when chromium is missing.
#include "ods_replay_server.hpp"
#include "rest_client.hpp"

#include <doctest/doctest.h>

#include <filesystem>

using namespace sluice::it;
using sluice::testing::wait_until;
using sluice::testing::write_file;

namespace {
void add_user(const TempDir& dir, const std::string& name, const std::string& role, const std::string& password) {
    write_file(dir.file("password.in"), password + "\n");
    sluice::testing::SpawnOptions options;
    options.stdin_path = dir.file("password.in");
    auto r = run_sluice(dir, {"passwd", "--role", role, "--iterations", "2000", "--file", dir.file("users"), name}, 30s, options);
    REQUIRE_MESSAGE(r.status == exited(0), r.err);
}
}  // namespace

TEST_CASE("console: log in, see RUNNING, pause and resume, live records, the map, a viewer without actions") {
    const char* chromium = std::getenv("SLUICE_CHROMIUM") ? std::getenv("SLUICE_CHROMIUM") : "/usr/bin/chromium";
    if (!std::filesystem::exists(chromium)) {
        MESSAGE("skipped: no chromium at ", chromium, " (scripts/install-deps.sh installs it)");
        return;
    }
    const std::string node_dir = source_dir() + "/tests/support/node";
    REQUIRE_MESSAGE(std::filesystem::exists(node_dir + "/node_modules/playwright-core"), "run scripts/install-npm.sh");
    REQUIRE_MESSAGE(std::filesystem::exists(source_dir() + "/core/console/node_modules/leaflet/dist/leaflet.js"), "run scripts/install-npm.sh");

    TempDir dir;
    add_user(dir, "ada", "admin", "ada-console-pw");
    add_user(dir, "vic", "viewer", "vic-console-pw");
    const std::string worker_file = write_rest_worker_file(dir, "", "rest.auth: basic\nrest.auth.users.file: users\n");
    const std::string port_file = dir.file("port");
    Sluice worker(dir, {"run", "--worker", worker_file, "--rest-port-file", port_file, "--plugin-dir=" + plugin_dir()}, "console-worker");
    std::string port;
    REQUIRE_MESSAGE(wait_until(
                        [&] {
                            auto lines = sluice::testing::read_complete_lines(port_file);
                            if (!lines.empty()) port = lines.front();
                            return !port.empty();
                        },
                        30s, 20ms),
                    worker.log());
    const std::string base = "http://127.0.0.1:" + port;
    const std::vector<std::string> admin = {"-u", "ada:ada-console-pw"};
    REQUIRE(wait_until([&] { return curl_request(dir, "GET", base + "/connectors", "", "", admin).status == 200; }, 30s, 50ms));
    auto created = curl_request(dir, "POST", base + "/connectors",
                                connector_body("gen", {{"connector.class", "datagen"}, {"topic", "console.t"}, {"rate", "20"}}),
                                "application/json", admin);
    REQUIRE_MESSAGE(created.status == 201, created.describe());
    auto ring = curl_request(dir, "POST", base + "/connectors",
                             connector_body("ring", {{"connector.class", "datagen"}, {"topic", "ring.t"}, {"rate", "40"}, {"geo", "bordeaux-ring"}}),
                             "application/json", admin);
    REQUIRE_MESSAGE(ring.status == 201, ring.describe());

    // Bordeaux's ci_trafi_l snapshot through the Opendatasoft replay server, created PAUSED:
    // the browser opens its map first, then resumes it and counts the drawn segments.
    namespace replay = sluice::testing::ods_replay;
    replay::ReplayServer portal;
    portal.put(replay::load_csv_export(std::string(SLUICE_FIXTURES_DIR) + "/bordeaux/ci_trafi_l/ci_trafi_l_snapshot_2025-12-18T085050Z.csv",
                                       "ci_trafi_l",
                                       {{"gid", "int"}, {"cdate", "datetime"}, {"mdate", "datetime"}, {"geo_point_2d", "geo_point_2d"},
                                        {"geo_shape", "geo_shape"}}));
    auto bordeaux = curl_request(dir, "POST", base + "/connectors",
                                 nlohmann::json{{"name", "bordeaux"},
                                                {"initial_state", "PAUSED"},
                                                {"config", {{"connector.class", "opendatasoft"}, {"topic", "bordeaux.traffic"},
                                                            {"base_url", portal.url()}, {"dataset", "ci_trafi_l"},
                                                            {"timestamp_field", "mdate"}, {"key_fields", "gid"},
                                                            {"timezone", "Europe/Paris"}}}}
                                     .dump(),
                                 "application/json", admin);
    REQUIRE_MESSAGE(bordeaux.status == 201, bordeaux.describe());

    const std::string shots = std::string(SLUICE_TEST_ARTIFACTS) + "/console-screenshots";
    std::filesystem::create_directories(shots);
    auto r = sluice::testing::run({"node", node_dir + "/console-browser.js", base, "ada:ada-console-pw", "vic:vic-console-pw", shots, "gen"},
                                  dir.path().string(), 150s);
    INFO("browser steps:\n", r.out, r.err, "\nworker log:\n", worker.log().substr(worker.log().size() > 3000 ? worker.log().size() - 3000 : 0));
    CHECK(r.status == exited(0));
    CHECK(r.out.find("step: viewer: no pause button, API 403") != std::string::npos);
}
