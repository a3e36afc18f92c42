// The S3, DynamoDB and Redis stores of the data-lake connector tests: the ctest fixtures'
// servers (scripts/s3-server.sh, dynamodb-server.sh, redis-server.sh; their env files named
// by $SLUICE_S3_ENV, $SLUICE_DYNAMODB_ENV, $SLUICE_REDIS_ENV), private ones a test may stop
// and start again, and outside clients to look at what a sink wrote: signed requests through
// libcurl (sluice_aws) for S3 and DynamoDB, redis-cli for Redis. Also kcat as a producer.
#pragma once

#include "harness.hpp"

#include <nlohmann/json.hpp>

#include <sluice/aws.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::it::lake {

using Json = nlohmann::json;

// KEY=value lines of a store's env file.
struct StoreEnv {
    std::map<std::string, std::string> vars;
    static StoreEnv read(const std::string& path);
    // The fixture's store: the env file named by the environment variable `variable`.
    static StoreEnv fixture(const char* variable);
    const std::string& at(const std::string& name) const;
};

// A store of the test's own (started with `<script> run DIR`), which it may stop and start
// again on the same port with the same data (the outage tests). Dies with the test.
class PrivateStore {
public:
    PrivateStore(const TempDir& dir, const std::string& script, const std::string& name);
    void start();
    void stop();  // SIGTERM, bounded wait
    const StoreEnv& env() const { return env_; }

private:
    const TempDir& dir_;
    std::string script_, name_, store_dir_;
    Process process_;
    StoreEnv env_;
};

// The outage tests' store downtime: `length` of checking, every 100 ms, that the worker
// lives (a sink must wait for its store, not fail). True when it lived through all of it.
bool lives_through(Sluice& run, std::chrono::milliseconds length);

// A name no other test (or earlier run) uses: lower-case letters, digits and '-'.
std::string unique_name(const std::string& stem);

aws::Connection connection_of(const StoreEnv& env, const std::string& prefix, const std::string& service,
                              const std::string& secret_override = {});

class S3Client {
public:
    explicit S3Client(const StoreEnv& env);
    void create_bucket(const std::string& bucket);
    std::vector<std::string> list(const std::string& bucket, const std::string& prefix = {});
    std::string get(const std::string& bucket, const std::string& key);
    std::map<std::string, std::string> metadata(const std::string& bucket, const std::string& key);

private:
    aws::Client client_;
};

class DynamoClient {
public:
    explicit DynamoClient(const StoreEnv& env);
    Json call(const std::string& target, const Json& body);
    // A table with a string partition key (and an optional numeric sort key).
    void create_table(const std::string& table, const std::string& hash_key, const std::string& range_key = {});
    // Every item, as plain JSON (attribute values unwrapped), keyed by the partition key.
    std::map<std::string, Json> scan(const std::string& table, const std::string& hash_key);

private:
    aws::Client client_;
};

// Runs redis-cli against the store (AUTH included); its standard output. Fails the test
// when redis-cli fails.
std::string redis_cli(const StoreEnv& env, const std::vector<std::string>& args);

// One object of the s3 sink: <folder>/<topic>+<partition>+<first offset>.jsonl[.gz].
struct SinkObject {
    std::string key, folder, topic;
    int32_t partition = -1;
    int64_t first_offset = -1;
};
std::optional<SinkObject> parse_sink_object(const std::string& key);

// Produces the records (key, value) with kcat; an empty value is sent as null (a tombstone).
void kcat_produce_lines(const TempDir& dir, const std::string& bootstrap, const std::string& topic,
                        const std::vector<std::pair<std::string, std::string>>& records, int32_t partition = -1);

// A pipeline file with one sink connector; `config` is the sink's config block (indented by
// six spaces), `extra` goes after it at the connector level.
std::string sink_pipeline(const TempDir& dir, const std::string& plugin, const std::string& topic, const std::string& config,
                          const std::string& extra = {}, const std::string& file = "pipeline.yaml");

}  // namespace sluice::it::lake
