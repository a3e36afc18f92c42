#include "lake_stores.hpp"

#include "store_env.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

namespace sluice::it::lake {

StoreEnv StoreEnv::read(const std::string& path) {
    StoreEnv e{testing::read_env_file(path)};
    if (e.vars.empty()) throw std::runtime_error("no variables in " + path + " (is the store's ctest fixture running?)");
    return e;
}

StoreEnv StoreEnv::fixture(const char* variable) {
    const char* path = std::getenv(variable);
    if (path == nullptr) throw std::runtime_error(std::string(variable) + " is not set (run this test through ctest)");
    return read(path);
}

const std::string& StoreEnv::at(const std::string& name) const {
    auto it = vars.find(name);
    if (it == vars.end()) throw std::runtime_error("no " + name + " in the store's env file");
    return it->second;
}

PrivateStore::PrivateStore(const TempDir& dir, const std::string& script, const std::string& name)
    : dir_(dir), script_(source_dir() + "/scripts/" + script), name_(name), store_dir_(dir.file(name)) {
    start();
}

void PrivateStore::start() {
    std::filesystem::remove(store_dir_ + "/env");
    testing::SpawnOptions o;
    o.stdout_path = dir_.file(name_ + ".out");
    o.stderr_path = dir_.file(name_ + ".err");
    process_ = Process::spawn({"bash", script_, "run", store_dir_}, o);
    REQUIRE_MESSAGE(testing::wait_until([&] { return std::filesystem::exists(store_dir_ + "/env"); }, 60s),
                    name_ << " did not write its env file: " << process_.stderr_text());
    env_ = StoreEnv::read(store_dir_ + "/env");
    const bool up = testing::wait_until(
        [&] {
            return testing::run({"bash", script_, "status", store_dir_}, dir_.path().string(), 10s).status == exited(0) ||
                   !process_.running();
        },
        60s, 100ms);
    REQUIRE_MESSAGE((up && process_.running()), name_ << " did not come up: " << process_.stderr_text());
}

void PrivateStore::stop() {
    process_.signal(SIGTERM);
    REQUIRE_MESSAGE(process_.wait(30s).has_value(), name_ << " did not stop within 30 s");
}

bool lives_through(Sluice& run, std::chrono::milliseconds length) {
    return !testing::wait_until([&] { return !run.process().running(); }, length, std::chrono::milliseconds(100));
}

std::string unique_name(const std::string& stem) {
    static std::atomic<int> counter{0};
    std::random_device rd;
    return stem + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" + std::to_string(rd() % 100000);
}

aws::Connection connection_of(const StoreEnv& env, const std::string& prefix, const std::string& service,
                              const std::string& secret_override) {
    aws::Connection c;
    c.endpoint = env.at(prefix + "_ENDPOINT_URL");
    c.region = env.at(prefix + "_REGION");
    c.service = service;
    c.credentials.access_key = env.at(prefix + "_ACCESS_KEY_ID");
    c.credentials.secret_key = secret_override.empty() ? env.at(prefix + "_SECRET_ACCESS_KEY") : secret_override;
    c.max_attempts = 3;
    return c;
}

S3Client::S3Client(const StoreEnv& env) : client_(connection_of(env, "S3", "s3")) {}

void S3Client::create_bucket(const std::string& bucket) {
    http::Request r;
    r.method = "PUT";
    client_.send(std::move(r), "/" + bucket, "creating bucket " + bucket);
}

std::vector<std::string> S3Client::list(const std::string& bucket, const std::string& prefix) {
    std::vector<std::string> keys;
    std::string token;
    while (true) {
        std::vector<std::pair<std::string, std::string>> q{{"list-type", "2"}, {"prefix", prefix}};
        if (!token.empty()) q.emplace_back("continuation-token", token);
        const std::string body = client_.send({}, "/" + bucket + "?" + aws::canonical_query(q), "listing " + bucket).body;
        for (std::size_t at = body.find("<Key>"); at != std::string::npos; at = body.find("<Key>", at + 5))
            keys.push_back(body.substr(at + 5, body.find("</Key>", at) - at - 5));
        const auto t = body.find("<NextContinuationToken>");
        if (body.find("<IsTruncated>true</IsTruncated>") == std::string::npos || t == std::string::npos) break;
        token = body.substr(t + 23, body.find("</NextContinuationToken>", t) - t - 23);
    }
    return keys;
}

std::string S3Client::get(const std::string& bucket, const std::string& key) {
    return client_.send({}, "/" + bucket + "/" + aws::encode_path(key), "GET " + key).body;
}

std::map<std::string, std::string> S3Client::metadata(const std::string& bucket, const std::string& key) {
    http::Request r;
    r.method = "HEAD";
    auto answer = client_.send(std::move(r), "/" + bucket + "/" + aws::encode_path(key), "HEAD " + key);
    std::map<std::string, std::string> out;
    for (const auto& h : answer.headers)
        if (h.name.rfind("x-amz-meta-", 0) == 0) out[h.name.substr(11)] = h.value;
    return out;
}

DynamoClient::DynamoClient(const StoreEnv& env) : client_(connection_of(env, "DYNAMODB", "dynamodb")) {}

Json DynamoClient::call(const std::string& target, const Json& body) {
    http::Request r;
    r.method = "POST";
    r.body = body.dump();
    r.headers.push_back({"Content-Type", "application/x-amz-json-1.0"});
    r.headers.push_back({"X-Amz-Target", "DynamoDB_20120810." + target});
    return Json::parse(client_.send(std::move(r), "/", target).body);
}

void DynamoClient::create_table(const std::string& table, const std::string& hash_key, const std::string& range_key) {
    Json schema = Json::array({{{"AttributeName", hash_key}, {"KeyType", "HASH"}}});
    Json attributes = Json::array({{{"AttributeName", hash_key}, {"AttributeType", "S"}}});
    if (!range_key.empty()) {
        schema.push_back({{"AttributeName", range_key}, {"KeyType", "RANGE"}});
        attributes.push_back({{"AttributeName", range_key}, {"AttributeType", "N"}});
    }
    call("CreateTable", {{"TableName", table}, {"KeySchema", schema}, {"AttributeDefinitions", attributes},
                         {"BillingMode", "PAY_PER_REQUEST"}});
    REQUIRE(testing::wait_until(
        [&] { return call("DescribeTable", {{"TableName", table}})["Table"]["TableStatus"] == "ACTIVE"; }, 10s, 50ms));
}

namespace {
Json unwrap(const Json& attribute) {
    const auto& [type, v] = *attribute.items().begin();
    if (type == "S" || type == "BOOL") return v;
    if (type == "NULL") return nullptr;
    if (type == "N") return Json::parse(v.get<std::string>());
    if (type == "L") {
        Json out = Json::array();
        for (const auto& e : v) out.push_back(unwrap(e));
        return out;
    }
    if (type == "M") {
        Json out = Json::object();
        for (auto it = v.begin(); it != v.end(); ++it) out[it.key()] = unwrap(it.value());
        return out;
    }
    return attribute;
}
}  // namespace

std::map<std::string, Json> DynamoClient::scan(const std::string& table, const std::string& hash_key) {
    std::map<std::string, Json> items;
    Json start;
    while (true) {
        Json body{{"TableName", table}};
        if (!start.is_null()) body["ExclusiveStartKey"] = start;
        const Json page = call("Scan", body);
        for (const auto& item : page["Items"]) {
            Json plain = Json::object();
            for (auto it = item.begin(); it != item.end(); ++it) plain[it.key()] = unwrap(it.value());
            items[plain.at(hash_key).get<std::string>()] = plain;
        }
        if (!page.contains("LastEvaluatedKey")) break;
        start = page["LastEvaluatedKey"];
    }
    return items;
}

std::string redis_cli(const StoreEnv& env, const std::vector<std::string>& args) {
    std::vector<std::string> argv{"redis-cli", "-u", env.at("REDIS_URL"), "-a", env.at("REDIS_PASSWORD"), "--no-auth-warning"};
    argv.insert(argv.end(), args.begin(), args.end());
    TempDir scratch;
    auto r = testing::run(argv, scratch.path().string(), 30s);
    REQUIRE_MESSAGE(r.status == exited(0), "redis-cli " << r.status.describe() << ": " << r.err);
    return r.out;
}

std::optional<SinkObject> parse_sink_object(const std::string& key) {
    SinkObject o;
    o.key = key;
    const auto slash = key.rfind('/');
    o.folder = slash == std::string::npos ? "" : key.substr(0, slash);
    std::string name = slash == std::string::npos ? key : key.substr(slash + 1);
    const auto p1 = name.find('+');
    const auto p2 = name.find('+', p1 + 1);
    if (p1 == std::string::npos || p2 == std::string::npos || name.size() < p2 + 21) return std::nullopt;
    o.topic = name.substr(0, p1);
    o.partition = std::stoi(name.substr(p1 + 1, p2 - p1 - 1));
    o.first_offset = std::stoll(name.substr(p2 + 1, 20));
    return o;
}

void kcat_produce_lines(const TempDir& dir, const std::string& bootstrap, const std::string& topic,
                        const std::vector<std::pair<std::string, std::string>>& records, int32_t partition) {
    REQUIRE_MESSAGE(!kcat_bin().empty(), "kcat is needed for this test");
    static std::atomic<int> counter{0};
    std::string lines;
    for (const auto& [k, v] : records) lines += k + "\t" + v + "\n";
    const std::string input = dir.file("produce-" + std::to_string(counter++) + ".txt");
    testing::write_file(input, lines);
    testing::SpawnOptions options;
    options.stdin_path = input;
    // -Z: an empty value is sent as null (a tombstone).
    std::vector<std::string> args{kcat_bin(), "-P", "-b", bootstrap, "-t", topic, "-K", "\t", "-Z"};
    if (partition >= 0) args.insert(args.end(), {"-p", std::to_string(partition)});
    auto r = testing::run(args, dir.path().string(), 60s, options);
    REQUIRE_MESSAGE(r.status == exited(0), "kcat -P " << r.status.describe() << ": " << r.err);
}

std::string sink_pipeline(const TempDir& dir, const std::string& plugin, const std::string& topic, const std::string& config,
                          const std::string& extra, const std::string& file) {
    const std::string path = dir.file(file);
    testing::write_file(path, "name: lake\n"
                              "sinks:\n"
                              "  - name: " + plugin + "-sink\n"
                              "    plugin: " + plugin + "\n"
                              "    topics: [" + topic + "]\n" + extra +
                              "    config:\n" + config);
    return path;
}

}  // namespace sluice::it::lake
