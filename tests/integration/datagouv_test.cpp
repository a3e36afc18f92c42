// The datagouv source in a real `sluice run` against a data.gouv.fr stand-in (a server thread
// of this test process on 127.0.0.1) serving the real Bordeaux traffic-count files, with a
// mock Kafka cluster in its own process; the topic and the offsets are read with kcat.
//
// The worker is killed with SIGKILL while the second resource's download is held back by the
// server, after the offsets topic holds the first resource's complete offset. The restarted
// worker must not download the first file again, must read the other two, and the topic must
// then hold every row of the three files: the multiset of record keys equals the one computed
// here from the fixture files. Duplicates are counted and bounded by the records produced
// after the last stored offset, which the kill timing makes zero.
#include "datagouv_replay.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <fstream>
#include <thread>
#include <iterator>
#include <map>

using namespace sluice::it;
using sluice::testing::DatagouvReplay;
using sluice::testing::HttpResponse;
using sluice::testing::wait_until;
using sluice::testing::write_file;
using nlohmann::json;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in, "cannot read " << path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const std::string fixtures = std::string(SLUICE_FIXTURES_DIR) + "/bordeaux/comptage_trafic/";

// Key multiset {IDENT, SENS_CIR} of the 2023 CSV (';', CRLF, BOM, no quoting), computed
// without the plugin's parser.
void add_csv_keys(const std::string& bytes, std::map<std::string, int>& keys) {
    size_t start = bytes.find('\n') + 1;  // after the header
    while (start < bytes.size()) {
        size_t end = bytes.find('\n', start);
        std::string line = bytes.substr(start, end == std::string::npos ? std::string::npos : end - start);
        start = end == std::string::npos ? bytes.size() : end + 1;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        std::vector<std::string> f;
        size_t pos = 0;
        for (size_t semi = line.find(';'); ; semi = line.find(';', pos)) {
            f.push_back(line.substr(pos, semi == std::string::npos ? std::string::npos : semi - pos));
            if (semi == std::string::npos) break;
            pos = semi + 1;
        }
        REQUIRE(f.size() == 16);
        auto value = [](const std::string& s) { return s.empty() ? json() : json(s); };
        ++keys[json({{"IDENT", value(f[0])}, {"SENS_CIR", value(f[13])}}).dump()];
    }
}

void add_json_keys(const std::string& bytes, std::map<std::string, int>& keys) {
    for (const auto& record : json::parse(bytes)) {
        const json& fields = record["fields"];
        ++keys[json({{"IDENT", fields.value("ident", json())}, {"SENS_CIR", fields.value("sens_cir", json())}}).dump()];
    }
}

}  // namespace

TEST_CASE("datagouv: every row of three real files reaches Kafka exactly once across a kill -9 and a restart") {
    TempDir dir;
    MockKafka kafka(dir, {"sluice-offsets:1", "dg.counts:1"});
    DatagouvReplay portal;
    const std::string csv = slurp(fixtures + "comptage-du-trafic-2023-bordeaux-metropole.csv");
    const std::string j2018 = slurp(fixtures + "comptage_trafic_2018_ods_export.json");
    const std::string j2021 = slurp(fixtures + "comptage_trafic_2021_ods_export.json");
    DatagouvReplay::File f2023{"res-2023", "Comptage du trafic 2023", "csv", "comptage-2023.csv", csv};
    DatagouvReplay::File f2018{"res-2018", "Comptage du trafic 2018", "json", "comptage-2018.json", j2018};
    DatagouvReplay::File f2021{"res-2021", "Comptage du trafic 2021", "json", "comptage-2021.json", j2021};
    portal.add(f2023);
    portal.add(f2018);
    portal.add(f2021);
    // The first run's download of the second file hangs (the server answers after 60 s, or
    // when it stops): the kill strikes while nothing is in flight after the first file.
    HttpResponse held = HttpResponse::text(200, j2018, "application/json");
    held.delay = std::chrono::milliseconds(60000);
    portal.fault(DatagouvReplay::file_path(f2018), held);

    std::map<std::string, int> expected;
    add_csv_keys(csv, expected);
    add_json_keys(j2018, expected);
    add_json_keys(j2021, expected);
    size_t expected_count = 0;
    for (const auto& [k, n] : expected) expected_count += static_cast<size_t>(n);
    REQUIRE(expected_count == 345 + 527 + 441);  // the record counts PROVENANCE.md states

    const std::string worker = write_worker_file(dir, kafka.bootstrap());
    const std::string pipeline = dir.file("dg.yaml");
    write_file(pipeline, "name: dg\n"
                         "source:\n"
                         "  name: counts\n"
                         "  plugin: datagouv\n"
                         "  topic: dg.counts\n"
                         "  config:\n"
                         "    dataset: " + std::string(DatagouvReplay::dataset_slug) + "\n"
                         "    base_url: '" + portal.url() + "'\n"
                         "    resource_format: [csv, json]\n"
                         "    key_fields: [IDENT, SENS_CIR]\n"
                         "    http_timeout_ms: 120000\n");
    const std::vector<std::string> args = {"run", "--worker", worker, "--plugin-dir", plugin_dir(), pipeline};

    // The offset stored for a resource, as Kafka Connect keys it.
    const json key_2023 = json::array({"dg.counts", {{"dataset", DatagouvReplay::dataset_id}, {"resource", "res-2023"}}});
    auto stored_row = [&](const json& key) -> int64_t {
        int64_t row = -1;
        for (const auto& r : kcat_read(dir, kafka.bootstrap(), "sluice-offsets")) {
            if (!r.key || json::parse(*r.key, nullptr, false) != key) continue;
            json v = json::parse(r.value, nullptr, false);
            if (v.is_object() && v.contains("row")) row = v["row"].get<int64_t>();
        }
        return row;
    };

    {
        Sluice run(dir, args, "run1");
        bool stored = wait_until([&] { return stored_row(key_2023) == 345 || !run.process().running(); }, 30s, 200ms);
        REQUIRE_MESSAGE(stored, "the 2023 file's last offset was never stored; log:\n" << run.log());
        REQUIRE_MESSAGE(run.process().running(), run.process().status()->describe() << "; log:\n" << run.log());
        REQUIRE(wait_until([&] { return portal.hits(DatagouvReplay::file_path(f2018)) == 1; }, 10s, 20ms));
        CHECK(kcat_read(dir, kafka.bootstrap(), "dg.counts").size() == 345);
        CHECK(run.process().kill().signal == SIGKILL);
    }
    CHECK(portal.hits(DatagouvReplay::file_path(f2023)) == 1);

    Sluice run(dir, args, "run2");
    std::vector<KafkaRecord> records;
    bool all = wait_until(
        [&] {
            records = kcat_read(dir, kafka.bootstrap(), "dg.counts");
            return records.size() >= expected_count || !run.process().running();
        },
        30s, 200ms);
    REQUIRE_MESSAGE(all, "only " << records.size() << " of " << expected_count << " records; log:\n" << run.log());
    // Nothing more comes: the listing is not due again for an hour.
    std::this_thread::sleep_for(1s);
    records = kcat_read(dir, kafka.bootstrap(), "dg.counts");
    CHECK(run.process().running());

    // The restarted worker did not fetch the complete 2023 file again.
    CHECK(portal.hits(DatagouvReplay::file_path(f2023)) == 1);
    CHECK(portal.hits(DatagouvReplay::file_path(f2018)) == 2);
    CHECK(portal.hits(DatagouvReplay::file_path(f2021)) == 1);

    std::map<std::string, int> seen;
    for (const auto& r : records) {
        REQUIRE(r.key.has_value());
        ++seen[json::parse(*r.key).dump()];
        json value = json::parse(r.value, nullptr, false);
        CHECK(value.is_object());
    }
    size_t duplicates = records.size() - std::min(records.size(), expected_count);
    MESSAGE("records ", records.size(), ", expected ", expected_count, ", duplicates ", duplicates);
    CHECK(duplicates == 0);  // the only window (the 2023 file) was stored before the kill
    CHECK(seen == expected);
    CHECK(records.size() == expected_count);

    // The first record is the 2023 file's first row, typed.
    json first = json::parse(records.front().value);
    CHECK(first["IDENT"] == "Z10BE");
    CHECK(first["MJO_VAL"] == 5381);
    CHECK(first["MJO_%"] == -0.2);
    CHECK(run.log().find("resource 'Comptage du trafic 2018' (res-2018): 527 JSON array elements") != std::string::npos);
    CHECK(run.log().find("res-2023") == std::string::npos);  // the complete file was not touched again
    auto stop = run.stop();
    REQUIRE(stop.has_value());
    CHECK(*stop == sluice::testing::exited(0));
}
