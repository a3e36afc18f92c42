// The opendatasoft source through its ABI against the replay server serving the real
// fixtures: exact counts and contents, offsets, resuming, later snapshots, emit: changes,
// the 10 000 offset cap, the v1 API and the pre-flight check.
#include "ods_test_support.hpp"

#include <algorithm>
#include <set>

using namespace ods_test;
using sluice::testing::CapturedRecord;
using sluice::testing::CapturingWriter;
using sluice::testing::FakeHost;
using sluice::testing::SourceUnderTest;
using sluice::testing::ods_replay::instant;
using sluice::testing::ods_replay::ReplayServer;

namespace {

Json parse(const std::optional<std::string>& text) {
    REQUIRE(text);
    return Json::parse(*text);
}

std::map<std::string, const Json*> by_key_field(const Dataset& d, const std::string& field) {
    std::map<std::string, const Json*> out;
    for (const auto& r : d.records) out[r.at(field).dump()] = &r;
    return out;
}

std::int64_t max_instant(const Dataset& d, const std::string& field) {
    std::int64_t m = 0;
    for (const auto& r : d.records)
        if (r.contains(field) && r.at(field).is_string()) m = std::max(m, *instant(r.at(field).get<std::string>()));
    return m;
}

// Every record value compared with the fixture record of the same key.
void expect_same_as_fixture(const std::vector<CapturedRecord>& records, const Dataset& d, const std::string& key,
                            const std::string& ts) {
    auto truth = by_key_field(d, key);
    std::set<std::string> seen;
    for (const auto& rec : records) {
        Json k = parse(rec.key);
        const std::string id = k.begin().value().dump();
        CHECK_MESSAGE(seen.insert(id).second, "key emitted twice: " << id);
        REQUIRE_MESSAGE(truth.count(id), "unknown key " << id);
        const Json& want = *truth[id];
        const Json got = parse(rec.value);
        for (auto it = want.begin(); it != want.end(); ++it) {
            const Json& g = got.contains(it.key()) ? got.at(it.key()) : Json();
            if (it.value().is_string() && instant(it.value().get<std::string>()) && g.is_string())
                CHECK_MESSAGE(*instant(g.get<std::string>()) == *instant(it.value().get<std::string>()), it.key());
            else
                CHECK_MESSAGE(g == it.value(), id << " " << it.key() << ": " << g.dump() << " != " << it.value().dump());
        }
        CHECK(rec.timestamp_ms == *instant(want.at(ts).get<std::string>()));
    }
}

}  // namespace

TEST_CASE("Bordeaux ci_trafi_l: one sweep emits the 694 records of the snapshot, exactly, in timestamp order") {
    ReplayServer server;
    const Dataset truth = ci_trafi_l();
    server.put(truth);
    FakeHost host;
    CapturingWriter out;
    SourceUnderTest source("opendatasoft", config(server.url(), "ci_trafi_l", "mdate", "gid"), host);
    REQUIRE_MESSAGE(source.ok(), source.created.message);
    auto r = run_sweeps(source, out, host, 1);
    REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
    REQUIRE_MESSAGE(count_logs(host, "sweep done") == 1, all_logs(host));

    REQUIRE(out.records.size() == truth.records.size());
    CHECK(out.records.size() == 694);
    expect_same_as_fixture(out.records, truth, "gid", "mdate");
    for (std::size_t i = 1; i < out.records.size(); ++i) CHECK(out.records[i - 1].timestamp_ms <= out.records[i].timestamp_ms);

    // geo_point_2d and geo_shape as the fixture's first row says (CSV "lat,lon", GeoJSON text).
    const auto first = std::find_if(out.records.begin(), out.records.end(), [](const CapturedRecord& c) { return *c.key == R"({"gid":1081})"; });
    REQUIRE(first != out.records.end());
    const Json v = parse(first->value);
    CHECK(v.at("geo_point_2d") == Json::parse(R"({"lat":44.80923708994761,"lon":-0.5321850545605549})"));
    CHECK(v.at("geo_shape").at("type") == "LineString");
    CHECK(v.at("geo_shape").at("coordinates").size() == 8);
    CHECK(v.at("gml_id") == "CI_TRAFI_L.1081");

    // One offset per page, on its last record; the last one holds every key at the newest mdate.
    const std::int64_t newest = max_instant(truth, "mdate");
    std::size_t at_newest = 0;
    for (const auto& rec : truth.records) at_newest += *instant(rec.at("mdate").get<std::string>()) == newest;
    const Json offset = Json::parse(last_offset(out.records));
    CHECK(offset.at("ts") == "2025-12-18T08:50:50Z");
    CHECK(offset.at("keys").size() == at_newest);
    CHECK(at_newest == 443);
    const auto with_offset = std::count_if(out.records.begin(), out.records.end(), [](const CapturedRecord& c) { return c.has_source_offset; });
    CHECK(with_offset == 7);
    CHECK(out.records.back().source_partition ==
          R"({"portal":")" + server.url() + R"(","dataset":"ci_trafi_l"})");

    // Requests: the schema once, then pages of 100 ordered by (mdate, gid), never past the cap.
    const auto requests = server.requests();
    CHECK(requests.front().path == "/api/explore/v2.1/catalog/datasets/ci_trafi_l");
    CHECK(requests.at(1).query.at("order_by") == "mdate ASC, gid ASC");
    CHECK(requests.at(1).query.count("where") == 0);
    CHECK(server.refused_for_depth() == 0);

    // A second sweep over the unchanged dataset emits nothing, and starts at the cursor.
    server.clear_requests();
    r = run_sweeps(source, out, host, 2);
    REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
    CHECK(out.records.size() == 694);
    CHECK(server.requests().at(0).query.at("where") == "mdate >= date'2025-12-18T08:50:50Z'");
}

TEST_CASE("resuming from a stored offset mid-snapshot: no duplicate, no gap") {
    ReplayServer server;
    const Dataset truth = ci_trafi_l();
    server.put(truth);
    const auto cfg = config(server.url(), "ci_trafi_l", "mdate", "gid");
    FakeHost first_host;
    CapturingWriter first;
    std::string partition, offset;
    {
        SourceUnderTest source("opendatasoft", cfg, first_host);
        REQUIRE(source.ok());
        // Three pages, then the task "dies": only what carried an offset counts as stored.
        for (int polls = 0; polls < 50 && first.records.size() < 300; ++polls) REQUIRE(source.poll(first, 20).status == SLUICE_OK);
        REQUIRE(first.records.size() == 300);
        partition = first.records.back().source_partition;
        offset = first.records.back().source_offset;
    }
    const Json stored = Json::parse(offset);
    CHECK(stored.at("ts") == "2025-12-18T08:50:50Z");  // mid-way through the 443 records at the newest mdate
    CHECK(stored.at("keys").size() == 49);

    FakeHost host;
    host.offsets[partition] = offset;
    CapturingWriter rest;
    SourceUnderTest resumed("opendatasoft", cfg, host);
    REQUIRE(resumed.ok());
    CHECK(count_logs(host, "resumes after 2025-12-18T08:50:50Z (49 keys already emitted at that time)") == 1);
    auto r = run_sweeps(resumed, rest, host, 1);
    REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
    CHECK(rest.records.size() == 694 - 300);
    std::vector<CapturedRecord> all = first.records;
    all.insert(all.end(), rest.records.begin(), rest.records.end());
    REQUIRE(all.size() == truth.records.size());
    expect_same_as_fixture(all, truth, "gid", "mdate");  // checks every key exactly once
}

namespace {

// The next refresh of ci_trafi_l as the portal would publish it: every record re-stamped in
// the last 10 minutes (mdate >= 08:50:00) gets mdate + 10 min, and `changed` of them a new etat.
Dataset refreshed(const Dataset& before, std::size_t changed, std::size_t* restamped) {
    Dataset after = before;
    const std::int64_t recent = *instant("2025-12-18T08:50:00+00:00");
    *restamped = 0;
    std::size_t done = 0;
    for (auto& r : after.records) {
        const std::int64_t t = *instant(r.at("mdate").get<std::string>());
        if (t < recent) continue;
        ++*restamped;
        r["mdate"] = t == recent ? "2025-12-18T09:00:00+00:00" : "2025-12-18T09:00:50+00:00";
        if (done < changed && r.at("etat") == "FLUIDE") {
            r["etat"] = "DENSE";
            ++done;
        }
    }
    REQUIRE(done == changed);
    return after;
}

}  // namespace

TEST_CASE("a later snapshot: emit all gives every re-stamped record, emit changes only those whose fields changed") {
    for (const std::string emit : {"all", "changes"}) {
        CAPTURE(emit);
        ReplayServer server;
        const Dataset before = ci_trafi_l();
        server.put(before);
        FakeHost host;
        CapturingWriter out;
        SourceUnderTest source("opendatasoft", config(server.url(), "ci_trafi_l", "mdate", "gid", {{"emit", emit}}), host);
        REQUIRE(source.ok());
        REQUIRE(run_sweeps(source, out, host, 1).status == SLUICE_OK);
        REQUIRE(out.records.size() == 694);
        std::size_t restamped = 0;
        server.put(refreshed(before, 34, &restamped));
        CHECK(restamped == 565);
        out.records.clear();
        REQUIRE(run_sweeps(source, out, host, 2).status == SLUICE_OK);
        if (emit == "all") {
            CHECK(out.records.size() == restamped);
        } else {
            REQUIRE(out.records.size() == 34);
            for (const auto& rec : out.records) CHECK(parse(rec.value).at("etat") == "DENSE");
        }
        // A third sweep over the same data: nothing new.
        out.records.clear();
        REQUIRE(run_sweeps(source, out, host, 3).status == SLUICE_OK);
        CHECK(out.records.empty());
    }
}

TEST_CASE("Rennes 2021 then 2025 (schema changed between polls): all records of each snapshot, duplicated keys reported") {
    ReplayServer server;
    const Dataset old_snapshot = rennes_2021();
    const Dataset new_snapshot = rennes_2025();
    server.put(old_snapshot);
    std::set<std::string> unique_old;
    for (const auto& r : old_snapshot.records) unique_old.insert(r.at("predefinedlocationreference").get<std::string>());
    const std::size_t repeated = old_snapshot.records.size() - unique_old.size();
    CHECK(repeated == 8);

    FakeHost host;
    CapturingWriter out;
    // The 2021/2025 exports spell it predefinedLocationReference; the API names are lower-case.
    SourceUnderTest source("opendatasoft",
                           config(server.url(), "etat-du-trafic-en-temps-reel", "datetime", "predefinedLocationReference",
                                  {{"timezone", "Europe/Paris"}}),
                           host);
    REQUIRE(source.ok());
    REQUIRE(run_sweeps(source, out, host, 1).status == SLUICE_OK);
    CHECK(out.records.size() == unique_old.size());
    CHECK(count_logs(host, std::to_string(repeated) + " records of dataset 'etat-du-trafic-en-temps-reel' repeated a key") == 1);
    CHECK(out.records.front().key->rfind(R"({"predefinedLocationReference":")", 0) == 0);
    for (const auto& rec : out.records) CHECK(rec.timestamp_ms == *instant("2021-08-09T08:17:00+02:00"));

    server.put(new_snapshot);
    out.records.clear();
    REQUIRE(run_sweeps(source, out, host, 2).status == SLUICE_OK);
    CHECK(out.records.size() == new_snapshot.records.size());
    CHECK(out.records.size() == 2859);
    expect_same_as_fixture(out.records, new_snapshot, "predefinedlocationreference", "datetime");
    CHECK(count_logs(host, "the fields of dataset 'etat-du-trafic-en-temps-reel' changed: added [gml_id, hierarchie") == 1);
    const Json offset = Json::parse(last_offset(out.records));
    CHECK(offset.at("ts") == "2025-11-04T16:24:00Z");
    CHECK(offset.at("keys").size() == 2859);
}

TEST_CASE("Rennes with key_fields [predefinedLocationReference, id]: all 2 369 records of 2021, null ids included") {
    ReplayServer server;
    server.put(rennes_2021());
    FakeHost host;
    CapturingWriter out;
    SourceUnderTest source("opendatasoft", config(server.url(), "etat-du-trafic-en-temps-reel", "datetime", "predefinedLocationReference,id"), host);
    REQUIRE(source.ok());
    auto r = run_sweeps(source, out, host, 1);
    REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
    CHECK(out.records.size() == 2369);
    CHECK(count_logs(host, "repeated a key") == 0);
    std::size_t null_ids = 0;
    for (const auto& rec : out.records) null_ids += parse(rec.key).at("id").is_null();
    CHECK(null_ids == 103);
    CHECK(server.requests().at(1).query.at("order_by") == "datetime ASC, predefinedlocationreference ASC, id ASC");
}

TEST_CASE("Rennes 2021 -> 2025 with emit: changes on trafficStatus: new segments and changed statuses only") {
    ReplayServer server;
    const Dataset before = rennes_2021(), after = rennes_2025();
    // Expected from the fixtures: the first record of each key in 2021 is the one emitted.
    std::map<std::string, std::string> status_before;
    for (const auto& r : before.records)
        status_before.emplace(r.at("predefinedlocationreference").get<std::string>(), r.at("trafficstatus").get<std::string>());
    std::size_t fresh = 0, changed = 0;
    for (const auto& r : after.records) {
        auto it = status_before.find(r.at("predefinedlocationreference").get<std::string>());
        if (it == status_before.end()) ++fresh;
        else if (it->second != r.at("trafficstatus").get<std::string>()) ++changed;
    }
    MESSAGE("Rennes 2021 -> 2025: ", fresh, " new segments, ", changed, " trafficStatus changes, ",
            after.records.size() - fresh - changed, " unchanged");
    server.put(before);
    FakeHost host;
    CapturingWriter out;
    SourceUnderTest source("opendatasoft",
                           config(server.url(), "etat-du-trafic-en-temps-reel", "datetime", "predefinedLocationReference",
                                  {{"emit", "changes"}, {"change_fields", "trafficStatus"}}),
                           host);
    REQUIRE(source.ok());
    REQUIRE(run_sweeps(source, out, host, 1).status == SLUICE_OK);
    CHECK(out.records.size() == status_before.size());
    server.put(after);
    out.records.clear();
    REQUIRE(run_sweeps(source, out, host, 2).status == SLUICE_OK);
    CHECK(out.records.size() == fresh + changed);
    CHECK(fresh + changed < after.records.size());
}

TEST_CASE("pc_capte_p: records without mdate go to the error policy, naming the field; the others are emitted") {
    ReplayServer server;
    const Dataset truth = pc_capte_p();
    server.put(truth);
    std::size_t without_mdate = 0, without_count = 0;
    for (const auto& r : truth.records) {
        without_mdate += !r.contains("mdate");
        without_count += !r.contains("comptage_5m");
    }
    CHECK(without_mdate == 12);
    CHECK(without_count == 173);  // API_NOTES says 161; the stored file has 173
    SUBCASE("tolerated") {
        FakeHost host;
        host.enable_errant(SLUICE_OK);
        CapturingWriter out;
        SourceUnderTest source("opendatasoft", config(server.url(), "pc_capte_p", "mdate", "gid"), host);
        REQUIRE(source.ok());
        auto r = run_sweeps(source, out, host, 1);
        REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
        CHECK(out.records.size() == truth.records.size() - without_mdate);
        REQUIRE(host.errants.size() == without_mdate);
        for (const auto& errant : host.errants) {
            const std::string& message = errant.message;
            CHECK(message.find("dataset 'pc_capte_p', field 'mdate': record has no value for the timestamp field 'mdate'") != std::string::npos);
            CHECK(message.find("/api/explore/v2.1/catalog/datasets/pc_capte_p/records") != std::string::npos);
            CHECK(Json::parse(errant.value.value_or("")).contains("gid"));
        }
        // v2.1 answers carry every field of the schema: a value the export left out is null.
        std::size_t null_count = 0;
        for (const auto& rec : out.records) null_count += parse(rec.value).at("comptage_5m").is_null();
        std::size_t expected_null = 0;
        for (const auto& rec : truth.records) expected_null += rec.contains("mdate") && !rec.contains("comptage_5m");
        CHECK(null_count == expected_null);
        CHECK(count_logs(host, "12 errant") == 1);
    }
    SUBCASE("not tolerated: the task fails with the reason") {
        FakeHost host;
        host.enable_errant(SLUICE_ERROR);
        CapturingWriter out;
        SourceUnderTest source("opendatasoft", config(server.url(), "pc_capte_p", "mdate", "gid"), host);
        REQUIRE(source.ok());
        auto r = run_sweeps(source, out, host, 1);
        CHECK(r.status == SLUICE_FATAL);
        CHECK(r.message.find("field 'mdate'") != std::string::npos);
    }
}

TEST_CASE("Paris counts through the v1 search API: nhits/records[].fields, [lat, lon] points, sort=-t_1h") {
    ReplayServer server;
    const Dataset truth = paris_counts();
    server.put(truth);
    FakeHost host;
    CapturingWriter out;
    SourceUnderTest source("opendatasoft",
                           config(server.url(), "comptages-routiers-permanents", "t_1h", "iu_ac", {{"api", "v1"}, {"page_size", "50"}}),
                           host);
    REQUIRE(source.ok());
    auto r = run_sweeps(source, out, host, 1);
    REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
    CHECK(out.records.size() == 400);
    expect_same_as_fixture(out.records, truth, "iu_ac", "t_1h");
    const auto requests = server.requests();
    CHECK(requests.at(0).path == "/api/datasets/1.0/comptages-routiers-permanents/");
    CHECK(requests.at(1).path == "/api/records/1.0/search/");
    CHECK(requests.at(1).target.find("sort=-t_1h&sort=-iu_ac&rows=50&start=0") != std::string::npos);
    CHECK(requests.size() == 1 + 9);  // 8 full pages and an empty one
    std::size_t without_point = 0;
    for (const auto& rec : out.records) {
        const Json v = parse(rec.value);
        if (!v.contains("geo_point_2d")) {  // v1 leaves null fields out (one record here)
            ++without_point;
            continue;
        }
        CHECK(v.at("geo_point_2d").at("lat").get<double>() > 48.0);  // [lat, lon] read lat first
        CHECK(v.at("geo_point_2d").at("lon").get<double>() < 3.0);
    }
    CHECK(without_point == 1);
    // A second sweep asks for t_1h >= the cursor in the v1 query language.
    server.clear_requests();
    REQUIRE(run_sweeps(source, out, host, 2).status == SLUICE_OK);
    CHECK(server.requests().at(0).query.at("q") == "t_1h >= \"2023-02-01T23:00:00Z\"");
    CHECK(out.records.size() == 400);
}

TEST_CASE("more than 10 000 records: every record once, never past the offset cap") {
    SUBCASE("12 000 records over 120 timestamps") {
        Dataset d;
        d.id = "big";
        d.fields = {{"gid", "int"}, {"mdate", "datetime"}, {"etat", "text"}};
        for (int i = 0; i < 12000; ++i) {
            const int minute = i / 100;
            char ts[40];
            std::snprintf(ts, sizeof ts, "2025-12-18T%02d:%02d:00+00:00", minute / 60, minute % 60);
            d.records.push_back(Json{{"gid", i}, {"mdate", ts}, {"etat", "FLUIDE"}});
        }
        ReplayServer server;
        server.put(d);
        FakeHost host;
        CapturingWriter out(20000);
        SourceUnderTest source("opendatasoft", config(server.url(), "big", "mdate", "gid"), host);
        REQUIRE(source.ok());
        auto r = run_sweeps(source, out, host, 1, std::chrono::seconds(60));
        REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
        std::set<std::string> keys;
        for (const auto& rec : out.records) keys.insert(*rec.key);
        CHECK(out.records.size() == 12000);
        CHECK(keys.size() == 12000);
        CHECK(server.refused_for_depth() == 0);
        int max_depth = 0, windows = 0;
        for (const auto& req : server.requests()) {
            if (!req.query.count("offset")) continue;
            max_depth = std::max(max_depth, std::stoi(req.query.at("offset")) + std::stoi(req.query.at("limit")));
            windows += req.query.count("where") && req.query.at("where").find(">=") != std::string::npos;
        }
        CHECK(max_depth <= 10000);
        CHECK(windows >= 1);  // a window restarted at the last timestamp
    }
    SUBCASE("10 500 records sharing one timestamp: keyset paging") {
        Dataset d;
        d.id = "flat";
        d.fields = {{"gid", "int"}, {"datetime", "datetime"}};
        for (int i = 0; i < 10500; ++i) d.records.push_back(Json{{"gid", i}, {"datetime", "2025-11-04T17:24:00+01:00"}});
        ReplayServer server;
        server.put(d);
        FakeHost host;
        CapturingWriter out(20000);
        SourceUnderTest source("opendatasoft", config(server.url(), "flat", "datetime", "gid"), host);
        REQUIRE(source.ok());
        auto r = run_sweeps(source, out, host, 1, std::chrono::seconds(60));
        REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
        std::set<std::string> keys;
        for (const auto& rec : out.records) keys.insert(*rec.key);
        CHECK(out.records.size() == 10500);
        CHECK(keys.size() == 10500);
        CHECK(server.refused_for_depth() == 0);
        const auto requests = server.requests();
        CHECK(std::any_of(requests.begin(), requests.end(), [](const auto& req) {
            return req.query.count("where") && req.query.at("where").find("gid > 9999") != std::string::npos;
        }));
    }
}

TEST_CASE("pre-flight test: reachable portal, existing dataset and fields, or a clear refusal") {
    ReplayServer server;
    server.put(ci_trafi_l());
    FakeHost host;
    auto ok = SourceUnderTest::test("opendatasoft", config(server.url(), "ci_trafi_l", "mdate", "gid"), host);
    CHECK_MESSAGE(ok.status == SLUICE_OK, ok.message);

    auto missing = SourceUnderTest::test("opendatasoft", config(server.url(), "ci_trafi_l", "mdate", "gid,segment"), host);
    CHECK(missing.status != SLUICE_OK);
    CHECK(missing.message.find("dataset 'ci_trafi_l' has no field 'segment' (key.fields); its fields: geo_point_2d, geo_shape, gml_id, gid") != std::string::npos);

    auto text_ts = SourceUnderTest::test("opendatasoft", config(server.url(), "ci_trafi_l", "etat", "gid"), host);
    CHECK(text_ts.message.find("timestamp.field 'etat' of dataset 'ci_trafi_l' is of type text") != std::string::npos);

    auto unknown = SourceUnderTest::test("opendatasoft", config(server.url(), "ci_trafi", "mdate", "gid"), host);
    CHECK(unknown.message.find("dataset 'ci_trafi' not found on " + server.url() + " (HTTP 404: NotFound: Unknown dataset: ci_trafi)") != std::string::npos);

    auto zone = SourceUnderTest::test("opendatasoft", config(server.url(), "ci_trafi_l", "mdate", "gid", {{"timezone", "Europe/Bordeaux"}}), host);
    CHECK(zone.message.find("timezone: time zone 'Europe/Bordeaux': no such zone") != std::string::npos);

    std::string closed_url;
    { ReplayServer gone; closed_url = gone.url(); }
    auto unreachable = SourceUnderTest::test("opendatasoft", config(closed_url, "ci_trafi_l", "mdate", "gid"), host);
    CHECK(unreachable.status != SLUICE_OK);
    CHECK(unreachable.message.find("portal " + closed_url + " is not usable") != std::string::npos);

    auto html = SourceUnderTest::test("opendatasoft", config(server.url() + "/not-a-portal", "ci_trafi_l", "mdate", "gid"), host);
    CHECK(html.status != SLUICE_OK);
    CHECK(html.message.find("not found") != std::string::npos);
}

TEST_CASE("emit: changes after a restart: the first sweep emits each re-stamped key's state once (hashes are in memory)") {
    ReplayServer server;
    const Dataset before = ci_trafi_l();
    server.put(before);
    const auto cfg = config(server.url(), "ci_trafi_l", "mdate", "gid", {{"emit", "changes"}});
    std::string partition, offset;
    {
        FakeHost host;
        CapturingWriter out;
        SourceUnderTest source("opendatasoft", cfg, host);
        REQUIRE(source.ok());
        REQUIRE(run_sweeps(source, out, host, 1).status == SLUICE_OK);
        REQUIRE(out.records.size() == 694);
        partition = out.records.back().source_partition;
        offset = last_offset(out.records);
    }
    std::size_t restamped = 0;
    server.put(refreshed(before, 34, &restamped));
    FakeHost host;
    host.offsets[partition] = offset;
    CapturingWriter out;
    SourceUnderTest source("opendatasoft", cfg, host);
    REQUIRE(source.ok());
    REQUIRE(run_sweeps(source, out, host, 1).status == SLUICE_OK);
    // Nothing older than the stored offset comes back; every re-stamped record does, once.
    CHECK(out.records.size() == restamped);
}

TEST_CASE("timestamps without offset are read in the configured timezone: the 2017 WFS export's HEURE in Europe/Paris") {
    // GID,IDENT,HEURE,TYPEVOIE,ETAT with HEURE = YYYYMMDDhhmmss, local time (CEST in October 2017).
    Dataset legacy = sluice::testing::ods_replay::load_csv_export(fixture("bordeaux/ci_trafi_l/CI_TRAFI_L_wfs_2017-10-14.csv"),
                                                                  "ci_trafi_l_2017", {{"gid", "int"}}, {}, ',');
    REQUIRE(legacy.records.size() == 713);
    ReplayServer server;
    server.put(legacy);
    for (const std::string zone : {"Europe/Paris", "UTC"}) {
        CAPTURE(zone);
        FakeHost host;
        CapturingWriter out;
        SourceUnderTest source("opendatasoft", config(server.url(), "ci_trafi_l_2017", "HEURE", "GID", {{"timezone", zone}}), host);
        REQUIRE(source.ok());
        auto r = run_sweeps(source, out, host, 1);
        REQUIRE_MESSAGE(r.status == SLUICE_OK, r.message);
        REQUIRE(out.records.size() == 713);
        std::map<std::string, std::string> heure;
        for (const auto& rec : legacy.records) heure[rec.at("gid").dump()] = rec.at("heure").get<std::string>();
        for (const auto& rec : out.records) {
            const std::string h = heure.at(parse(rec.key).at("GID").dump());
            // The server's own reader, given the offset in force in Paris on 2017-10-14 (+02:00).
            const std::string iso = h.substr(0, 4) + "-" + h.substr(4, 2) + "-" + h.substr(6, 2) + "T" + h.substr(8, 2) + ":" +
                                    h.substr(10, 2) + ":" + h.substr(12, 2) + (zone == "UTC" ? "+00:00" : "+02:00");
            CHECK(rec.timestamp_ms == *instant(iso));
        }
    }
}
