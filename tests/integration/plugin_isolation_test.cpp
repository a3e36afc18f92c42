// Process isolation (docs/plugin-isolation.md): plugins that crash, hang, exit, leak, break
// the protocol or fork, each in a plugin host process of its own (plugin.isolation: process),
// fail only their own task. In one worker beside them, a healthy pipeline in the worker and
// one isolated end to end keep moving records; each failed task's REST status names the
// plugin file, the callback, the reason and the host's last log lines; the file sink
// downstream of a failed source holds exactly the records Kafka acknowledged; a failed sink
// commits nothing past what it received; no host or anything it forked outlives its task,
// and a `kill -9` of the worker leaves no host behind.
//
// The fixtures are tests/fixtures/plugins/faulty_plugins.cpp, built like a third party's.
#include "rest_client.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <dirent.h>
#include <fstream>
#include <map>
#include <set>
#include <unistd.h>

using namespace sluice::it;
using sluice::testing::count_lines;
using sluice::testing::read_lines;
using sluice::testing::wait_until;
using sluice::testing::write_file;

namespace {

std::string faulty_plugin_dir() { return SLUICE_FAULTY_PLUGIN_DIR; }

// Processes whose command line contains every one of `needles` (NUL-separated arguments
// joined by spaces), living ones only (zombies are left to their reaper).
std::vector<pid_t> processes_with(const std::vector<std::string>& needles) {
    std::vector<pid_t> found;
    DIR* d = ::opendir("/proc");
    if (d == nullptr) return found;
    while (dirent* e = ::readdir(d)) {
        const pid_t pid = std::atoi(e->d_name);
        if (pid <= 0) continue;
        std::ifstream cmd("/proc/" + std::string(e->d_name) + "/cmdline"), stat("/proc/" + std::string(e->d_name) + "/stat"),
            comm("/proc/" + std::string(e->d_name) + "/comm");
        std::string text((std::istreambuf_iterator<char>(cmd)), {}), st((std::istreambuf_iterator<char>(stat)), {}),
            name((std::istreambuf_iterator<char>(comm)), {});
        for (auto& c : text)
            if (c == '\0') c = ' ';
        text += " " + name;
        auto close = st.rfind(')');
        if (close != std::string::npos && close + 2 < st.size() && st[close + 2] == 'Z') continue;
        bool all = true;
        for (const auto& n : needles) all = all && text.find(n) != std::string::npos;
        if (all) found.push_back(pid);
    }
    ::closedir(d);
    return found;
}

std::vector<pid_t> hosts_of(pid_t worker) { return processes_with({"plugin-host " + std::to_string(worker) + " "}); }

const nlohmann::json& task0(const nlohmann::json& status) {
    static const nlohmann::json none;
    return status.contains("tasks") && !status["tasks"].empty() ? status["tasks"][0] : none;
}

std::string pipeline(const std::string& name, const std::string& source, const std::string& sink) {
    return "name: " + name + "\nsource:\n" + source + "sinks:\n" + sink;
}

// The healthy pipelines: one in the worker, one isolated end to end.
void write_healthy(const TempDir& dir, std::vector<std::string>& files) {
    files.push_back(dir.file("healthy.yaml"));
    write_file(files.back(), pipeline("healthy", "  {name: gen, plugin: datagen, topic: healthy.readings, config: {rate: 1000}}\n",
                                      "  - {name: out, plugin: file, config: {path: '" + dir.file("healthy.jsonl") + "'}}\n"));
    files.push_back(dir.file("isolated.yaml"));
    write_file(files.back(),
               pipeline("isolated",
                        "  {name: gen, plugin: datagen, topic: isolated.readings, plugin.isolation: process, config: {rate: 1000}}\n",
                        "  - {name: out, plugin: file, plugin.isolation: process, config: {path: '" + dir.file("isolated.jsonl") + "'}}\n"));
}

std::vector<std::string> run_args(const std::vector<std::string>& files) {
    std::vector<std::string> args = {"--plugin-dir", plugin_dir(), "--plugin-dir", faulty_plugin_dir()};
    args.insert(args.end(), files.begin(), files.end());
    return args;
}

// The healthy pipelines' outputs grow (by `step` lines each), and so does the isolated one.
void expect_healthy_growing(const TempDir& dir, size_t step = 200) {
    for (const char* name : {"healthy.jsonl", "isolated.jsonl"}) {
        const std::string path = dir.file(name);
        const size_t before = count_lines(path);
        CHECK_MESSAGE(wait_until([&] { return count_lines(path) >= before + step; }, 20s), name << " stopped growing at " << before);
    }
}

// A pipeline file whose source is the faulty fixture, misbehaving (`fault`) in its pre-flight
// `check` (test or validate); `isolation` goes at the connector level.
std::string faulty_check_pipeline(const TempDir& dir, const std::string& name, const std::string& isolation,
                                  const std::string& fault, const std::string& check) {
    const std::string file = dir.file(name + ".yaml");
    write_file(file, pipeline(name, "  name: src\n  plugin: fixture_faulty_source\n  topic: " + name + ".out\n" + isolation +
                                        "  config: {fault: " + fault + ", check: " + check + "}\n",
                              "  - {name: out, plugin: file, config: {path: '" + dir.file(name + ".jsonl") + "'}}\n"));
    return file;
}

// The connector-level keys of an isolated connector whose calls time out after 2 s.
const std::string kIsolated = "  plugin.isolation: process\n  plugin.call.timeout.ms: 2000\n";

// `sluice <command>` of a pipeline file, the faulty fixtures' folder included.
sluice::testing::RunResult run_command(const TempDir& dir, const std::string& command, const std::string& worker_file,
                                       const std::string& file) {
    return run_sluice(dir, {command, "--worker", worker_file, "--plugin-dir", plugin_dir(), "--plugin-dir", faulty_plugin_dir(), file});
}

}  // namespace

TEST_CASE("plugin isolation: crashing, hanging, exiting, leaking, babbling and forking sources fail only their own task") {
    TempDir dir;
    std::vector<std::string> files;
    write_healthy(dir, files);
    struct Case {
        std::string fault, reason;
    };
    const std::vector<Case> cases = {
        {"segv", "killed by signal 11 (SIGSEGV)"},
        {"abort", "killed by signal 6 (SIGABRT)"},
        {"hang", "no answer within plugin.call.timeout.ms (2000 ms)"},
        {"exit", "exited with status 0"},
        {"garbage", "the plugin host broke the protocol"},
        {"oom", "the plugin host ran out of memory (plugin.memory.max.bytes is 268435456)"},
        {"fork", "killed by signal 11 (SIGSEGV)"},
    };
    constexpr int kAt = 20;
    for (const auto& c : cases) {
        files.push_back(dir.file("f" + c.fault + ".yaml"));
        write_file(files.back(), pipeline("f" + c.fault,
                                          "  name: src\n  plugin: fixture_faulty_source\n  topic: f" + c.fault +
                                              ".out\n  plugin.isolation: process\n  plugin.call.timeout.ms: " +
                                              std::string(c.fault == "oom" ? "20000" : "2000") +
                                              "\n  plugin.memory.max.bytes: 268435456\n  restart: {policy: never}\n  config: {fault: " + c.fault +
                                              ", at: " + std::to_string(kAt) + "}\n",
                                          "  - {name: out, plugin: file, config: {path: '" + dir.file("f" + c.fault + ".jsonl") + "'}}\n"));
    }
    RestWorker worker(dir, write_rest_worker_file(dir), run_args(files));
    const pid_t worker_pid = worker.sluice().process().pid();

    for (const auto& c : cases) {
        CAPTURE(c.fault);
        auto status = worker.wait_status("f" + c.fault + ".src", [](const nlohmann::json& s) { return task0(s).value("state", "") == "FAILED"; },
                                         30s);
        REQUIRE_MESSAGE(task0(status).value("state", "") == "FAILED", status.dump() << "\nlog:\n" << worker.sluice().log());
        const std::string trace = task0(status).value("trace", "");
        CHECK_MESSAGE(trace.find("fixture_faulty_source") != std::string::npos, trace);
        CHECK_MESSAGE(trace.find("faulty_source.so") != std::string::npos, trace);
        CHECK_MESSAGE(trace.find("poll") != std::string::npos, trace);
        CHECK_MESSAGE(trace.find(c.reason) != std::string::npos, trace);
        CHECK_MESSAGE(trace.find("about to misbehave (" + c.fault + ") at record 20") != std::string::npos, trace);
        // Every acknowledged record reached the file sink, and none of the failed poll.
        const std::string out = dir.file("f" + c.fault + ".jsonl");
        CHECK_MESSAGE(wait_until([&] { return count_lines(out) >= kAt; }, 20s), count_lines(out));
        const auto offsets = worker.get("/connectors/f" + c.fault + ".src/offsets");
        CHECK_MESSAGE(offsets.body.find(R"("n":)" + std::to_string(kAt - 1) + "}") != std::string::npos, offsets.describe());
    }
    CHECK(worker.sluice().process().running());
    expect_healthy_growing(dir);
    for (const auto& c : cases) {
        const auto lines = read_lines(dir.file("f" + c.fault + ".jsonl"));
        CHECK_MESSAGE(lines.size() == static_cast<size_t>(kAt), c.fault);
        std::set<std::string> seen;
        for (const auto& line : lines) {
            auto at = line.find("faulty-");
            if (at != std::string::npos) seen.insert(line.substr(at, line.find('"', at) - at));
        }
        for (int i = 0; i < kAt; ++i) CHECK_MESSAGE(seen.count("faulty-" + std::to_string(i)) == 1, c.fault << " lacks faulty-" << i);
    }
    // Of the failed tasks, nothing is left: two hosts (the isolated pipeline's), no forked child.
    CHECK(wait_until([&] { return hosts_of(worker_pid).size() == 2; }, 10s));
    CHECK(wait_until([&] { return processes_with({"faulty-child"}).empty(); }, 10s));
    auto stopped = worker.sluice().stop(30s);
    REQUIRE(stopped);
    CHECK(hosts_of(worker_pid).empty());
}

TEST_CASE("plugin isolation: sinks that crash, exit or hang in put and flush fail only their task, committing nothing after") {
    TempDir dir;
    std::vector<std::string> files;
    write_healthy(dir, files);
    struct Case {
        std::string name, fault, where, reason;
    };
    const std::vector<Case> cases = {
        {"putsegv", "segv", "put", "killed by signal 11 (SIGSEGV)"},
        {"putexit", "exit", "put", "exited with status 0"},
        {"putabort", "abort", "put", "killed by signal 6 (SIGABRT)"},
        {"flushhang", "hang", "flush", "no answer within plugin.call.timeout.ms (2000 ms)"},
    };
    for (const auto& c : cases) {
        files.push_back(dir.file(c.name + ".yaml"));
        write_file(files.back(), pipeline(c.name, "  {name: gen, plugin: datagen, topic: " + c.name + ".in, config: {rate: 500}}\n",
                                          "  - name: out\n    plugin: fixture_faulty_sink\n    plugin.isolation: process\n"
                                          "    plugin.call.timeout.ms: 2000\n    restart: {policy: never}\n    config: {fault: " + c.fault + ", where: " + c.where +
                                              ", at: 300, path: '" + dir.file(c.name + ".txt") + "'}\n"));
    }
    RestWorker worker(dir, write_rest_worker_file(dir), run_args(files));
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto status = worker.wait_status(c.name + ".out", [](const nlohmann::json& s) { return task0(s).value("state", "") == "FAILED"; }, 40s);
        REQUIRE_MESSAGE(task0(status).value("state", "") == "FAILED", status.dump() << "\nlog:\n" << worker.sluice().log());
        const std::string trace = task0(status).value("trace", "");
        CHECK_MESSAGE(trace.find("fixture_faulty_sink (") != std::string::npos, trace);
        CHECK_MESSAGE(trace.find("faulty_sink.so") != std::string::npos, trace);
        CHECK_MESSAGE(trace.find(c.where + ": ") != std::string::npos, trace);
        CHECK_MESSAGE(trace.find(c.reason) != std::string::npos, trace);
        CHECK_MESSAGE(trace.find("about to misbehave (" + c.fault + ") in " + c.where) != std::string::npos, trace);
        // What the group committed, the sink had received (and, flushed, written) before it failed.
        const auto offsets = worker.get("/connectors/" + c.name + ".out/offsets");
        REQUIRE_MESSAGE(offsets.status == 200, offsets.describe());
        int64_t committed = 0;
        for (const auto& o : offsets.json.value("offsets", nlohmann::json::array()))
            committed += o["offset"].value("kafka_offset", int64_t{0});
        CHECK_MESSAGE(committed <= static_cast<int64_t>(count_lines(dir.file(c.name + ".txt"))), offsets.describe());
        CHECK_MESSAGE(committed <= 300, offsets.describe());
    }
    CHECK(worker.sluice().process().running());
    expect_healthy_growing(dir);
    auto stopped = worker.sluice().stop(30s);
    REQUIRE(stopped);
}

TEST_CASE("plugin isolation: a crashing isolated source is restarted by its restart.policy, then left FAILED; in-process it kills the worker, naming the plugin") {
    TempDir dir;
    std::vector<std::string> files;
    write_healthy(dir, files);
    files.push_back(dir.file("again.yaml"));
    write_file(files.back(), pipeline("again",
                                      "  name: src\n  plugin: fixture_faulty_source\n  topic: again.out\n  plugin.isolation: process\n"
                                      "  restart: {max.attempts: 2, backoff.initial.ms: 100, backoff.max.ms: 200}\n"
                                      "  config: {fault: segv, at: 5}\n",
                                      "  - {name: out, plugin: file, config: {path: '" + dir.file("again.jsonl") + "'}}\n"));
    {
        RestWorker worker(dir, write_rest_worker_file(dir), run_args(files));
        const pid_t worker_pid = worker.sluice().process().pid();
        auto status = worker.wait_status("again.src", [](const nlohmann::json& s) {
            return task0(s).value("state", "") == "FAILED" && task0(s).value("trace", "").find("left FAILED after 2") != std::string::npos;
        }, 30s);
        const std::string trace = task0(status).value("trace", "");
        REQUIRE_MESSAGE(trace.find("left FAILED after 2 automatic restarts in a row") != std::string::npos, status.dump());
        CHECK_MESSAGE(trace.find("killed by signal 11 (SIGSEGV)") != std::string::npos, trace);
        CHECK(task0(status).value("restart_attempts", 0) == 2);
        CHECK(worker.sluice().count_in_log("[again.src/0] task failed: ") == 3);  // the first run and two restarts
        CHECK(worker.sluice().process().running());
        expect_healthy_growing(dir);
        CHECK(wait_until([&] { return hosts_of(worker_pid).size() == 2; }, 10s));  // the isolated pipeline's only
        REQUIRE(worker.sluice().stop(30s));
    }
    // The same plugin in-process takes the worker down; its last line says which plugin did.
    write_file(files.back(), pipeline("again", "  name: src\n  plugin: fixture_faulty_source\n  topic: again.out\n  config: {fault: segv, at: 5}\n",
                                      "  - {name: out, plugin: file, config: {path: '" + dir.file("again.jsonl") + "'}}\n"));
    Sluice run(dir, {"run", "--worker", write_rest_worker_file(dir), "--plugin-dir", plugin_dir(), "--plugin-dir", faulty_plugin_dir(),
                     files.back()});
    auto ended = run.process().wait(30s);
    REQUIRE_MESSAGE(ended, "log:\n" << run.log());
    CHECK_MESSAGE((!ended->exited && ended->signal == SIGSEGV), ended->describe());
    CHECK_MESSAGE(run.log().find("sluice: fatal SIGSEGV in poll() of plugin " + faulty_plugin_dir() + "/") != std::string::npos,
                  run.log());
    CHECK_MESSAGE(run.log().find("faulty_source.so, task again.src/0, run in-process") != std::string::npos, run.log());
}

TEST_CASE("plugin isolation: kill -9 of the worker leaves no plugin host behind") {
    TempDir dir;
    std::vector<std::string> files;
    write_healthy(dir, files);
    RestWorker worker(dir, write_rest_worker_file(dir), run_args(files));
    const pid_t worker_pid = worker.sluice().process().pid();
    REQUIRE(wait_until([&] { return count_lines(dir.file("isolated.jsonl")) >= 100; }, 20s));
    const auto hosts = hosts_of(worker_pid);
    REQUIRE(hosts.size() == 2);
    // A host has its socket (3), its arena (4), its standard streams and its own files:
    // none of the worker's sockets, pipes or other descriptors.
    for (pid_t host : hosts) {
        const std::string fd_dir = "/proc/" + std::to_string(host) + "/fd";
        DIR* d = ::opendir(fd_dir.c_str());
        REQUIRE(d != nullptr);
        while (dirent* e = ::readdir(d)) {
            const int fd = std::atoi(e->d_name);
            if (e->d_name[0] == '.' || fd <= 4) continue;
            char target[512] = {};
            const ssize_t n = ::readlink((fd_dir + "/" + e->d_name).c_str(), target, sizeof target - 1);
            CHECK_MESSAGE((n > 0 && target[0] == '/'), "host " << host << " holds descriptor " << fd << " -> " << target);
        }
        ::closedir(d);
    }
    worker.sluice().process().signal(SIGKILL);
    REQUIRE(worker.sluice().process().wait(10s));
    CHECK_MESSAGE(wait_until([&] { return hosts_of(worker_pid).empty(); }, 10s), "hosts left behind");
}

// The configuration checks of an isolated connector run in a plugin host too: a test() that
// crashes or hangs fails `sluice check` / `sluice run` with the pre-flight code and a
// message naming the plugin file, the callback, the reason and the host's last log lines.
TEST_CASE("plugin isolation: a pre-flight test() that crashes or hangs in a plugin host fails the check, not the worker") {
    TempDir dir;
    constexpr int kPreflightFailed = 3;
    auto checked = [&](const std::string& name, const std::string& isolation, const std::string& fault) {
        return faulty_check_pipeline(dir, name, isolation, fault, "test");
    };
    const std::string& isolated = kIsolated;
    auto run = [&](const std::string& command, const std::string& worker_file, const std::string& file) {
        return run_command(dir, command, worker_file, file);
    };
    const std::string worker_file = write_rest_worker_file(dir);

    SUBCASE("a crash, per connector, in check and run") {
        const std::string file = checked("tcrash", isolated, "segv");
        for (const char* command : {"check", "run"}) {
            CAPTURE(command);
            auto r = run(command, worker_file, file);
            CHECK_MESSAGE(r.status == sluice::testing::exited(kPreflightFailed), r.status.describe() << "\n" << r.err);
            CHECK_MESSAGE(r.err.find("pre-flight check failed: tcrash.src (source plugin fixture_faulty_source): plugin "
                                     "fixture_faulty_source (" + faulty_plugin_dir() + "/") != std::string::npos, r.err);
            CHECK_MESSAGE(r.err.find("faulty_source.so), isolated in a plugin host: test: the plugin host died during the call") !=
                              std::string::npos, r.err);
            CHECK_MESSAGE(r.err.find("killed by signal 11 (SIGSEGV)") != std::string::npos, r.err);
            CHECK_MESSAGE(r.err.find("Last log lines of the host: about to misbehave (segv) in test") != std::string::npos, r.err);
            CHECK_MESSAGE(r.err.find("nothing was started") != std::string::npos, r.err);
        }
    }
    SUBCASE("a hang: plugin.call.timeout.ms") {
        auto r = run("check", worker_file, checked("thang", isolated, "hang"));
        CHECK_MESSAGE(r.status == sluice::testing::exited(kPreflightFailed), r.status.describe() << "\n" << r.err);
        CHECK_MESSAGE(r.err.find("test: no answer within plugin.call.timeout.ms (2000 ms), so the plugin host was killed") !=
                          std::string::npos, r.err);
    }
    SUBCASE("an exit() in test") {
        auto r = run("check", worker_file, checked("texit", isolated, "exit"));
        CHECK_MESSAGE(r.status == sluice::testing::exited(kPreflightFailed), r.status.describe() << "\n" << r.err);
        CHECK_MESSAGE(r.err.find("exited with status 0") != std::string::npos, r.err);
    }
    SUBCASE("the worker's default plugin.isolation: process") {
        const std::string process_worker = write_rest_worker_file(dir, "", "plugin.isolation: process\nplugin.call.timeout.ms: 2000\n",
                                                                  "process-worker.yaml");
        auto r = run("check", process_worker, checked("tdefault", "", "abort"));
        CHECK_MESSAGE(r.status == sluice::testing::exited(kPreflightFailed), r.status.describe() << "\n" << r.err);
        CHECK_MESSAGE(r.err.find("test: the plugin host died during the call") != std::string::npos, r.err);
        CHECK_MESSAGE(r.err.find("killed by signal 6 (SIGABRT)") != std::string::npos, r.err);
    }
    SUBCASE("a test() that passes in the host passes") {
        auto r = run("check", worker_file, checked("tfine", isolated, "none"));
        CHECK_MESSAGE(r.status == sluice::testing::exited(0), r.status.describe() << "\n" << r.err);
    }
    SUBCASE("in-process, as before, the crash is the worker's") {
        auto r = run("check", worker_file, checked("tinproc", "", "segv"));
        CHECK_MESSAGE((!r.status.exited && r.status.signal == SIGSEGV), r.status.describe() << "\n" << r.err);
    }
}

// validate() over REST (and on every connector configuration sent) runs in a plugin host
// when the configuration says plugin.isolation: process: a crash there is a validation
// error, and the worker stays up.
TEST_CASE("plugin isolation: a validate() that crashes in a plugin host is a validation error over REST, the worker stays up") {
    TempDir dir;
    RestWorker worker(dir, write_rest_worker_file(dir), run_args({}));
    auto config = [](const std::string& fault, const std::string& check, bool isolated) {
        nlohmann::json c = {{"connector.class", "fixture_faulty_source"}, {"name", "v"}, {"topic", "v.out"}, {"fault", fault}, {"check", check}};
        if (isolated) {
            c["plugin.isolation"] = "process";
            c["plugin.call.timeout.ms"] = "2000";
        }
        return c;
    };
    const std::string validate = "/connector-plugins/fixture_faulty_source/config/validate";

    auto crashed = worker.call("PUT", validate, config("segv", "validate", true).dump());
    REQUIRE_MESSAGE(crashed.status == 200, crashed.describe());
    CHECK(crashed.json.value("error_count", 0) >= 1);
    CHECK_MESSAGE(crashed.body.find("isolated in a plugin host: validate: the plugin host died during the call") != std::string::npos,
                  crashed.body);
    CHECK_MESSAGE(crashed.body.find("killed by signal 11 (SIGSEGV)") != std::string::npos, crashed.body);
    CHECK_MESSAGE(crashed.body.find("faulty_source.so") != std::string::npos, crashed.body);
    CHECK(worker.sluice().process().running());

    auto hung = worker.call("PUT", validate, config("hang", "validate", true).dump());
    REQUIRE_MESSAGE(hung.status == 200, hung.describe());
    CHECK_MESSAGE(hung.body.find("validate: no answer within plugin.call.timeout.ms (2000 ms)") != std::string::npos, hung.body);

    // Creating a connector with it: refused as invalid, nothing else.
    nlohmann::json create = {{"name", "v"}, {"config", config("segv", "validate", true)}};
    auto created = worker.call("POST", "/connectors", create.dump());
    CHECK_MESSAGE(created.status == 400, created.describe());
    CHECK_MESSAGE(created.body.find("killed by signal 11 (SIGSEGV)") != std::string::npos, created.body);

    // The plugin's own problems come back from the host as they do from the worker.
    for (bool isolated : {true, false}) {
        CAPTURE(isolated);
        auto refused = worker.call("PUT", validate, config("refused", "none", isolated).dump());
        REQUIRE_MESSAGE(refused.status == 200, refused.describe());
        CHECK(refused.json.value("error_count", 0) == 1);
        CHECK_MESSAGE(refused.body.find("refused by validate, as asked") != std::string::npos, refused.body);
        auto fine = worker.call("PUT", validate, config("none", "none", isolated).dump());
        REQUIRE_MESSAGE(fine.status == 200, fine.describe());
        CHECK_MESSAGE(fine.json.value("error_count", -1) == 0, fine.body);
    }
    CHECK(worker.sluice().process().running());
    CHECK(worker.get("/health").status == 200);
    CHECK(hosts_of(worker.sluice().process().pid()).empty());  // every check's host is gone
    REQUIRE(worker.sluice().stop(30s));
}

// A pipeline's connectors are validated while their YAML is read: with plugin.isolation
// process (their own, or the worker file's), their validate() runs in a plugin host too, so
// a validate() that crashes, hangs or exits is an error of the file (file:line:col, the
// connector, the plugin file, the reason): `sluice validate` and `sluice run` say so and exit
// with the invalid-configuration code, and a worker given such a pipeline over REST answers 400.
TEST_CASE("plugin isolation: a pipeline file's validate() that crashes, hangs or exits in a plugin host is an error of the file") {
    TempDir dir;
    constexpr int kInvalidConfig = 1;
    // config: {...} is on line 8, column 11 of the file (line 6 without the isolation keys).
    auto validated = [&](const std::string& name, const std::string& isolation, const std::string& fault) {
        return faulty_check_pipeline(dir, name, isolation, fault, "validate");
    };
    const std::string& isolated = kIsolated;
    auto run = [&](const std::string& command, const std::string& worker_file, const std::string& file) {
        return run_command(dir, command, worker_file, file);
    };
    const std::string worker_file = write_rest_worker_file(dir);

    SUBCASE("a crash, in validate, check and run") {
        const std::string file = validated("vcrash", isolated, "segv");
        for (const char* command : {"validate", "check", "run"}) {
            CAPTURE(command);
            auto r = run(command, worker_file, file);
            CHECK_MESSAGE(r.status == sluice::testing::exited(kInvalidConfig), r.status.describe() << "\n" << r.err);
            CHECK_MESSAGE(r.err.find(file + ":8:11: source.config: connector vcrash.src: plugin fixture_faulty_source (" +
                                     faulty_plugin_dir() + "/faulty_source.so), isolated in a plugin host: validate: the plugin host "
                                     "died during the call") != std::string::npos, r.err);
            CHECK_MESSAGE(r.err.find("(host killed by signal 11 (SIGSEGV)). Last log lines of the host: none") != std::string::npos, r.err);
            CHECK_MESSAGE(r.err.find("1 error in the pipeline configuration") != std::string::npos, r.err);
            CHECK(r.out.find("valid") == std::string::npos);
        }
    }
    SUBCASE("a hang: plugin.call.timeout.ms") {
        auto r = run("validate", worker_file, validated("vhang", isolated, "hang"));
        CHECK_MESSAGE(r.status == sluice::testing::exited(kInvalidConfig), r.status.describe() << "\n" << r.err);
        CHECK_MESSAGE(r.err.find(":8:11: source.config: connector vhang.src: plugin fixture_faulty_source (") != std::string::npos, r.err);
        CHECK_MESSAGE(r.err.find("validate: no answer within plugin.call.timeout.ms (2000 ms), so the plugin host was killed") !=
                          std::string::npos, r.err);
    }
    SUBCASE("an exit() in validate") {
        auto r = run("validate", worker_file, validated("vexit", isolated, "exit"));
        CHECK_MESSAGE(r.status == sluice::testing::exited(kInvalidConfig), r.status.describe() << "\n" << r.err);
        CHECK_MESSAGE(r.err.find("connector vexit.src: plugin fixture_faulty_source (") != std::string::npos, r.err);
        CHECK_MESSAGE(r.err.find("exited with status 0") != std::string::npos, r.err);
    }
    SUBCASE("the worker's default plugin.isolation: process") {
        const std::string process_worker = write_rest_worker_file(dir, "", "plugin.isolation: process\nplugin.call.timeout.ms: 2000\n",
                                                                  "process-worker.yaml");
        const std::string file = validated("vdefault", "", "abort");
        auto r = run("validate", process_worker, file);
        CHECK_MESSAGE(r.status == sluice::testing::exited(kInvalidConfig), r.status.describe() << "\n" << r.err);
        CHECK_MESSAGE(r.err.find(file + ":6:11: source.config: connector vdefault.src: plugin fixture_faulty_source (") != std::string::npos,
                      r.err);
        CHECK_MESSAGE(r.err.find("killed by signal 6 (SIGABRT)") != std::string::npos, r.err);
        // ... unless the connector says in-process: then the crash is the command's.
        auto own = run("validate", process_worker, validated("vown", "  plugin.isolation: in-process\n", "segv"));
        CHECK_MESSAGE((!own.status.exited && own.status.signal == SIGSEGV), own.status.describe() << "\n" << own.err);
    }
    SUBCASE("the plugin's own problems and a clean pass come back from the host as from the worker") {
        for (const std::string& isolation : {isolated, std::string()}) {
            CAPTURE(isolation);
            const std::string refused = dir.file("vrefused.yaml");
            write_file(refused, pipeline("vrefused", "  name: src\n  plugin: fixture_faulty_source\n  topic: vrefused.out\n" + isolation +
                                                         "  config: {fault: refused}\n",
                                         "  - {name: out, plugin: file, config: {path: '" + dir.file("vrefused.jsonl") + "'}}\n"));
            auto r = run("validate", worker_file, refused);
            CHECK_MESSAGE(r.status == sluice::testing::exited(kInvalidConfig), r.status.describe() << "\n" << r.err);
            CHECK_MESSAGE(r.err.find(": source.config.fault: refused by validate, as asked") != std::string::npos, r.err);
            auto fine = run("validate", worker_file, validated("vfine", isolation, "none"));
            CHECK_MESSAGE(fine.status == sluice::testing::exited(0), fine.status.describe() << "\n" << fine.err);
        }
    }
    SUBCASE("in-process, as before, the crash is the command's") {
        auto r = run("validate", worker_file, validated("vinproc", "", "segv"));
        CHECK_MESSAGE((!r.status.exited && r.status.signal == SIGSEGV), r.status.describe() << "\n" << r.err);
    }
    SUBCASE("a pipeline put over REST: 400, the worker stays up") {
        RestWorker worker(dir, worker_file, run_args({}));
        const std::string yaml = "source:\n  name: src\n  plugin: fixture_faulty_source\n  topic: vrest.out\n" + isolated +
                                 "  config: {fault: segv, check: validate}\n";
        auto put = worker.call("PUT", "/pipelines/vrest", yaml, "application/yaml");
        CHECK_MESSAGE(put.status == 400, put.describe());
        CHECK_MESSAGE(put.body.find("connector vrest.src: plugin fixture_faulty_source (") != std::string::npos, put.body);
        CHECK_MESSAGE(put.body.find("killed by signal 11 (SIGSEGV)") != std::string::npos, put.body);
        CHECK(worker.sluice().process().running());
        CHECK(worker.get("/health").status == 200);
        CHECK(worker.get("/pipelines/vrest").status == 404);
        CHECK(hosts_of(worker.sluice().process().pid()).empty());
        REQUIRE(worker.sluice().stop(30s));
    }
}

// An errant record larger than a frame between a plugin host and the worker (16 MiB) is a
// per-record error the connector's error policy decides, not a host death: it crosses
// without its key, value and headers, its message saying its size and the limit.
TEST_CASE("plugin isolation: an isolated source's 20 MiB errant record goes to the error policy, the host lives") {
    TempDir dir;
    std::vector<std::string> files;
    constexpr int kAt = 5;
    for (const std::string tolerance : {"all", "none"}) {
        files.push_back(dir.file("big" + tolerance + ".yaml"));
        write_file(files.back(), pipeline("big" + tolerance,
                                          "  name: src\n  plugin: fixture_faulty_source\n  topic: big" + tolerance +
                                              ".out\n  plugin.isolation: process\n  restart: {policy: never}\n"
                                              "  errors: {tolerance: " + tolerance + ", log.enable: true}\n"
                                              "  config: {fault: big_errant, at: " + std::to_string(kAt) + "}\n",
                                          "  - {name: out, plugin: file, config: {path: '" + dir.file("big" + tolerance + ".jsonl") + "'}}\n"));
    }
    RestWorker worker(dir, write_rest_worker_file(dir), run_args(files));
    // Tolerated: the records after it keep coming from the same host.
    const std::string out = dir.file("bigall.jsonl");
    CHECK_MESSAGE(wait_until([&] { return count_lines(out) >= kAt + 20; }, 30s), count_lines(out) << "\n" << worker.sluice().log());
    auto status = worker.get("/connectors/bigall.src/status");
    CHECK_MESSAGE(task0(status.json).value("state", "") == "RUNNING", status.describe());
    CHECK_MESSAGE(worker.sluice().log().find("is over the 16777216-byte limit of what crosses the plugin host boundary") != std::string::npos,
                  worker.sluice().log());
    CHECK(worker.sluice().log().find("plugin host died") == std::string::npos);
    // Not tolerated: the task fails on that record, saying why; the host did not die of it.
    auto failed = worker.wait_status("bignone.src", [](const nlohmann::json& s) { return task0(s).value("state", "") == "FAILED"; }, 30s);
    const std::string trace = task0(failed).value("trace", "");
    REQUIRE_MESSAGE(task0(failed).value("state", "") == "FAILED", failed.dump());
    CHECK_MESSAGE(trace.find("record 5 is 20 MiB, too much for this plugin (the errant record, ") != std::string::npos, trace);
    CHECK_MESSAGE(trace.find("plugin host died") == std::string::npos, trace);
    CHECK(worker.sluice().process().running());
    REQUIRE(worker.sluice().stop(30s));
}
