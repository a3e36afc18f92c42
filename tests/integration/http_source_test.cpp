// The http source in a real `sluice run` against the replay API (a server thread of this
// test process on 127.0.0.1) serving an Opendatasoft parking dataset: 3 000 availability
// records over 10 refresh times, 60 pages of 50. The worker is killed with SIGKILL mid-sweep
// and started again: every record reaches Kafka, and a record produced twice is one the
// stored offset did not cover yet (a page at or after the one it names).
#include "harness.hpp"
#include "json_api_replay.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <map>
#include <set>
#include <thread>

using namespace sluice::it;
using sluice::testing::HttpRequest;
using sluice::testing::HttpResponse;
using sluice::testing::wait_until;
using sluice::testing::write_file;
namespace replay = sluice::testing::api_replay;

namespace {

// 300 car parks refreshed 10 times, in time order (what order_by=updated_at returns).
std::vector<replay::Json> availability() {
    std::vector<replay::Json> out;
    for (int t = 0; t < 10; ++t)
        for (int p = 0; p < 300; ++p)
            out.push_back(replay::Json{{"id", "P" + std::to_string(p)}, {"free", (p * 13 + t) % 400},
                                       {"updated_at", "2025-11-04T17:" + std::to_string(10 + t) + ":00+00:00"}});
    return out;
}

std::vector<nlohmann::json> stored_offsets(const TempDir& dir, const std::string& bootstrap) {
    std::vector<nlohmann::json> out;
    for (const auto& r : kcat_read(dir, bootstrap, "sluice-offsets")) {
        REQUIRE(r.key);
        if (nlohmann::json::parse(*r.key).at(0) == "parking.availability") out.push_back(nlohmann::json::parse(r.value));
    }
    return out;
}

}  // namespace

TEST_CASE("http: parking availability through sluice run, kill -9 mid-sweep, restart: no gap, duplicates only past the stored offset") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "paris.parking:3"});
    const auto records = availability();
    replay::ApiReplay api(replay::Shape::opendatasoft, records);
    // A slow API (100 ms a page) until the first run is killed, so that the kill lands
    // mid-sweep; then it answers at once.
    std::atomic<int> pages{0};
    std::atomic<bool> killed{false};
    api.set_fault([&](const HttpRequest&) -> std::optional<HttpResponse> {
        ++pages;
        wait_until([&] { return killed.load(); }, std::chrono::milliseconds(100), std::chrono::milliseconds(10));
        return std::nullopt;
    });
    const std::string pipeline = dir.file("parking.yaml");
    write_file(pipeline, "name: parking\n"
                         "source:\n"
                         "  name: availability\n"
                         "  plugin: http\n"
                         "  topic: paris.parking\n"
                         "  config:\n"
                         "    url: " + api.url() + "?order_by=updated_at&where=updated_at%3E%3D%22{offset.timestamp}%22\n"
                         "    records.pointer: /results\n"
                         "    key.fields: [id]\n"
                         "    timestamp.field: updated_at\n"
                         "    mode: timestamp\n"
                         "    pagination.mode: offset\n"
                         "    limit: 50\n"
                         "    total.pointer: /total_count\n"
                         "    poll.interval.ms: 600000\n");
    const std::string worker = write_worker_file(dir, kafka.bootstrap(), {200, 200, ""});
    const std::vector<std::string> args{"run", "--worker", worker, "--plugin-dir", plugin_dir(), pipeline};
    int covered_at_kill = 0;
    {
        Sluice run(dir, args, "run1");
        const bool mid = wait_until(
            [&] { return (pages >= 15 && !stored_offsets(dir, kafka.bootstrap()).empty()) || !run.process().running(); }, 30s,
            100ms);
        REQUIRE_MESSAGE(mid, run.log());
        REQUIRE_MESSAGE(run.process().running(), run.log());
        CHECK(run.process().kill().signal == SIGKILL);
        killed = true;
        const auto last = stored_offsets(dir, kafka.bootstrap()).back();
        REQUIRE_MESSAGE(last.contains("next"), last.dump());
        covered_at_kill = std::stoi(last.at("next").get<std::string>());
        MESSAGE("SIGKILL after ", pages.load(), " pages; the stored offset covers the first ", covered_at_kill, " records");
        CHECK(covered_at_kill > 0);
        CHECK(covered_at_kill < 3000);
    }
    api.server().clear_requests();
    Sluice run(dir, args, "run2");
    std::map<std::string, std::vector<int64_t>> seen;  // "id@updated_at" -> Kafka offsets
    REQUIRE_MESSAGE(wait_until(
                        [&] {
                            seen.clear();
                            for (const auto& r : kcat_read(dir, kafka.bootstrap(), "paris.parking")) {
                                const auto v = nlohmann::json::parse(r.value);
                                seen[v.at("id").get<std::string>() + "@" + v.at("updated_at").get<std::string>()].push_back(r.offset);
                            }
                            return seen.size() >= records.size();
                        },
                        60s, 300ms),
                    run.log());
    CHECK(seen.size() == records.size());
    // The restart probed the first page (the pre-flight check), then went on at the page
    // after the stored one.
    REQUIRE(api.requests().size() >= 2);
    CHECK(api.requests()[0].query.at("offset") == "0");
    CHECK(api.requests()[1].query.at("offset") == std::to_string(covered_at_kill));
    size_t twice = 0;
    for (size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        const auto& copies = seen[r.at("id").get<std::string>() + "@" + r.at("updated_at").get<std::string>()];
        if (copies.size() > 1) {
            ++twice;
            CHECK_MESSAGE(static_cast<int>(i) >= covered_at_kill, "record " << i << " covered by the stored offset came twice");
        }
        CHECK(copies.size() <= 2);
    }
    MESSAGE(twice, " records produced twice (after the stored offset)");
    CHECK(run.stop() == exited(0));
}

TEST_CASE("http: the example pipelines validate as shipped") {
    TempDir dir;
    for (const char* name : {"rennes-to-s3.yaml", "paris-to-dynamodb.yaml", "flights-to-redis.yaml"}) {
        auto r = run_sluice(dir, {"validate", "--plugin-dir", plugin_dir(), source_dir() + "/configs/pipelines/" + name});
        CHECK_MESSAGE(r.status == exited(0), name << ": " << r.err << r.out);
    }
}
