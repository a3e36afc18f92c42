// The http source through its ABI against the replay API: AviationStack flights (offset
// pagination, access key in the query), an Opendatasoft parking dataset (mode timestamp,
// a snapshot sharing one time: the equal-time rule), a cursor-paginated API (mode
// incrementing), next links; resuming from a stored offset mid-sweep.
#include "http_test_support.hpp"

#include <set>

using namespace http_test;
using namespace std::chrono_literals;

namespace {

std::map<std::string, std::string> aviationstack_config(const ApiReplay& api, std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> c{{"url", api.url() + "?flight_status=active"},
                                         {"auth.query.name", "access_key"},
                                         {"auth.query.value", "s3cr3t-key"},
                                         {"records.pointer", "/data"},
                                         {"key.fields", "flight.iata"},
                                         {"timestamp.field", "departure.scheduled"},
                                         {"pagination.mode", "offset"},
                                         {"total.pointer", "/pagination/total"},
                                         {"poll.interval.ms", "50"}};
    for (auto& [k, v] : extra) c[k] = v;
    return c;
}

std::map<std::string, std::string> parking_config(const ApiReplay& api, std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> c{{"url", api.url() + "?order_by=updated_at"},
                                         {"records.pointer", "/results"},
                                         {"key.fields", "id"},
                                         {"timestamp.field", "updated_at"},
                                         {"mode", "timestamp"},
                                         {"pagination.mode", "offset"},
                                         {"limit", "20"},
                                         {"total.pointer", "/total_count"},
                                         {"poll.interval.ms", "50"}};
    for (auto& [k, v] : extra) c[k] = v;
    return c;
}

}  // namespace

TEST_CASE("AviationStack flights: every page by offset, key flight.iata, time departure.scheduled, the key never shown") {
    ApiReplay api(Shape::aviationstack, flights(250), "s3cr3t-key");
    FakeHost host;
    CapturingWriter out;
    SourceUnderTest source("http", aviationstack_config(api), host);
    REQUIRE_MESSAGE(source.ok(), source.created.message);
    auto r = run_sweeps(source, out, host, 1);
    REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
    REQUIRE(out.records.size() == 250);
    const auto requests = api.requests();
    REQUIRE(requests.size() == 3);
    for (size_t i = 0; i < 3; ++i) {
        CHECK(requests[i].query.at("offset") == std::to_string(i * 100));
        CHECK(requests[i].query.at("limit") == "100");
        CHECK(requests[i].query.at("access_key") == "s3cr3t-key");
        CHECK(requests[i].query.at("flight_status") == "active");
    }
    CHECK(*out.records[0].key == "\"AF7600\"");
    CHECK(*out.records[249].key == "\"AF7849\"");
    CHECK(Json::parse(*out.records[7].value) == flights(250)[7]);  // the record as the API gave it
    CHECK(out.records[7].timestamp_ms == 1762250820000);            // 2025-11-04T10:07:00Z
    CHECK(!out.records[0].has_source_offset);                       // mode bulk: nothing to resume from
    CHECK(all_logs(host).find("s3cr3t-key") == std::string::npos);
}

TEST_CASE("mode bulk polls again after poll.interval.ms; emit changes leaves out what did not change") {
    ApiReplay api(Shape::aviationstack, flights(30), "k");
    FakeHost host;
    CapturingWriter out;
    SourceUnderTest source("http", aviationstack_config(api, {{"auth.query.value", "k"}, {"emit", "changes"}}), host);
    REQUIRE(source.ok());
    REQUIRE(run_sweeps(source, out, host, 2).status == SLUICE_OK);
    CHECK(out.records.size() == 30);  // the second sweep saw the same flights
    auto changed = flights(30);
    changed[4]["flight_status"] = "landed";
    api.set_records(changed);
    REQUIRE(run_sweeps(source, out, host, 4).status == SLUICE_OK);
    REQUIRE(out.records.size() == 31);
    CHECK(*out.records[30].key == "\"AF7604\"");
}

TEST_CASE("Opendatasoft parking, mode timestamp: a snapshot sharing one time, then a refresh; no duplicate, no gap") {
    ApiReplay api(Shape::opendatasoft, parkings(50, "2025-11-04T17:20:00+00:00"));
    FakeHost host;
    CapturingWriter out;
    SourceUnderTest source("http", parking_config(api), host);
    REQUIRE(source.ok());
    REQUIRE(run_sweeps(source, out, host, 1).status == SLUICE_OK);
    REQUIRE(out.records.size() == 50);
    // The offset rides on the last record of each page; the last one says the sweep is over
    // (no next page) and the cursor holds the 50 keys of the shared time.
    const Json last = Json::parse(out.records.back().source_offset);
    CHECK(last.at("base").at("ts") == "2025-11-04T17:20:00Z");
    CHECK(last.at("base").at("keys").size() == 50);
    CHECK(!last.contains("next"));
    const Json first_page = Json::parse(out.records[19].source_offset);
    CHECK(first_page.at("next") == "20");
    CHECK(first_page.at("base") == Json::object());  // the sweep started from nothing
    CHECK(out.records.back().source_partition.find("\"url\"") != std::string::npos);
    // The same snapshot again: nothing new. Then 5 car parks appear at the same time and a
    // refresh restamps 10 others: exactly those 15 come out.
    REQUIRE(run_sweeps(source, out, host, 2).status == SLUICE_OK);
    CHECK(out.records.size() == 50);
    auto now = parkings(55, "2025-11-04T17:20:00+00:00");
    for (int i = 0; i < 10; ++i) now[i]["updated_at"] = "2025-11-04T17:25:00+00:00";
    api.set_records(now);
    REQUIRE(run_sweeps(source, out, host, 3).status == SLUICE_OK);
    std::set<std::string> keys;
    for (size_t i = 50; i < out.records.size(); ++i) keys.insert(*out.records[i].key);
    CHECK(out.records.size() == 65);
    CHECK(keys.size() == 15);
    CHECK(keys.count("\"P150\""));
    CHECK(keys.count("\"P100\""));
}

TEST_CASE("resuming from an offset stored mid-sweep: the sweep goes on at its next page, nothing twice, nothing missed") {
    ApiReplay api(Shape::opendatasoft, parkings(100, "2025-11-04T17:20:00+00:00"));
    std::vector<CapturedRecord> first_run;
    std::string stored;
    {
        FakeHost host;
        CapturingWriter out;
        SourceUnderTest source("http", parking_config(api), host);
        REQUIRE(source.ok());
        while (out.records.size() < 40) REQUIRE(source.poll(out, 20).status == SLUICE_OK);  // two pages of 20
        first_run = out.records;
        stored = out.records.back().source_offset;
        REQUIRE(out.records.back().has_source_offset);
    }
    CHECK(Json::parse(stored).at("next") == "40");
    FakeHost host;
    host.offsets[first_run.back().source_partition] = stored;
    CapturingWriter out;
    api.server().clear_requests();
    SourceUnderTest source("http", parking_config(api), host);
    REQUIRE(source.ok());
    REQUIRE(run_sweeps(source, out, host, 1).status == SLUICE_OK);
    CHECK(api.requests().front().query.at("offset") == "40");
    std::set<std::string> keys;
    for (const auto& r : first_run) keys.insert(*r.key);
    for (const auto& r : out.records) CHECK_MESSAGE(keys.insert(*r.key).second, *r.key << " twice");
    CHECK(keys.size() == 100);
}

TEST_CASE("a cursor-paginated API, mode incrementing on id: only ids above the stored one") {
    std::vector<Json> items;
    for (int i = 1; i <= 120; ++i) items.push_back(Json{{"id", i}, {"line", "RER B"}, {"delay_s", i % 9 * 60}});
    ApiReplay api(Shape::cursor, items);
    std::map<std::string, std::string> config{{"url", api.url() + "?since={offset.incrementing}"},
                                              {"records.pointer", "/items"},
                                              {"key.fields", "id"},
                                              {"mode", "incrementing"},
                                              {"incrementing.field", "id"},
                                              {"pagination.mode", "cursor"},
                                              {"cursor.pointer", "/meta/next_cursor"},
                                              {"limit", "50"},
                                              {"poll.interval.ms", "50"}};
    FakeHost host;
    CapturingWriter out;
    SourceUnderTest source("http", config, host);
    REQUIRE(source.ok());
    REQUIRE(run_sweeps(source, out, host, 1).status == SLUICE_OK);
    CHECK(out.records.size() == 120);
    auto requests = api.requests();
    REQUIRE(requests.size() == 3);
    CHECK(requests[0].query.at("since") == "0");  // incrementing.initial
    CHECK(requests[0].query.count("cursor") == 0);
    CHECK(requests[1].query.at("cursor") == "c-50");
    CHECK(requests[2].query.at("cursor") == "c-100");
    items.push_back(Json{{"id", 121}, {"line", "RER A"}, {"delay_s", 0}});
    api.set_records(items);
    api.server().clear_requests();
    REQUIRE(run_sweeps(source, out, host, 2).status == SLUICE_OK);
    CHECK(out.records.size() == 121);
    CHECK(api.requests().front().query.at("since") == "120");  // {offset.incrementing} from the cursor
    CHECK(Json::parse(out.records.back().source_offset).at("seen").at("id") == 121);
}

TEST_CASE("next links (relative) are followed to the end") {
    std::vector<Json> departures;
    for (int i = 0; i < 60; ++i) departures.push_back(Json{{"trip", "T" + std::to_string(i)}, {"stop", "Gare de Lyon"}});
    ApiReplay api(Shape::next_link, departures);
    FakeHost host;
    CapturingWriter out;
    SourceUnderTest source("http", {{"url", api.url()}, {"records.pointer", "/departures"}, {"key.fields", "trip"},
                                    {"pagination.mode", "next"}, {"next.pointer", "/links/next"}, {"poll.interval.ms", "50"}},
                           host);
    REQUIRE(source.ok());
    REQUIRE(run_sweeps(source, out, host, 1).status == SLUICE_OK);
    CHECK(out.records.size() == 60);
    CHECK(api.requests().size() == 3);
    CHECK(api.requests()[2].target == "/v1/departures?page=3");
}

TEST_CASE("pre-flight: the first page must hold an array at records.pointer; a wrong key is refused with the API's words") {
    ApiReplay api(Shape::aviationstack, flights(3), "right");
    FakeHost host;
    auto ok = SourceUnderTest::test("http", aviationstack_config(api, {{"auth.query.value", "right"}}), host);
    CHECK_MESSAGE(ok.status == SLUICE_OK, ok.message);
    auto pointer = SourceUnderTest::test("http", aviationstack_config(api, {{"auth.query.value", "right"}, {"records.pointer", "/results"}}), host);
    CHECK(pointer.status != SLUICE_OK);
    CHECK_MESSAGE(pointer.message.find("records.pointer /results is not an array") != std::string::npos, pointer.message);
    auto key = SourceUnderTest::test("http", aviationstack_config(api, {{"auth.query.value", "wrong"}}), host);
    CHECK(key.status != SLUICE_OK);
    CHECK_MESSAGE(key.message.find("invalid_access_key") != std::string::npos, key.message);
    CHECK(key.message.find("wrong") == std::string::npos);  // access_key=*** in the URL shown
}
