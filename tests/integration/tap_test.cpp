// GET /connectors/{name}/tap and `sluice tap` against a real worker: a datagen source and a
// file sink tapped with curl and with the CLI (topic, partition, offset, key, value,
// timestamp), bad requests, and a client that never reads: the pipeline keeps its pace,
// the worker's memory stays bounded, and once the client reads it is told what it lost.
#include "raw_http.hpp"
#include "rest_client.hpp"

#include <doctest/doctest.h>

#include <regex>

using namespace sluice::it;
using sluice::testing::wait_until;

namespace {

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::string line;
    for (char c : text) {
        if (c == '\n') out.push_back(std::exchange(line, {}));
        else line += c;
    }
    if (!line.empty()) out.push_back(line);
    return out;
}

// The `data:` lines of an event stream, parsed.
std::vector<nlohmann::json> events(const std::string& text, const std::string& name = "record") {
    std::vector<nlohmann::json> out;
    std::string current;
    for (const auto& line : split_lines(text)) {
        if (line.rfind("event: ", 0) == 0) current = line.substr(7);
        else if (line.rfind("data: ", 0) == 0 && current == name) {
            auto j = nlohmann::json::parse(line.substr(6), nullptr, false);
            if (!j.is_discarded()) out.push_back(std::move(j));
        }
    }
    return out;
}

// curl reading the stream for `seconds` (it then ends with its timeout, as intended).
std::string curl_stream(const TempDir& dir, const std::string& url, int seconds) {
    const std::string out = dir.file("stream-" + std::to_string(std::rand()) + ".txt");
    sluice::testing::run({"curl", "-sN", "--max-time", std::to_string(seconds), "-o", out, url}, dir.path().string(), 60s);
    std::error_code ec;
    return std::filesystem::exists(out, ec) ? sluice::testing::read_file(out) : "";
}

void check_record(const nlohmann::json& r, const std::string& connector, const std::string& stage, const std::string& topic) {
    CHECK(r["connector"] == connector);
    CHECK(r["stage"] == stage);
    CHECK(r["topic"] == topic);
    CHECK(r["partition"].get<int>() >= 0);
    CHECK(r["offset"].get<int64_t>() >= 0);
    // A source's record carries what Kafka acknowledged: the embedded (mock) cluster answers
    // a fixed LogAppendTime, a real broker the create time; a sink's, the record's own.
    CHECK(r["timestamp"].get<int64_t>() > (stage == "sink" ? 1'000'000'000'000 : 0));
    CHECK(r["key"].is_string());
    CHECK(r["value"].is_object());
    CHECK(r["value"].contains("sensor_id"));
    CHECK(r["headers"].is_array());
}

}  // namespace

TEST_CASE("tap: source and sink records with their coordinates, over curl and the CLI") {
    TempDir dir;
    RestWorker w(dir, write_rest_worker_file(dir, "", "rest.file.allowed.paths: [\"" + dir.path().string() + "\"]\n"));
    auto gen = w.call("POST", "/connectors", connector_body("gen", {{"connector.class", "datagen"}, {"topic", "tap.t"}, {"rate", "200"},
                                                                     {"key.converter", "org.apache.kafka.connect.storage.StringConverter"}}));
    REQUIRE_MESSAGE(gen.status == 201, gen.describe());
    auto sink = w.call("POST", "/connectors", connector_body("archive", {{"connector.class", "file"}, {"topics", "tap.t"},
                                                                          {"path", dir.file("out.jsonl")}, {"format", "envelope"}}));
    REQUIRE_MESSAGE(sink.status == 201, sink.describe());

    // curl: records of the source, as Kafka acknowledged them.
    std::vector<nlohmann::json> got;
    REQUIRE(wait_until([&] { return (got = events(curl_stream(dir, w.base() + "/connectors/gen/tap?max_rate=1000", 2))).size() >= 5; }, 30s, 10ms));
    for (const auto& r : got) check_record(r, "gen", "source", "tap.t");
    CHECK(got.front()["dropped"] == 0);

    // The CLI: one JSON object per line, the sink's records as put receives them.
    auto cli = run_sluice(dir, {"tap", "archive", "--url", w.base(), "--limit", "5", "--max-rate", "1000"}, 30s);
    REQUIRE_MESSAGE(cli.status == exited(0), cli.err);
    auto lines = split_lines(cli.out);
    REQUIRE(lines.size() == 5);
    for (const auto& line : lines) {
        auto r = nlohmann::json::parse(line, nullptr, false);
        REQUIRE_FALSE(r.is_discarded());
        check_record(r, "archive", "sink", "tap.t");
        CHECK_FALSE(r.contains("dropped"));
    }

    // Sampling: about one record in ten (the generator's pace is 200/s).
    auto sampled = events(curl_stream(dir, w.base() + "/connectors/gen/tap?sample=0.1&max_rate=1000", 2));
    CHECK(sampled.size() < 100);

    // Bad requests.
    CHECK(w.get("/connectors/nope/tap").status == 404);
    CHECK(w.get("/connectors/gen/tap?sample=0").status == 400);
    CHECK(w.get("/connectors/gen/tap?max_rate=fast").status == 400);
    CHECK(w.get("/connectors/gen/tap?buffer=100000").status == 400);
    auto cli_unknown = run_sluice(dir, {"tap", "nope", "--url", w.base()}, 30s);
    CHECK(cli_unknown.status == exited(4));
    CHECK(cli_unknown.err.find("Connector nope not found") != std::string::npos);
    CHECK(run_sluice(dir, {"tap"}, 30s).status == exited(2));
    CHECK(run_sluice(dir, {"tap", "gen", "--url", "ftp://x"}, 30s).status == exited(2));
}

TEST_CASE("tap: a client that never reads neither slows the pipeline nor grows the worker, and learns what it lost") {
    TempDir dir;
    RestWorker w(dir, write_rest_worker_file(dir, "", "rest.file.allowed.paths: [\"" + dir.path().string() + "\"]\n"));
    const std::string out = dir.file("out.jsonl");
    REQUIRE(w.call("POST", "/connectors", connector_body("gen", {{"connector.class", "datagen"}, {"topic", "slow.t"}, {"rate", "20000"}})).status == 201);
    REQUIRE(w.call("POST", "/connectors", connector_body("archive", {{"connector.class", "file"}, {"topics", "slow.t"}, {"path", out}})).status == 201);
    REQUIRE_MESSAGE(wait_until([&] { return sluice::testing::count_lines(out) > 1000; }, 60s, 50ms),
                    sluice::testing::count_lines(out), " lines; log:\n", w.sluice().log());
    const size_t rss_before = rss_kib(w.sluice().process().pid());

    // The stalled client: asks for everything, reads nothing.
    const uint16_t port = static_cast<uint16_t>(std::stoi(w.base().substr(w.base().rfind(':') + 1)));
    RawConnection stalled(port);
    REQUIRE(stalled.ok());
    REQUIRE(stalled.send("GET /connectors/gen/tap?max_rate=10000&buffer=64 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));

    // Meanwhile the pipeline goes on (well past what the client's socket can hold), and the
    // worker's memory does not follow the records the client misses.
    expect_output_keeps_growing(w.sluice(), out, 20000);
    const size_t rss_after = rss_kib(w.sluice().process().pid());
    CHECK_MESSAGE(rss_after < rss_before + 64 * 1024, "RSS went from ", rss_before / 1024, " MiB to ", rss_after / 1024, " MiB");

    // Reading now, the client finds an event telling how many records it lost.
    std::string received;
    const std::regex lost(R"("dropped":[1-9])");
    CHECK(wait_until(
        [&] {
            if (!stalled.receive(received, std::chrono::steady_clock::now() + 200ms) && received.empty()) return false;
            if (std::regex_search(received, lost)) return true;
            if (received.size() > 64 * 1024) received.erase(0, received.size() - 4096);  // keep a partial event
            return false;
        },
        30s, 10ms));
    // Other clients are served meanwhile.
    CHECK(events(curl_stream(dir, w.base() + "/connectors/gen/tap?max_rate=1000", 1)).size() > 0);
}
