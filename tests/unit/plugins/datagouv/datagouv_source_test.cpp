// The datagouv source through its C ABI against a data.gouv.fr stand-in on 127.0.0.1 serving
// the real Bordeaux traffic-count files (shared/fixtures/bordeaux/comptage_trafic).
#include "datagouv_harness.hpp"
#include "datagouv_replay.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

using namespace std::chrono_literals;
using sluice::testing::CapturedRecord;
using sluice::testing::CapturingWriter;
using sluice::testing::DatagouvReplay;
using sluice::testing::DatagouvUnderTest;
using sluice::testing::FakeHost;
using sluice::testing::HttpResponse;
using nlohmann::json;

namespace {

const std::string fixtures = std::string(SLUICE_FIXTURES_DIR) + "/bordeaux/comptage_trafic/";
const std::string csv_2023 = fixtures + "comptage-du-trafic-2023-bordeaux-metropole.csv";
const std::string json_2018 = fixtures + "comptage_trafic_2018_ods_export.json";
const std::string json_2021 = fixtures + "comptage_trafic_2021_ods_export.json";

// Data lines of a CSV file without quoted line breaks: non-empty lines after the header.
std::size_t data_lines(const std::string& bytes) {
    std::size_t lines = 0, start = 0;
    while (start < bytes.size()) {
        std::size_t end = bytes.find('\n', start);
        if (end == std::string::npos) end = bytes.size();
        std::string line = bytes.substr(start, end - start);
        if (!line.empty() && line != "\r") ++lines;
        start = end + 1;
    }
    return lines - 1;
}

// The i-th (0-based) data line split on ';' (the 2023 file has no quoting).
std::vector<std::string> csv_line(const std::string& bytes, std::size_t i) {
    std::size_t start = 0;
    for (std::size_t n = 0; n <= i; ++n) start = bytes.find('\n', start) + 1;
    std::string line = bytes.substr(start, bytes.find('\n', start) - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> fields;
    std::size_t pos = 0;
    while (true) {
        std::size_t semi = line.find(';', pos);
        fields.push_back(line.substr(pos, semi == std::string::npos ? std::string::npos : semi - pos));
        if (semi == std::string::npos) break;
        pos = semi + 1;
    }
    return fields;
}

DatagouvReplay::File file_2023() {
    return {"f1a2b3c4-2023", "Comptage du trafic 2023 - Bordeaux Métropole", "csv",
            "comptage-du-trafic-2023-bordeaux-metropole.csv", sluice::testing::read_file(csv_2023)};
}
DatagouvReplay::File file_2018() {
    return {"f1a2b3c4-2018", "Comptage du trafic 2018 (export JSON)", "json", "comptage_trafic_2018.json",
            sluice::testing::read_file(json_2018)};
}
DatagouvReplay::File file_2021() {
    return {"f1a2b3c4-2021", "Comptage du trafic 2021 (export JSON)", "json", "comptage_trafic_2021.json",
            sluice::testing::read_file(json_2021)};
}

std::map<std::string, std::string> config_for(const DatagouvReplay& portal, std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> config{{"dataset", DatagouvReplay::dataset_slug},
                                              {"base_url", portal.url()},
                                              {"poll_interval_ms", "3600000"},
                                              {"http_timeout_ms", "5000"}};
    for (auto& [k, v] : extra) config[k] = v;
    return config;
}

// Polls until `count` records arrived or a bounded number of polls passed; stops at the first
// poll that is neither OK nor RETRY.
struct Drained {
    std::vector<CapturedRecord> records;
    std::vector<sluice::testing::CallResult> failures;
};
Drained drain(DatagouvUnderTest& source, std::size_t count, int max_polls = 200, std::size_t batch = 100) {
    Drained d;
    for (int i = 0; i < max_polls && d.records.size() < count; ++i) {
        CapturingWriter out(batch);
        auto result = source.poll(out);
        for (auto& r : out.records) d.records.push_back(std::move(r));
        if (result.status != SLUICE_OK) {
            d.failures.push_back(result);
            if (result.status != SLUICE_RETRY) break;
        }
    }
    return d;
}

std::string partition_of(const std::string& resource) {
    return std::string(R"({"dataset":")") + DatagouvReplay::dataset_id + R"(","resource":")" + resource + "\"}";
}

}  // namespace

TEST_CASE("the 2023 CSV (BOM, CRLF, ';'): one record per data line, typed, in file order, with offsets") {
    DatagouvReplay portal;
    portal.add(file_2023());
    const std::string bytes = sluice::testing::read_file(csv_2023);
    const std::size_t expected = data_lines(bytes);
    REQUIRE(expected > 300);

    FakeHost host("bordeaux-counts");

    host.enable_errant(SLUICE_OK);
    DatagouvUnderTest source(config_for(portal, {{"key_fields", "IDENT,SENS_CIR"}}), host);
    REQUIRE(source.ok());
    Drained d = drain(source, expected + 1, 20);
    CHECK(d.failures.empty());
    REQUIRE(d.records.size() == expected);
    CHECK(host.errants.empty());

    for (std::size_t i = 0; i < d.records.size(); ++i) {
        const auto& r = d.records[i];
        json value = json::parse(*r.value);
        std::vector<std::string> fields = csv_line(bytes, i);
        REQUIRE(value.size() == 16);
        CHECK(nlohmann::ordered_json::parse(*r.value).begin().key() == "IDENT");  // no BOM in the first name
        CHECK(value["IDENT"] == fields[0]);
        CHECK(value["NOM_VOIE"] == fields[12]);
        // MJO_VAL: integers (or empty -> null) in every row of this file.
        if (fields[3].empty()) CHECK(value["MJO_VAL"].is_null());
        else CHECK(value["MJO_VAL"] == std::stoll(fields[3]));
        // MJO_% holds signed decimals: JSON numbers equal to the text's value.
        if (!fields[6].empty()) CHECK(value["MJO_%"].get<double>() == doctest::Approx(std::stod(fields[6])));
        json key = json::parse(*r.key);
        auto text_or_null = [](const std::string& t) { return t.empty() ? json() : json(t); };
        CHECK(key == json({{"IDENT", text_or_null(fields[0])}, {"SENS_CIR", text_or_null(fields[13])}}));
        CHECK(r.source_partition == partition_of("f1a2b3c4-2023"));
        json offset = json::parse(r.source_offset);
        CHECK(offset["row"] == i + 1);
        CHECK(offset["rows"] == expected);
        CHECK(offset["checksum"] == "sha1:" + DatagouvReplay::checksum_of(bytes));
        CHECK(offset["last_modified"] == "2024-01-15T10:22:31.123000+00:00");
        REQUIRE(r.headers.size() == 2);
        CHECK(r.headers[0].first == "datagouv.resource");
        CHECK(r.headers[0].second == "f1a2b3c4-2023");
        CHECK(r.headers[1].second == "Comptage du trafic 2023 - Bordeaux Métropole");
    }
    CHECK(json::parse(*d.records[0].value)["IDENT"] == "Z10BE");
    CHECK(host.logged("345 rows, delimiter ';', utf-8 with BOM"));
}

TEST_CASE("the 2018 and 2021 Opendatasoft JSON exports: one record per element, fields flattened") {
    DatagouvReplay portal;
    portal.add(file_2018());
    portal.add(file_2021());
    const json all_2018 = json::parse(sluice::testing::read_file(json_2018));
    const json all_2021 = json::parse(sluice::testing::read_file(json_2021));
    const std::size_t expected = all_2018.size() + all_2021.size();

    FakeHost host("bordeaux-counts");

    host.enable_errant(SLUICE_OK);
    DatagouvUnderTest source(config_for(portal, {{"resource_format", "json"}, {"key_fields", "IDENT,SENS_CIR"}}), host);
    REQUIRE(source.ok());
    Drained d = drain(source, expected + 1, 40);
    CHECK(d.failures.empty());
    REQUIRE(d.records.size() == expected);
    CHECK(host.errants.empty());
    for (std::size_t i = 0; i < expected; ++i) {
        const json& original = i < all_2018.size() ? all_2018[i] : all_2021[i - all_2018.size()];
        json value = json::parse(*d.records[i].value);
        for (auto& [name, v] : original["fields"].items()) CHECK(value[name] == v);
        CHECK(value["recordid"] == original["recordid"]);
        CHECK(value.contains("geometry") == original.contains("geometry"));
        json key = json::parse(*d.records[i].key);
        CHECK(key["IDENT"] == original["fields"].value("ident", json()));
    }
    // 2018 keeps its "3,5%"-style strings as published.
    bool saw_percent_string = false;
    for (std::size_t i = 0; i < all_2018.size(); ++i) {
        json value = json::parse(*d.records[i].value);
        if (value.contains("hpm") && value["hpm"].is_string()) {
            saw_percent_string = true;
            CHECK(value["hpm"].get<std::string>().back() == '%');
        }
    }
    CHECK(saw_percent_string);
}

TEST_CASE("odd CSVs: ',' with quotes and line breaks, Latin-1, decimal commas, a cut last line reported with its row") {
    DatagouvReplay portal;
    portal.add({"odd-1", "Quoted", "csv", "quoted.csv",
                "id,commentaire,taux,valeur\r\n"
                "1,\"Rocade, sortie 4\",\"3,5%\",\"3,5\"\r\n"
                "2,\"deux\r\nlignes\",\"-1,0%\",12\r\n"
                "3,\"il dit \"\"stop\"\"\",,\"0,25\"\r\n"
                "4,\"coup\xe9\",\"2%\",7\r\n"  // Latin-1 é
                "5,tronqu"});                   // the file stops mid-row
    FakeHost host("bordeaux-counts");
    host.enable_errant(SLUICE_OK);
    DatagouvUnderTest source(config_for(portal), host);
    Drained d = drain(source, 5, 10);
    REQUIRE(d.records.size() == 4);
    CHECK(*d.records[0].value == R"({"id":1,"commentaire":"Rocade, sortie 4","taux":"3,5%","valeur":3.5})");
    CHECK(*d.records[1].value == R"({"id":2,"commentaire":"deux\r\nlignes","taux":"-1,0%","valeur":12})");
    CHECK(*d.records[2].value == R"({"id":3,"commentaire":"il dit \"stop\"","taux":null,"valeur":0.25})");
    CHECK(*d.records[3].value == R"({"id":4,"commentaire":"coupé","taux":"2%","valeur":7})");
    REQUIRE(host.errants.size() == 1);
    CHECK(host.errants[0].message == "resource 'Quoted' (odd-1) row 5 (line 7): expected 4 fields (as in the header), found 2");
    CHECK(host.errants[0].value == "5,tronqu");
    CHECK(json::parse(host.errants[0].source_offset)["row"] == 5);
    CHECK(host.logged("windows-1252"));
}

TEST_CASE("an errant row the error policy does not tolerate fails the task with the row named") {
    DatagouvReplay portal;
    portal.add({"bad-1", "Bad", "csv", "bad.csv", "a;b\n1;2\n3;\"open\n"});
    FakeHost host("bordeaux-counts");
    host.enable_errant(SLUICE_OK);
    host.errant_answer = SLUICE_FATAL;
    DatagouvUnderTest source(config_for(portal), host);
    Drained d = drain(source, 10, 5);
    REQUIRE(d.failures.size() == 1);
    CHECK(d.failures[0].status == SLUICE_FATAL);
    CHECK(d.failures[0].message.find("row 2 (line 3): the file ends inside a quoted field") != std::string::npos);
    CHECK(d.records.size() == 1);
}

TEST_CASE("resume from a stored offset mid-file: exactly the rows after it, no duplicate, no gap") {
    DatagouvReplay portal;
    portal.add(file_2023());
    const std::string bytes = sluice::testing::read_file(csv_2023);
    const std::size_t expected = data_lines(bytes);

    FakeHost first_host("bordeaux-counts");

    first_host.enable_errant(SLUICE_OK);
    DatagouvUnderTest first(config_for(portal), first_host);
    Drained full = drain(first, expected, 20);
    REQUIRE(full.records.size() == expected);

    // A restart after record 100 was stored.
    FakeHost host("bordeaux-counts");
    host.enable_errant(SLUICE_OK);
    host.offsets[full.records[99].source_partition] = full.records[99].source_offset;
    DatagouvUnderTest source(config_for(portal), host);
    Drained rest = drain(source, expected, 20);
    REQUIRE(rest.records.size() == expected - 100);
    for (std::size_t i = 0; i < rest.records.size(); ++i) {
        CHECK(rest.records[i].value == full.records[100 + i].value);
        CHECK(rest.records[i].source_offset == full.records[100 + i].source_offset);
    }
    CHECK(host.logged("resuming after row 100 of 345"));
}

TEST_CASE("an unchanged resource is not downloaded or emitted again; a changed one is read again from the start") {
    DatagouvReplay portal;
    portal.add(file_2023());
    const std::string path = portal.file_path("f1a2b3c4-2023");
    const std::string bytes = sluice::testing::read_file(csv_2023);
    const std::size_t expected = data_lines(bytes);

    // Fully read before a restart: the stored offset says row == rows.
    {
        FakeHost host("bordeaux-counts");
        host.enable_errant(SLUICE_OK);
        DatagouvUnderTest first(config_for(portal), host);
        Drained full = drain(first, expected, 20);
        REQUIRE(full.records.size() == expected);
        FakeHost again("bordeaux-counts");
        again.enable_errant(SLUICE_OK);
        again.offsets[full.records.back().source_partition] = full.records.back().source_offset;
        const int downloads = portal.hits(path);
        DatagouvUnderTest second(config_for(portal), again);
        Drained none = drain(second, 1, 5);
        CHECK(none.records.empty());
        CHECK(none.failures.empty());
        CHECK(portal.hits(path) == downloads);
    }

    // In one run with a short poll interval: the listing is fetched again and again, the file
    // once; then a new version appears and is emitted in full, with its new version in the offsets.
    FakeHost host("bordeaux-counts");
    host.enable_errant(SLUICE_OK);
    DatagouvUnderTest source(config_for(portal, {{"poll_interval_ms", "20"}}), host);
    Drained first = drain(source, expected, 20);
    REQUIRE(first.records.size() == expected);
    const int listings_before = portal.hits(DatagouvReplay::listing_path());
    const int downloads_before = portal.hits(path);
    Drained idle = drain(source, 1, 10);
    CHECK(idle.records.empty());
    CHECK(portal.hits(DatagouvReplay::listing_path()) > listings_before);
    CHECK(portal.hits(path) == downloads_before);

    std::string changed = bytes;
    changed.replace(changed.find("Z10BE;405;"), 10, "Z10BE;406;");
    portal.replace("f1a2b3c4-2023", changed, "2025-02-01T08:00:00.000000+00:00");
    Drained second = drain(source, expected, 50);
    REQUIRE(second.records.size() == expected);
    CHECK(json::parse(*second.records[0].value)["HPM_VAL"] == 406);
    CHECK(json::parse(second.records[0].source_offset)["row"] == 1);
    CHECK(json::parse(second.records[0].source_offset)["last_modified"] == "2025-02-01T08:00:00.000000+00:00");
    CHECK(host.logged("changed"));

    // After a restart whose stored offset belongs to the old version: read from the start.
    FakeHost restarted("bordeaux-counts");
    restarted.enable_errant(SLUICE_OK);
    restarted.offsets[first.records[10].source_partition] = first.records[10].source_offset;
    DatagouvUnderTest third(config_for(portal), restarted);
    Drained all = drain(third, expected, 20);
    CHECK(all.records.size() == expected);
    CHECK(restarted.logged("reading it again from the start"));
}

TEST_CASE("429 with Retry-After: RETRY, no request before the time is up, then every row") {
    DatagouvReplay portal;
    portal.add(file_2023());
    const std::size_t expected = data_lines(sluice::testing::read_file(csv_2023));
    HttpResponse limited = HttpResponse::json(R"({"message": "Too many requests"})", 429);
    limited.headers.emplace_back("Retry-After", "1");
    portal.fault(DatagouvReplay::listing_path(), limited);

    FakeHost host("bordeaux-counts");

    host.enable_errant(SLUICE_OK);
    DatagouvUnderTest source(config_for(portal), host);
    CapturingWriter out;
    auto started = std::chrono::steady_clock::now();
    auto result = source.poll(out);
    CHECK(result.status == SLUICE_RETRY);
    CHECK(result.message.find("HTTP 429") != std::string::npos);
    CHECK(result.message.find("Retry-After 1 s") != std::string::npos);
    // Polls inside the second wait instead of asking again.
    for (int i = 0; i < 3; ++i) {
        CapturingWriter idle;
        CHECK(source.poll(idle, 50).status == SLUICE_OK);
        CHECK(idle.records.empty());
    }
    if (std::chrono::steady_clock::now() - started < 900ms) CHECK(portal.hits(DatagouvReplay::listing_path()) == 1);
    Drained d = drain(source, expected, 100);
    CHECK(d.records.size() == expected);
    CHECK(std::chrono::steady_clock::now() - started >= 1s);
}

TEST_CASE("500 on the listing and on the download, a body cut short: RETRY, then every row exactly once") {
    DatagouvReplay portal;
    portal.add(file_2023());
    const std::string bytes = sluice::testing::read_file(csv_2023);
    const std::size_t expected = data_lines(bytes);
    const std::string path = portal.file_path("f1a2b3c4-2023");
    portal.fault(DatagouvReplay::listing_path(),
                 HttpResponse::text(500, "<html><body>Internal Server Error</body></html>", "text/html"));
    portal.fault(path, HttpResponse::text(503, "<html><body>Service Unavailable</body></html>", "text/html"));
    HttpResponse cut = HttpResponse::text(200, bytes, "text/csv");
    cut.truncate_body_at = bytes.size() / 2;
    portal.fault(path, cut);

    FakeHost host("bordeaux-counts");

    host.enable_errant(SLUICE_OK);
    DatagouvUnderTest source(config_for(portal), host);
    Drained d = drain(source, expected + 1, 20);
    REQUIRE(d.failures.size() == 3);
    CHECK(d.failures[0].status == SLUICE_RETRY);
    CHECK(d.failures[0].message.find("HTTP 500") != std::string::npos);
    CHECK(d.failures[0].message.find("Internal Server Error") != std::string::npos);
    CHECK(d.failures[1].message.find("HTTP 503") != std::string::npos);
    CHECK(d.failures[2].status == SLUICE_RETRY);
    CHECK(d.failures[2].message.find("downloading resource") != std::string::npos);
    CHECK(d.records.size() == expected);  // nothing of the cut download was emitted
    CHECK(host.errants.empty());
}

TEST_CASE("404 dataset: the task fails with a clear message; pre-flight test says the same") {
    DatagouvReplay portal;
    portal.add(file_2023());
    FakeHost host("bordeaux-counts");
    host.enable_errant(SLUICE_OK);
    auto config = config_for(portal, {{"dataset", "no-such-dataset"}});
    DatagouvUnderTest source(config, host);
    CapturingWriter out;
    auto result = source.poll(out);
    CHECK(result.status == SLUICE_FATAL);
    CHECK(result.message.find("data.gouv.fr has no dataset 'no-such-dataset' (HTTP 404") != std::string::npos);
    auto test = DatagouvUnderTest::test(config, host);
    CHECK(test.status == SLUICE_FATAL);
    CHECK(test.message.find("no dataset 'no-such-dataset'") != std::string::npos);
}

TEST_CASE("pre-flight test: a matching resource passes; none matching lists what there is") {
    DatagouvReplay portal;
    portal.add(file_2023());
    portal.add(file_2018());
    FakeHost host("bordeaux-counts");
    host.enable_errant(SLUICE_OK);
    CHECK(DatagouvUnderTest::test(config_for(portal), host).status == SLUICE_OK);
    CHECK(host.logged("1 of 2 resources match format in [csv]"));
    auto none = DatagouvUnderTest::test(config_for(portal, {{"resource_title", "2019"}}), host);
    CHECK(none.status == SLUICE_FATAL);
    CHECK(none.message.find("has no resource with format in [csv] and title matching /2019/") != std::string::npos);
    CHECK(none.message.find("'Comptage du trafic 2018 (export JSON)' (json)") != std::string::npos);
    // Portal down: the test fails instead of hanging or passing.
    auto down = DatagouvUnderTest::test(config_for(portal, {{"base_url", "http://127.0.0.1:1"}}), host);
    CHECK(down.status == SLUICE_FATAL);
}

TEST_CASE("resource_title filter and a dead resource link: the other resources are still read") {
    DatagouvReplay portal;
    portal.add(file_2023());
    portal.add({"gone", "Comptage du trafic 2023 (ancien lien)", "csv", "gone.csv", "a\n1\n"});
    portal.fault("/files/gone/gone.csv", HttpResponse::text(404, "<html>Not Found</html>", "text/html"));
    const std::size_t expected = data_lines(sluice::testing::read_file(csv_2023));
    FakeHost host("bordeaux-counts");
    host.enable_errant(SLUICE_OK);
    DatagouvUnderTest source(config_for(portal, {{"resource_title", "trafic 2023"}}), host);
    Drained d = drain(source, expected + 1, 20);
    CHECK(d.records.size() == expected);
    CHECK(host.logged("HTTP 404 from GET " + portal.url() + "/files/gone/gone.csv"));
    CHECK(host.logged("skipped until the next listing"));
}

TEST_CASE("bad configuration is refused at creation, naming the key") {
    DatagouvReplay portal;
    FakeHost host("bordeaux-counts");
    host.enable_errant(SLUICE_OK);
    DatagouvUnderTest bad_format(config_for(portal, {{"resource_format", "xlsx"}}), host);
    CHECK(bad_format.created.status == SLUICE_FATAL);
    CHECK(bad_format.created.message.find("resource.format: 'xlsx'") != std::string::npos);
    DatagouvUnderTest bad_regex(config_for(portal, {{"resource_title", "(unclosed"}}), host);
    CHECK(bad_regex.created.message.find("resource.title is not a valid regular expression") != std::string::npos);
    DatagouvUnderTest bad_delimiter(config_for(portal, {{"delimiter", ";;"}}), host);
    CHECK(bad_delimiter.created.message.find("delimiter must be auto or one character") != std::string::npos);
    DatagouvUnderTest bad_dataset(config_for(portal, {{"dataset", "a/b"}}), host);
    CHECK(bad_dataset.created.message.find("dataset must be a data.gouv.fr dataset id or slug") != std::string::npos);
}

TEST_CASE("JSON resources: a cut array reports its last element; a file that is no array is reported once") {
    DatagouvReplay portal;
    portal.add({"cut", "Cut", "json", "cut.json", R"([{"ident": "A"}, {"ident": "B"}, {"ident": )"});
    portal.add({"obj", "Object", "json", "obj.json", R"({"results": []})"});
    portal.add({"bad", "Bad element", "json", "bad.json", R"([{"ident": "C"}, {"ident" "D"}, 7])"});
    FakeHost host("bordeaux-counts");
    host.enable_errant(SLUICE_OK);
    DatagouvUnderTest source(config_for(portal, {{"resource_format", "json"}}), host);
    Drained d = drain(source, 10, 10);
    REQUIRE(d.records.size() == 4);
    CHECK(*d.records[0].value == R"({"ident":"A"})");
    CHECK(*d.records[1].value == R"({"ident":"B"})");
    CHECK(*d.records[2].value == R"({"ident":"C"})");
    CHECK(*d.records[3].value == "7");
    REQUIRE(host.errants.size() == 3);
    CHECK(host.errants[0].message == "resource 'Cut' (cut) row 3: the file ends inside element 3 (truncated JSON)");
    CHECK(host.errants[0].value == R"({"ident": )");
    CHECK(host.errants[1].message == "resource 'Object' (obj) row 1: the file is not a JSON array of records (expected '[' at its start)");
    CHECK(host.errants[2].message.starts_with("resource 'Bad element' (bad) row 2: not valid JSON: "));
    CHECK(host.errants[2].value == R"({"ident" "D"})");
    CHECK_FALSE(host.logged("the file ends inside element 3"));  // reported once, not logged again
}

TEST_CASE("a slow download never holds poll() past its timeout; stopping aborts it promptly") {
    DatagouvReplay portal;
    portal.add(file_2023());
    const std::string bytes = sluice::testing::read_file(csv_2023);
    HttpResponse slow = HttpResponse::text(200, bytes, "text/csv");
    slow.delay = 1500ms;
    portal.fault(portal.file_path("f1a2b3c4-2023"), slow);
    HttpResponse held = HttpResponse::text(200, bytes, "text/csv");
    held.delay = 60s;
    portal.fault(portal.file_path("f1a2b3c4-2023"), held);

    FakeHost host("bordeaux-counts");

    host.enable_errant(SLUICE_OK);
    {
        DatagouvUnderTest source(config_for(portal), host);
        int empty_polls = 0;
        std::size_t records = 0;
        auto longest = std::chrono::steady_clock::duration::zero();
        for (int i = 0; i < 200 && records == 0; ++i) {
            CapturingWriter out;
            auto started = std::chrono::steady_clock::now();
            CHECK(source.poll(out, 50).status == SLUICE_OK);
            longest = std::max(longest, std::chrono::steady_clock::now() - started);
            records += out.records.size();
            empty_polls += out.records.empty() ? 1 : 0;
        }
        CHECK(records > 0);
        CHECK(empty_polls >= 5);  // the 1.5 s download spanned many short polls
        CHECK(longest < 1s);      // none of them waited for it
    }
    // A second task meets the 60 s download; destroying it (the worker stopping the task) aborts it.
    auto started = std::chrono::steady_clock::now();
    {
        DatagouvUnderTest source(config_for(portal), host);
        CapturingWriter out;
        CHECK(source.poll(out, 100).status == SLUICE_OK);
        CHECK(source.poll(out, 100).status == SLUICE_OK);
        CHECK(out.records.empty());
    }
    CHECK(std::chrono::steady_clock::now() - started < 5s);
}
