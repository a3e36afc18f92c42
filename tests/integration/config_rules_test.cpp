// Rules across a plugin's keys reach `sluice validate` through the plugin's no-I/O validate()
// (ABI 1.2): each pipeline of tests/integration/config_rules breaks one class of rules, and
// names in its "# expect: LINE:COL: KEY: MESSAGE" comments every problem validate must
// report, at the key's line and column; `sluice run` refuses the file the same way, before
// it reaches Kafka.
#include "harness.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

using namespace sluice::it;
using sluice::testing::RunResult;

namespace {

constexpr int kInvalidConfig = 1;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> expectations(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::vector<std::string> out;
    const std::string marker = "# expect: ";
    for (std::string line; std::getline(in, line);)
        if (line.rfind(marker, 0) == 0) out.push_back(line.substr(marker.size()));
    return out;
}

void check_rules(const std::string& name) {
    TempDir dir;
    const std::string file = source_dir() + "/tests/integration/config_rules/" + name;
    const auto expected = expectations(file);
    REQUIRE_MESSAGE(!expected.empty(), file << " names no expected problem");
    RunResult v = run_sluice(dir, {"validate", "--plugin-dir", plugin_dir(), file});
    CHECK_MESSAGE(v.status == exited(kInvalidConfig), v.status.describe() << "\n" << v.err);
    for (const auto& e : expected) CHECK_MESSAGE(has(v.err, file + ":" + e), "missing: " << e << "\nin:\n" << v.err);
    // Nothing else: one line per problem plus the summary.
    CHECK_MESSAGE(std::count(v.err.begin(), v.err.end(), '\n') == static_cast<long>(expected.size() + 1), v.err);
    RunResult run = run_sluice(dir, {"run", "--plugin-dir", plugin_dir(), file});
    CHECK(run.status == exited(kInvalidConfig));
    CHECK(run.err == v.err);
    CHECK_FALSE(has(run.err, "EMBEDDED"));  // refused before any Kafka cluster was started
}

}  // namespace

TEST_CASE("validate: clickhouse's exactly.once needs coordinates and atomic batches; auto.create needs columns") {
    check_rules("clickhouse-exactly-once.yaml");
}
TEST_CASE("validate: opendatasoft's change.fields only with emit: changes") { check_rules("opendatasoft-emit.yaml"); }
TEST_CASE("validate: the http source's modes need their keys") { check_rules("http-source-modes.yaml"); }
TEST_CASE("validate: the SQL sink's insert.mode, pk.mode, pk.fields and delete.enabled") { check_rules("sql-sink-keys.yaml"); }
TEST_CASE("validate: the SQL source's modes and their columns") { check_rules("sql-source-modes.yaml"); }
TEST_CASE("validate: s3 rotation, time and compression keys; the AWS retry keys") { check_rules("s3-rotation.yaml"); }
TEST_CASE("validate: what the weather provider needs") { check_rules("weather-provider.yaml"); }
TEST_CASE("validate: redis mode, TLS and credential keys") { check_rules("redis-modes.yaml"); }
TEST_CASE("validate: DynamoDB key fields and table names") { check_rules("dynamodb-keys.yaml"); }
TEST_CASE("validate: snowflake identifiers, URL and the private key's source") { check_rules("snowflake-account.yaml"); }
TEST_CASE("validate: datagouv values a declaration cannot check") { check_rules("datagouv-csv.yaml"); }
TEST_CASE("validate: the file source's key.field needs csv with a header") { check_rules("file-source-key.yaml"); }

// Every file of the folder has its case above.
TEST_CASE("validate: every rule file is checked") {
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(source_dir() + "/tests/integration/config_rules"))
        files += entry.path().extension() == ".yaml";
    CHECK(files == 12);
}
