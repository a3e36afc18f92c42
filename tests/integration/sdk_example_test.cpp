// The plugin author's path, as docs/writing-a-plugin.md describes it, with nothing but the
// installed SDK: `cmake --install --component sdk` into a temporary prefix; build
// tests/fixtures/sdk-example (copied out of the source tree) with its own CMake project
// against that prefix, and the source once more with a bare compiler command; list the
// plugins with `sluice plugins`; run the doc's pipeline on the embedded Kafka cluster into
// a file; then twice against sluice-mock-kafka to see a restarted task resume from its
// stored offset.
//
// Also checks that the page and the fixture do not drift apart: every fenced block whose
// info string carries `file=NAME` must equal tests/fixtures/sdk-example/NAME byte for
// byte, every fixture file must be shown, and the block tagged `output=plugins` must be
// what `sluice plugins --plugin-dir build` prints for the built example.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

using namespace sluice::it;
using sluice::testing::read_complete_lines;
using sluice::testing::read_file;
using sluice::testing::RunResult;
using sluice::testing::SpawnOptions;
using sluice::testing::wait_until;
using sluice::testing::write_file;

namespace fs = std::filesystem;

namespace {

const std::string kFixture = "tests/fixtures/sdk-example";
const std::string kDoc = "docs/writing-a-plugin.md";
constexpr int kTasks = 2;  // heartbeat.yaml: tasks
constexpr int kBeats = 20; // heartbeat.yaml: max.beats

std::string fixture_dir() { return source_dir() + "/" + kFixture; }

// ---- the doc's tagged blocks ---------------------------------------------------------------

struct Block {
    std::string tag;  // "file=CMakeLists.txt", "output=plugins"
    std::string text; // the lines between the fences, each ending with LF
    int line = 0;     // of the opening fence
};

// Fenced blocks whose info string has a word with '=' (```cpp file=x.cpp).
std::vector<Block> tagged_blocks(const std::string& markdown) {
    std::vector<Block> blocks;
    std::istringstream in(markdown);
    std::string line;
    int number = 0;
    Block* open = nullptr;
    bool in_untagged = false;
    while (std::getline(in, line)) {
        ++number;
        const bool fence = line.rfind("```", 0) == 0;
        if (open != nullptr) {
            if (line == "```") open = nullptr;
            else open->text += line + "\n";
            continue;
        }
        if (in_untagged) {
            if (line == "```") in_untagged = false;
            continue;
        }
        if (!fence) continue;
        std::istringstream info(line.substr(3));
        std::string word, tag;
        while (info >> word)
            if (word.find('=') != std::string::npos) tag = word;
        if (tag.empty()) {
            in_untagged = true;
            continue;
        }
        blocks.push_back({tag, "", number});
        open = &blocks.back();
    }
    REQUIRE_MESSAGE(open == nullptr, kDoc << ": block " << blocks.back().tag << " is not closed");
    return blocks;
}

// "" when equal, else where the first difference is.
std::string difference(const std::string& expected, const std::string& actual) {
    if (expected == actual) return "";
    std::istringstream e(expected), a(actual);
    std::string le, la;
    for (int n = 1;; ++n) {
        const bool more_e = static_cast<bool>(std::getline(e, le));
        const bool more_a = static_cast<bool>(std::getline(a, la));
        if (!more_e && !more_a) return "they differ in the final line break";
        if (!more_e || !more_a || le != la)
            return "first difference at line " + std::to_string(n) + " of the block:\n  expected: " +
                   (more_e ? le : "<end>") + "\n  actual:   " + (more_a ? la : "<end>");
    }
}

std::map<std::string, Block> blocks_by_tag() {
    std::map<std::string, Block> out;
    for (auto& b : tagged_blocks(read_file(source_dir() + "/" + kDoc))) {
        CHECK_MESSAGE(!out.count(b.tag), kDoc << ":" << b.line << ": " << b.tag << " shown twice");
        out.emplace(b.tag, std::move(b));
    }
    return out;
}

// ---- running the outsider's commands -------------------------------------------------------

// The environment of a developer who has only the installed SDK: nothing that could point
// a compiler or CMake at the source tree, and no make jobserver of an outer build.
SpawnOptions clean_build_env(const std::string& cwd = "") {
    SpawnOptions o;
    o.unset_env = {"CPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH", "CPPFLAGS", "CXXFLAGS", "LDFLAGS",
                   "CMAKE_PREFIX_PATH", "SluiceSDK_DIR", "SluiceSDK_ROOT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"};
    o.cwd = cwd;
    return o;
}

std::string joined(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
    return out;
}

// Runs a build step; fails the test on a non-zero exit or on any warning in its output.
RunResult build_step(const TempDir& dir, const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                     const SpawnOptions& options) {
    RunResult r = sluice::testing::run(argv, dir.path().string(), timeout, options);
    INFO("command: " << joined(argv) << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
    REQUIRE_MESSAGE(!r.timed_out, "timed out");
    REQUIRE_MESSAGE(r.status == (exited(0)), r.status.describe());
    std::string text = r.out + r.err;
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    CHECK_MESSAGE(text.find("warning") == std::string::npos, "the build printed a warning");
    return r;
}

struct Beat {
    int task = -1;
    int64_t seq = -1;
};

// The file sink's lines (format: value), each a JSON beat; fails on anything else.
std::vector<Beat> read_beats(const std::string& path) {
    std::vector<Beat> beats;
    for (const auto& line : read_complete_lines(path)) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        REQUIRE_MESSAGE((j.is_object() && j.size() == 3 && j.contains("task") && j.contains("seq") && j.contains("message")),
                        "unexpected line in " << path << ": " << line);
        Beat b{j["task"].get<int>(), j["seq"].get<int64_t>()};
        CHECK(j["message"] == "beat " + std::to_string(b.seq) + " of task " + std::to_string(b.task));
        beats.push_back(b);
    }
    return beats;
}

// Each task's beats are 0 .. beats-1, once each, in order (a task's beats share a key, so
// one partition).
void check_beats(const std::vector<Beat>& beats, int beats_per_task) {
    CHECK(beats.size() == static_cast<size_t>(kTasks * beats_per_task));
    std::map<int, std::vector<int64_t>> per_task;
    for (const auto& b : beats) per_task[b.task].push_back(b.seq);
    std::vector<int64_t> expected(static_cast<size_t>(beats_per_task));
    for (int i = 0; i < beats_per_task; ++i) expected[static_cast<size_t>(i)] = i;
    CHECK(per_task.size() == static_cast<size_t>(kTasks));
    for (const auto& [task, seqs] : per_task) {
        INFO("task " << task);
        CHECK(seqs == expected);
    }
}

// Runs a pipeline until the output file holds `lines` lines, then stops it with SIGTERM.
void run_until(Sluice& worker, const std::string& output, size_t lines) {
    const bool complete = wait_until(
        [&] { return sluice::testing::count_lines(output) >= lines || !worker.process().running(); }, 60s, 50ms);
    INFO("worker log:\n" << worker.log());
    REQUIRE_MESSAGE(worker.process().running(), "the worker ended early: " << worker.process().status()->describe());
    REQUIRE_MESSAGE(complete, "after 60 s, " << output << " holds " << sluice::testing::count_lines(output)
                                             << " lines, expected " << lines);
    auto status = worker.stop(40s);
    REQUIRE_MESSAGE(status.has_value(), "the worker did not stop within 40 s of SIGTERM");
    CHECK_MESSAGE(*status == (exited(0)), status->describe());
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, "'" << from << "' not found");
    return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("writing-a-plugin.md shows exactly the files of tests/fixtures/sdk-example") {
    const auto blocks = blocks_by_tag();
    std::set<std::string> shown;
    for (const auto& [tag, block] : blocks) {
        if (tag.rfind("file=", 0) != 0) continue;
        const std::string name = tag.substr(5);
        shown.insert(name);
        const std::string path = fixture_dir() + "/" + name;
        REQUIRE_MESSAGE(fs::is_regular_file(path), kDoc << ":" << block.line << ": " << kFixture << "/" << name << " does not exist");
        const std::string diff = difference(read_file(path), block.text);
        CHECK_MESSAGE(diff.empty(), kDoc << ":" << block.line << ": the block differs from " << kFixture << "/" << name << ": "
                                         << diff << "\n(change both together)");
    }
    for (const auto& entry : fs::directory_iterator(fixture_dir()))
        CHECK_MESSAGE(shown.count(entry.path().filename().string()),
                      kFixture << "/" << entry.path().filename().string() << " is not shown in " << kDoc);
    CHECK_MESSAGE(blocks.count("output=plugins"), kDoc << " has no block tagged output=plugins");
}

TEST_CASE("an outsider installs the SDK, builds the example two ways, lists it and runs it") {
    TempDir dir;
    const std::string prefix = dir.file("prefix");
    const std::string project = dir.file("project");
    const std::string build = project + "/build";
    const std::string plugins = dir.file("plugins");  // "the plugin directory"

    // 1. Install only the SDK part of this sluice build.
    build_step(dir, {SLUICE_CMAKE_COMMAND, "--install", SLUICE_BINARY_DIR, "--prefix", prefix, "--component", "sdk"}, 60s,
               clean_build_env());
    std::set<std::string> installed;
    for (const auto& e : fs::recursive_directory_iterator(prefix))
        if (e.is_regular_file()) installed.insert(fs::relative(e.path(), prefix).string());
    INFO("installed: " << joined({installed.begin(), installed.end()}));
    CHECK(installed.count("include/sluice/abi.h"));
    CHECK(installed.count("include/sluice/sdk.hpp"));
    CHECK(std::any_of(installed.begin(), installed.end(),
                      [](const std::string& f) { return f.find("cmake/SluiceSDK/SluiceSDKConfig.cmake") != std::string::npos; }));
    for (const auto& f : installed)  // the SDK component only: no program, no plugin
        CHECK_MESSAGE((f.rfind("include/sluice/", 0) == 0 || f.find("/cmake/SluiceSDK/") != std::string::npos),
                      "the sdk component installs " << f);

    // 2. The example project, out of the source tree, built by its own CMake run.
    fs::create_directories(project);
    for (const auto& e : fs::directory_iterator(fixture_dir()))
        if (e.is_regular_file()) fs::copy_file(e.path(), project + "/" + e.path().filename().string());
    build_step(dir,
               {SLUICE_CMAKE_COMMAND, "-S", project, "-B", build, "-DCMAKE_PREFIX_PATH=" + prefix,
                "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_CXX_COMPILER=" SLUICE_CXX_COMPILER,
                "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF",
                "-DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF"},
               120s, clean_build_env());
    build_step(dir, {SLUICE_CMAKE_COMMAND, "--build", build, "-j", "2"}, 300s, clean_build_env());
    REQUIRE(fs::is_regular_file(build + "/sluice_source_heartbeat.so"));
    REQUIRE(fs::is_regular_file(build + "/sluice_sink_print.so"));
    // It found the SDK in the prefix, and nothing it compiled looked into the source tree.
    const std::string cache = read_file(build + "/CMakeCache.txt");
    const auto sdk_dir = cache.find("SluiceSDK_DIR:PATH=" + prefix + "/");
    CHECK_MESSAGE(sdk_dir != std::string::npos, "SluiceSDK was not found in " << prefix);
    const std::string commands = read_file(build + "/compile_commands.json");
    CHECK_MESSAGE(commands.find(source_dir() + "/core") == std::string::npos,
                  "the example's compile commands point into the source tree:\n" << commands);
    const bool uses_prefix = commands.find("-I" + prefix + "/include") != std::string::npos ||
                             commands.find("-isystem " + prefix + "/include") != std::string::npos;
    CHECK_MESSAGE(uses_prefix, "the example's compile commands do not include " << prefix << "/include");

    // 3. The same source with the bare compiler command of the doc.
    const std::string bare = dir.file("bare");
    fs::create_directories(bare);
    build_step(dir,
               {SLUICE_CXX_COMPILER, "-std=c++20", "-O2", "-fPIC", "-shared", "-fvisibility=hidden",
                "-fvisibility-inlines-hidden", "-Wall", "-Wextra", "-Wpedantic", "-Wl,-z,defs", "-I" + prefix + "/include",
                "-o", bare + "/sluice_source_heartbeat.so", project + "/heartbeat_source.cpp"},
               120s, clean_build_env(bare));

    // 4. `sluice plugins` lists them, exactly as the doc shows.
    {
        SpawnOptions o;
        o.cwd = project;
        RunResult r = run_sluice(dir, {"plugins", "--plugin-dir", "build"}, 30s, o);
        INFO("stderr:\n" << r.err);
        REQUIRE(r.status == (exited(0)));
        const auto blocks = blocks_by_tag();
        REQUIRE(blocks.count("output=plugins"));
        const std::string diff = difference(blocks.at("output=plugins").text, r.out);
        CHECK_MESSAGE(diff.empty(), kDoc << ":" << blocks.at("output=plugins").line
                                         << ": the output=plugins block is not what `sluice plugins --plugin-dir build` prints: "
                                         << diff << "\nactual output:\n" << r.out);
    }
    {
        RunResult r = run_sluice(dir, {"plugins", "--plugin-dir", bare, "--json"});
        REQUIRE(r.status == (exited(0)));
        const auto j = nlohmann::json::parse(r.out);
        CHECK(j["refused"].empty());
        REQUIRE(j["plugins"].size() == 1);
        const auto& p = j["plugins"][0];
        CHECK(p["kind"] == "source");
        CHECK(p["name"] == "heartbeat");
        CHECK(p["version"] == "1.0.0");
        CHECK(p["max_tasks"] == 8);
        std::vector<std::string> keys;
        for (const auto& k : p["config"]) keys.push_back(k["name"].get<std::string>() + ":" + k["type"].get<std::string>() + ":" +
                                                         k.value("default", std::string("-")));
        CHECK(keys == std::vector<std::string>{"interval.ms:integer:1000", "message:string:beat {seq} of task {task}",
                                               "format:string:json", "max.beats:integer:0"});
    }

    // 5. Dropped into a plugin directory next to the built-in plugins (the file sink).
    fs::create_directories(plugins);
    for (const char* so : {"sluice_source_heartbeat.so", "sluice_sink_print.so"})
        fs::copy_file(build + "/" + so, plugins + "/" + so);
    const std::string plugin_path = plugin_dir() + ":" + plugins;

    // 6. The pre-flight test refuses a bad message template; nothing starts.
    {
        const std::string bad = project + "/bad-message.yaml";
        write_file(bad, replaced(read_file(project + "/heartbeat.yaml"), "\"beat {seq} of task {task}\"", "\"beat {count}\""));
        SpawnOptions o;
        o.cwd = project;
        o.env["SLUICE_PLUGIN_PATH"] = plugin_path;
        RunResult r = run_sluice(dir, {"check", bad}, 30s, o);
        INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
        CHECK(r.status == (exited(3)));
        CHECK(r.err.find("pre-flight check failed: heartbeat.beats (source plugin heartbeat): message: unknown placeholder "
                         "{count} (use {seq} or {task})") != std::string::npos);
    }

    // 7. The doc's pipeline, as the doc runs it: no worker file, so the embedded cluster.
    {
        const std::string output = dir.file("embedded.jsonl");
        SpawnOptions o;
        o.cwd = project;
        o.env["SLUICE_PLUGIN_PATH"] = plugin_path;
        o.env["HEARTBEAT_OUTPUT"] = output;
        Sluice worker(dir, {"run", "heartbeat.yaml"}, "embedded", o);
        run_until(worker, output, kTasks * kBeats);
        const std::string log = worker.log();
        INFO("worker log:\n" << log);
        for (int t = 0; t < kTasks; ++t)
            CHECK(log.find("[heartbeat.beats/" + std::to_string(t) + "] heartbeat: task " + std::to_string(t) + " of 2 starts at beat 0") !=
                  std::string::npos);
        check_beats(read_beats(output), kBeats);
    }

    // 8. Resuming: against a cluster that outlives the worker, a second run with more beats
    // continues where the first stopped, each task from its own stored offset.
    {
        MockKafka kafka(dir, {"sluice-offsets:1", "heartbeats:4"});
        WorkerFileOptions options;
        options.extra = "plugin.path: [\"" + plugin_dir() + "\", \"" + plugins + "\"]\n";
        const std::string worker_file = write_worker_file(dir, kafka.bootstrap(), options);
        const std::string output = dir.file("resumed.jsonl");
        const std::string more = project + "/heartbeat-30.yaml";
        write_file(more, replaced(read_file(project + "/heartbeat.yaml"), "max.beats: 20 ", "max.beats: 30 "));
        SpawnOptions o;
        o.cwd = project;
        o.env["HEARTBEAT_OUTPUT"] = output;
        {
            Sluice first(dir, {"run", "--worker", worker_file, "heartbeat.yaml"}, "first", o);
            run_until(first, output, kTasks * kBeats);
        }
        Sluice second(dir, {"run", "--worker", worker_file, more}, "second", o);
        run_until(second, output, kTasks * 30);
        const std::string log = second.log();
        INFO("second worker log:\n" << log);
        for (int t = 0; t < kTasks; ++t)
            CHECK(log.find("heartbeat: task " + std::to_string(t) + " of 2 starts at beat 20") != std::string::npos);
        check_beats(read_beats(output), 30);
    }
}
